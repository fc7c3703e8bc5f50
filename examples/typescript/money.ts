// Money helpers: amounts are integer cents.

/** Splits `amount` cents into `parts` shares that differ by at most one cent and add up to `amount`. */
export function splitCents(amount: number, parts: number): number[] {
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`parts must be a positive integer, got ${parts}`);
  const base = Math.floor(amount / parts);
  const remainder = amount % parts;
  return Array.from({ length: parts }, (_, i) => base + (i <= remainder ? 1 : 0));
}

/**
 * Formats cents as a currency string.
 * @example
 * formatCents(123456) // => '$1,234.56'
 */
export function formatCents(cents: number, currency = 'USD'): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}
