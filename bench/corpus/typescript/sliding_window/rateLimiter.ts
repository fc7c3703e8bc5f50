/**
 * Sliding-window rate limiter: at most `limit` events in any `windowMs` milliseconds.
 * Time is passed in, so the limiter is deterministic.
 * @example
 * const limiter = new SlidingWindowLimiter(2, 1000)
 * limiter.tryAcquire(0) // => true
 * limiter.tryAcquire(100) // => true
 * limiter.tryAcquire(999) // => false
 * limiter.tryAcquire(1000) // => true
 * limiter.tryAcquire(1050) // => false
 * limiter.tryAcquire(1100) // => true
 */
export class SlidingWindowLimiter {
  private readonly times: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  tryAcquire(now: number): boolean {
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift();
    if (this.times.length >= this.limit) return false;
    this.times.push(now);
    return true;
  }
}
