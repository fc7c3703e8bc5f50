/**
 * Whether a string is a valid ISBN-13 (hyphens and spaces allowed): weights 1 and 3 alternate,
 * and the weighted sum of all 13 digits is a multiple of 10.
 * @example
 * isValidIsbn13('978-0-306-40615-7') // => true
 * isValidIsbn13('978-0-306-40615-8') // => false
 * isValidIsbn13('9780306406157') // => true
 * isValidIsbn13('978-0-306-4061') // => false
 */
export function isValidIsbn13(text: string): boolean {
  const digits = text.replace(/[-\s]/g, '');
  if (!/^\d{13}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(digits[i]) * (i % 2 === 0 ? 1 : 3);
  return sum % 10 === 0;
}

/**
 * Converts an ISBN-10 to its ISBN-13 form with the 978 prefix.
 * @example
 * isbn10To13('0-306-40615-2') // => '9780306406157'
 */
export function isbn10To13(isbn10: string): string {
  const core = '978' + isbn10.replace(/[-\s]/g, '').slice(0, 9);
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(core[i]) * (i % 2 === 0 ? 1 : 3);
  return core + String((10 - (sum % 10)) % 10);
}
