import pytest

from duration import parse_duration


def test_bare_number_needs_a_unit():
    with pytest.raises(ValueError):
        parse_duration("10")


def test_unit_without_number():
    with pytest.raises(ValueError):
        parse_duration("h")


def test_minutes_and_seconds():
    assert parse_duration("2m 5s") == 125
