/**
 * A `fetch` for the openai client that makes its waits between retries cancellable and bounded.
 */
import { AbortError } from '../abort.js';

/** How long the server asks us to wait (`retry-after-ms`, `retry-after` in seconds or as a date). */
export function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number.parseFloat(headers?.get('retry-after-ms') ?? '');
  if (Number.isFinite(ms)) return ms;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const seconds = Number.parseFloat(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - Date.now()) : undefined;
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts (the client's own sleep ignores it). */
function sleep(ms: number, signal: AbortSignal | null | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The client's default backoff: 0.5 s doubling up to 8 s, minus up to 25 % jitter. */
function backoffMs(retryCount: number): number {
  return Math.min(500 * 2 ** retryCount, 8_000) * (1 - Math.random() * 0.25);
}

function isRetryable(res: Response): boolean {
  const header = res.headers.get('x-should-retry');
  if (header === 'true' || header === 'false') return header === 'true';
  return res.status === 408 || res.status === 409 || res.status === 429 || res.status >= 500;
}

/**
 * The client retries 429/5xx/connection errors itself, but its wait between attempts cannot be
 * cancelled and follows any `Retry-After`, even an hour. So the wait happens here, inside `fetch`,
 * where the request's signal can cut it short, and the client is told to retry at once
 * (`retry-after-ms: 0`). A requested wait longer than `maxWaitMs` becomes "do not retry", so the
 * caller gets a rate-limited error now rather than a timeout later. The attempt number comes from
 * the client's `x-stainless-retry-count` header.
 */
export function fetchWithCancellableRetryWaits(maxRetries: number, maxWaitMs: number): typeof fetch {
  return async (input, init) => {
    const signal = init?.signal;
    const retryCount = Number(new Headers(init?.headers).get('x-stainless-retry-count') ?? 0) || 0;
    const willRetry = retryCount < maxRetries;
    // Connection errors keep the client's own (short, uncancellable) backoff: there is no response
    // through which to tell it to retry at once.
    const res = await fetch(input, init);
    if (!isRetryable(res)) return res;
    const wait = retryAfterMs(res.headers);
    const headers = new Headers(res.headers);
    if (wait !== undefined && wait > maxWaitMs) {
      headers.set('x-should-retry', 'false');
    } else if (willRetry) {
      try {
        await sleep(wait ?? backoffMs(retryCount), signal);
      } catch (err) {
        await res.body?.cancel().catch(() => {});
        throw err;
      }
      headers.delete('retry-after');
      headers.set('retry-after-ms', '0');
    } else {
      return res;
    }
    return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
  };
}
