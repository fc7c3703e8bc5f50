import pytest

from money import split_amount, to_cents


def test_split_adds_up_and_is_fair():
    for total in (0, 1, 99, 1000, 12345):
        for parts in (1, 2, 3, 7):
            shares = split_amount(total, parts)
            assert len(shares) == parts
            assert sum(shares) == total
            assert max(shares) - min(shares) <= 1


def test_split_rejects_zero_parts():
    with pytest.raises(ValueError):
        split_amount(100, 0)


def test_to_cents_whole_units():
    assert to_cents("3") == 300
    assert to_cents("-2.50") == -250
