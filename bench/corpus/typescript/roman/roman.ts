// Roman numerals in both directions.

/**
 * Reads Roman numerals (either case) into an integer.
 * @example
 * fromRoman('MCMXCIV') // => 1994
 * fromRoman('XLII') // => 42
 * fromRoman('iv') // => 4
 * fromRoman('XIZ') // => throws RangeError
 */
export function fromRoman(text: string): number {
  const values: Record<string, number> = { I: 1, V: 5, X: 10, L: 50, C: 100, D: 500, M: 1000 };
  const upper = text.toUpperCase();
  let total = 0;
  for (let i = 0; i < upper.length; i++) {
    const value = values[upper.charAt(i)];
    if (value === undefined) throw new RangeError(`not a Roman digit: ${upper.charAt(i)}`);
    const next = values[upper.charAt(i + 1)] ?? 0;
    total += next > value ? -value : value;
  }
  return total;
}

/** Writes an integer from 1 to 3999 in Roman numerals. */
export function toRoman(n: number): string {
  if (!Number.isInteger(n) || n <= 0 || n >= 4000) throw new RangeError(`cannot write ${n} in Roman numerals`);
  const table: Array<[number, string]> = [
    [1000, 'M'], [900, 'CM'], [500, 'D'], [400, 'CD'], [100, 'C'], [90, 'XC'],
    [50, 'L'], [40, 'XL'], [10, 'X'], [9, 'IX'], [5, 'V'], [4, 'IV'], [1, 'I'],
  ];
  let out = '';
  for (const [value, letters] of table) {
    while (n >= value) {
      out += letters;
      n -= value;
    }
  }
  return out;
}
