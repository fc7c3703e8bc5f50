/**
 * Whole years between a birth date and a day ('YYYY-MM-DD'); someone born on 29 February
 * has their birthday on 1 March in other years.
 * @example
 * ageOn('1990-06-15', '2024-06-14') // => 33
 * ageOn('1990-06-15', '2024-06-15') // => 34
 * ageOn('1990-12-31', '2025-01-01') // => 34
 * ageOn('2000-02-29', '2023-02-28') // => 22
 * ageOn('2000-02-29', '2023-03-01') // => 23
 */
export function ageOn(birth: string, day: string): number {
  const [by, bm, bd] = birth.split('-').map(Number) as [number, number, number];
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  let age = y - by;
  if (m < bm || (m === bm && d < bd)) age--;
  return age;
}
