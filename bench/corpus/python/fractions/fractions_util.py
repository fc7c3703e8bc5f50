"""Exact fractions as (numerator, denominator) pairs."""


def simplify(numerator, denominator):
    """Reduce a fraction to lowest terms; the sign goes on the numerator.

    >>> simplify(6, 8)
    (3, 4)
    >>> simplify(3, -9)
    (-1, 3)
    >>> simplify(0, 5)
    (0, 1)
    """
    if denominator == 0:
        raise ZeroDivisionError("denominator is zero")
    a, b = abs(numerator), abs(denominator)
    while b:
        a, b = b, a % b
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    return numerator // a, denominator // a
