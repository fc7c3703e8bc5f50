"""Run-length encoding of strings."""


def encode(text):
    """Encode runs of equal characters as count + character.

    >>> encode("aaabccdddd")
    '3a1b2c4d'
    >>> encode("")
    ''
    """
    out = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] == text[i]:
            j += 1
        out.append(f"{j - i}{text[i]}")
        i = j
    return "".join(out)


def decode(encoded):
    """Invert encode(); counts may have several digits.

    >>> decode("3a1b2c4d")
    'aaabccdddd'
    >>> decode("12x")
    'xxxxxxxxxxxx'
    """
    out = []
    count = ""
    for ch in encoded:
        if ch.isdigit():
            count += ch
        else:
            out.append(ch * int(count))
            count = ""
    return "".join(out)
