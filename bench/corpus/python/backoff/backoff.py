"""Retrying flaky operations with exponential backoff."""


def backoff_delays(attempts, base=0.5, factor=2.0, cap=30.0):
    """Seconds to wait before each retry: exponential, never more than `cap`.

    >>> backoff_delays(5)
    [0.5, 1.0, 2.0, 4.0, 8.0]
    >>> backoff_delays(4, base=10, cap=25)
    [10.0, 20.0, 25, 25]
    """
    return [min(cap, base * factor ** n) for n in range(attempts)]


def retry(operation, attempts, sleep, delays=backoff_delays):
    """Call `operation` until it succeeds, sleeping between tries; re-raise the last error."""
    waits = delays(attempts - 1)
    for attempt in range(attempts):
        try:
            return operation()
        except Exception:
            if attempt == attempts - 1:
                raise
            sleep(waits[attempt])
