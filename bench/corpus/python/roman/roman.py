"""Roman numerals in both directions."""


def to_roman(number):
    """Write a positive integer below 4000 in Roman numerals.

    >>> to_roman(1994)
    'MCMXCIV'
    >>> to_roman(3888)
    'MMMDCCCLXXXVIII'
    >>> to_roman(4)
    'IV'
    """
    if not 0 < number < 4000:
        raise ValueError(f"cannot write {number} in Roman numerals")
    numerals = [
        (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
        (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
    ]
    parts = []
    for value, letters in numerals:
        while number >= value:
            parts.append(letters)
            number -= value
    return "".join(parts)


def from_roman(text):
    """Read Roman numerals back into an integer.

    >>> from_roman("MCMXCIV")
    1994
    >>> from_roman("XLII")
    42
    """
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for i, ch in enumerate(text):
        value = values[ch]
        if i + 1 < len(text) and values[text[i + 1]] > value:
            total -= value
        else:
            total += value
    return total
