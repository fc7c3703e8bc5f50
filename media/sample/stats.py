"""Critic's sample: two small functions, one with a bug that its own example exposes.

Critic runs the `>>>` examples in a sandbox. `median` passes; `mean` divides by one too few
values, so its example fails, and the failure shows as an error on `mean` with the call, the
expected and the actual value. Hover the squiggle, or open the Critic view in the activity bar.
"""


def median(values):
    """Return the middle value of a non-empty list (the mean of the two middle ones when even).

    >>> median([3, 1, 2])
    2
    >>> median([4, 1, 3, 2])
    2.5
    """
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def mean(values):
    """Return the arithmetic mean of a non-empty list.

    >>> mean([1, 2, 3, 4])
    2.5
    """
    return sum(values) / (len(values) - 1)
