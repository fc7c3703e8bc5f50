"""A tiny module with two defects for the end-to-end test."""


def add(a, b):
    """Return the sum of a and b.

    >>> add(2, 2)
    4
    """
    return a - b


def scaled_total(items, factor):
    total = 0
    for item in items:
        total += item
    return total * scale
