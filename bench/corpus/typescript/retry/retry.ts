/**
 * Delays in milliseconds before each retry: exponential from `baseMs`, capped at `maxMs`.
 * @example
 * backoffDelays(5, 100, 1000) // => [100, 200, 400, 800, 1000]
 * backoffDelays(0, 100, 1000) // => []
 */
export function backoffDelays(retries: number, baseMs: number, maxMs: number): number[] {
  const delays: number[] = [];
  for (let i = 0; i < retries; i++) delays.push(Math.min(maxMs, baseMs * 2 ** i));
  return delays;
}

/** Runs `task` until it resolves, at most `attempts` times, waiting with `sleep` between tries. */
export async function withRetry<T>(task: () => Promise<T>, attempts: number, sleep: (ms: number) => Promise<void>, baseMs = 100, maxMs = 1000): Promise<T> {
  const delays = backoffDelays(attempts - 1, baseMs, maxMs);
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await task();
    } catch (err) {
      lastError = err;
      if (attempt < delays.length) await sleep(delays[attempt]!);
    }
  }
  throw lastError;
}
