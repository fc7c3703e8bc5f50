"""Descriptive statistics without numpy."""


def median(values):
    """Middle of the sorted values (the mean of the two middle ones for an even count).

    >>> median([3, 1, 2])
    2
    >>> median([4, 1, 3, 2])
    2.5
    """
    if not values:
        raise ValueError("median of no data")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def percentile(values, p):
    """Linearly interpolated percentile, p from 0 to 100.

    >>> percentile([15, 20, 35, 40, 50], 40)
    29.0
    >>> percentile([15, 20, 35, 40, 50], 100)
    50.0
    >>> percentile([3, 1, 2], 50)
    2.0
    """
    ordered = sorted(values)
    rank = p / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (rank - low) * (ordered[high] - ordered[low])
