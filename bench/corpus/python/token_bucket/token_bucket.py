"""Rate limiting with a token bucket."""


class TokenBucket:
    """Allows bursts of `capacity` calls, refilled at `rate` tokens per second.

    The clock is injected so the behaviour is deterministic.

    >>> now = [0.0]
    >>> bucket = TokenBucket(capacity=2, rate=1.0, clock=lambda: now[0])
    >>> [bucket.allow() for _ in range(3)]
    [True, True, False]
    >>> now[0] = 1.5
    >>> bucket.allow(), bucket.allow()
    (True, False)
    """

    def __init__(self, capacity, rate, clock):
        self.capacity = capacity
        self.rate = rate
        self.clock = clock
        self.tokens = float(capacity)
        self.updated = clock()

    def allow(self):
        now = self.clock()
        elapsed = now - self.updated
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False
