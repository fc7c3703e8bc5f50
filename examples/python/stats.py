"""Descriptive statistics without numpy."""


def mean(values):
    """Arithmetic mean.

    >>> mean([1, 2, 3, 4])
    2.5
    """
    return sum(values) / len(values)


def median(values):
    """Middle value of the sorted values (mean of the two middle ones for an even count).

    >>> median([3, 1, 2])
    2
    >>> median([4, 1, 3, 2])
    2.5
    """
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle] + ordered[middle + 1]) / 2


def clamp(value, low, high):
    """Limit value to the closed interval [low, high].

    >>> clamp(15, 0, 10)
    10
    >>> clamp(-3, 0, 10)
    0
    """
    return max(low, min(value, high))
