/**
 * Simple moving average over `window` consecutive values (one result per full window).
 * @example
 * movingAverage([1, 2, 3, 4, 5], 2) // => [1.5, 2.5, 3.5, 4.5]
 * movingAverage([10, 20, 30], 3) // => [20]
 * movingAverage([1, 2], 3) // => []
 * movingAverage([1, 2, 3], 0) // => throws RangeError
 */
export function movingAverage(values: readonly number[], window: number): number[] {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer, got ${window}`);
  const out: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    sum += values[i]!;
    if (i >= window) sum -= values[i - window]!;
    if (i >= window - 1) out.push(sum / window);
  }
  return out;
}

/**
 * Sample standard deviation (n - 1 in the denominator).
 * @example
 * sampleStdDev([2, 4, 4, 4, 5, 5, 7, 9]) // => Math.sqrt(32 / 7)
 * sampleStdDev([5]) // => 0
 */
export function sampleStdDev(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const squares = values.reduce((acc, v) => acc + (v - mean) ** 2, 0);
  return Math.sqrt(squares / (values.length - 1));
}
