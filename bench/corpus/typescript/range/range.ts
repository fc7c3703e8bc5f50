/**
 * Numbers from `start` up to (not including) `end` in steps of `step`, which may be negative.
 * @example
 * range(0, 5) // => [0, 1, 2, 3, 4]
 * range(1, 10, 3) // => [1, 4, 7]
 * range(5, 0, -2) // => [5, 3, 1]
 * range(3, 3) // => []
 * range(0, 1, 0) // => throws RangeError
 */
export function range(start: number, end: number, step = 1): number[] {
  if (step === 0) throw new RangeError('step must not be 0');
  const out: number[] = [];
  for (let i = start; step > 0 ? i < end : i > end; i += step) out.push(i);
  return out;
}
