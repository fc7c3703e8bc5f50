import pytest

from backoff import retry


def test_retry_succeeds_on_third_try():
    calls, slept = [], []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("down")
        return "ok"

    assert retry(flaky, attempts=5, sleep=slept.append) == "ok"
    assert slept == [0.5, 1.0]


def test_retry_gives_up_with_the_last_error():
    slept = []

    def broken():
        raise TimeoutError("slow")

    with pytest.raises(TimeoutError):
        retry(broken, attempts=3, sleep=slept.append)
    assert slept == [0.5, 1.0]
