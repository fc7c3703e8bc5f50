import pytest

from tokenizer import tokenize


def test_names_with_underscores():
    assert tokenize("_tmp*rate_2") == ["_tmp", "*", "rate_2"]


def test_rejects_unknown_characters():
    with pytest.raises(ValueError):
        tokenize("2 $ 3")
