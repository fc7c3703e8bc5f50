from token_bucket import TokenBucket


def test_idle_refill_is_capped():
    now = [0.0]
    bucket = TokenBucket(capacity=3, rate=10.0, clock=lambda: now[0])
    now[0] = 100.0
    assert sum(bucket.allow() for _ in range(10)) == 3


def test_steady_rate():
    now = [0.0]
    bucket = TokenBucket(capacity=1, rate=2.0, clock=lambda: now[0])
    allowed = 0
    for step in range(20):
        now[0] = step * 0.25
        allowed += bucket.allow()
    assert allowed == 10
