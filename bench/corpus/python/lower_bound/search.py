"""Binary search over sorted sequences."""


def lower_bound(items, target):
    """Index of the first element >= target in a sorted list (len(items) when there is none).

    >>> lower_bound([1, 3, 3, 5, 8], 3)
    1
    >>> lower_bound([1, 3, 3, 5, 8], 4)
    3
    >>> lower_bound([1, 3, 3, 5, 8], 9)
    5
    >>> lower_bound([], 1)
    0
    """
    lo, hi = 0, len(items)
    while lo < hi:
        mid = (lo + hi) // 2
        if items[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo
