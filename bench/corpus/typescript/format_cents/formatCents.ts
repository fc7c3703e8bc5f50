/**
 * Formats integer cents as a dollar amount with thousands separators.
 * @example
 * formatCents(123456) // => '$1,234.56'
 * formatCents(5) // => '$0.05'
 * formatCents(-99900) // => '-$999.00'
 * formatCents(100000000) // => '$1,000,000.00'
 */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const dollars = Math.floor(abs / 100).toString();
  const rest = (abs % 100).toString().padStart(2, '0');
  let grouped = '';
  for (let i = 0; i < dollars.length; i++) {
    if (i > 0 && (dollars.length - i) % 3 === 0) grouped += ',';
    grouped += dollars[i];
  }
  return `${sign}$${grouped}.${rest}`;
}
