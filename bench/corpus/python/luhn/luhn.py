"""Check digits of payment card numbers."""


def luhn_valid(number):
    """The Luhn checksum; spaces are ignored.

    >>> luhn_valid("4539 3195 0343 6467")
    True
    >>> luhn_valid("8273 1232 7352 0569")
    False
    >>> luhn_valid("059")
    True
    """
    digits = [int(ch) for ch in number if not ch.isspace()]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0
