import pytest

from chunked import chunked


def test_rejects_zero_size():
    with pytest.raises(ValueError):
        chunked([1, 2, 3], 0)


def test_exact_multiple():
    assert chunked(list("abcdef"), 3) == [["a", "b", "c"], ["d", "e", "f"]]
