"""Dotted version numbers."""


def compare_versions(a, b):
    """-1, 0 or 1, comparing dotted versions part by part as numbers; missing parts count as 0.

    >>> compare_versions("1.10.0", "1.9.3")
    1
    >>> compare_versions("2.0", "2.0.0")
    0
    >>> compare_versions("0.9", "0.10")
    -1
    """
    left, right = ([int(p) for p in v.split(".")] for v in (a, b))
    width = max(len(left), len(right))
    left += [0] * (width - len(left))
    right += [0] * (width - len(right))
    return (left > right) - (left < right)
