"""Amounts of money as integer cents."""

import decimal


def split_amount(total_cents, parts):
    """Split an amount into `parts` shares that differ by at most one cent and add up to the total.

    >>> split_amount(1000, 3)
    [334, 333, 333]
    >>> split_amount(5, 5)
    [1, 1, 1, 1, 1]
    """
    if parts <= 0:
        raise ValueError("parts must be positive")
    base, remainder = divmod(total_cents, parts)
    return [base + 1 if i < remainder else base for i in range(parts)]


def to_cents(amount):
    """Parse a decimal string into cents, rounding half away from zero.

    >>> to_cents("12.5")
    1250
    >>> to_cents("-0.07")
    -7
    >>> to_cents("0.125")
    13
    """
    value = decimal.Decimal(amount) * 100
    return int(value.quantize(decimal.Decimal("1"), rounding=decimal.ROUND_HALF_UP))
