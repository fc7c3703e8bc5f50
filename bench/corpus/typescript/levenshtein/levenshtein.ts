/**
 * Edit distance: insertions, deletions and substitutions each cost 1.
 * @example
 * levenshtein('kitten', 'sitting') // => 3
 * levenshtein('flaw', 'lawn') // => 2
 * levenshtein('', 'abc') // => 3
 * levenshtein('same', 'same') // => 0
 */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
