"""Calendar arithmetic on (year, month, day) tuples."""


def is_leap_year(year):
    """Gregorian leap years.

    >>> [y for y in (1900, 2000, 2023, 2024) if is_leap_year(y)]
    [2000, 2024]
    """
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year, month):
    """Number of days in a month (1-12).

    >>> days_in_month(2024, 2), days_in_month(2023, 2), days_in_month(2023, 4), days_in_month(2023, 12)
    (29, 28, 30, 31)
    """
    if month == 2:
        return 29 if is_leap_year(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


def add_months(year, month, day, months):
    """Add calendar months, clamping the day to the end of the target month.

    >>> add_months(2024, 1, 31, 1)
    (2024, 2, 29)
    >>> add_months(2023, 11, 15, 3)
    (2024, 2, 15)
    >>> add_months(2024, 3, 31, -1)
    (2024, 2, 29)
    """
    index = year * 12 + (month - 1) + months
    new_year, new_month = divmod(index, 12)
    new_month += 1
    return new_year, new_month, min(day, days_in_month(new_year, new_month))
