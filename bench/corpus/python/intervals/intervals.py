"""Closed integer intervals."""


def merge_intervals(intervals):
    """Merge overlapping or touching closed intervals, sorted by start.

    >>> merge_intervals([(1, 3), (2, 6), (8, 10), (15, 18)])
    [(1, 6), (8, 10), (15, 18)]
    >>> merge_intervals([(5, 7), (1, 5)])
    [(1, 7)]
    >>> merge_intervals([])
    []
    """
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
