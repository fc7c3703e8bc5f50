/**
 * Index of `target` in an ascending array, or -1.
 * @example
 * binarySearch([1, 3, 5, 7, 9, 11], 7) // => 3
 * binarySearch([1, 3, 5, 7, 9, 11], 1) // => 0
 * binarySearch([1, 3, 5, 7, 9, 11], 11) // => 5
 * binarySearch([1, 3, 5, 7, 9, 11], 4) // => -1
 * binarySearch([], 4) // => -1
 */
export function binarySearch(sorted: readonly number[], target: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const value = sorted[mid];
    if (value === target) return mid;
    if (value < target) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
