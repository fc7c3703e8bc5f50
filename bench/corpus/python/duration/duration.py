"""Human-written durations."""


def parse_duration(text):
    """Seconds in a duration such as '1h30m', '45s' or '2d 4h'.

    >>> parse_duration("1h30m")
    5400
    >>> parse_duration("2d 4h")
    187200
    >>> parse_duration("90s")
    90
    """
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    total = 0
    number = ""
    for ch in text.replace(" ", ""):
        if ch.isdigit():
            number += ch
        elif ch in units and number:
            total += int(number) * units[ch]
            number = ""
        else:
            raise ValueError(f"bad duration: {text!r}")
    if number:
        raise ValueError(f"missing unit after {number} in {text!r}")
    return total
