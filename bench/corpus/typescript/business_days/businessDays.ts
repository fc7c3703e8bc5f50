/**
 * Adds working days (Monday to Friday) to a date, skipping weekends; dates are 'YYYY-MM-DD' in UTC.
 * A negative count goes backwards.
 * @example
 * addBusinessDays('2024-03-01', 1) // => '2024-03-04'
 * addBusinessDays('2024-03-04', 5) // => '2024-03-11'
 * addBusinessDays('2024-03-09', 1) // => '2024-03-11'
 * addBusinessDays('2024-03-04', -1) // => '2024-03-01'
 * addBusinessDays('2024-02-28', 2) // => '2024-03-01'
 */
export function addBusinessDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  const step = days < 0 ? -1 : 1;
  let left = Math.abs(days);
  while (left > 0) {
    d.setUTCDate(d.getUTCDate() + step);
    const weekday = d.getUTCDay();
    if (weekday !== 0 && weekday !== 6) left--;
  }
  return d.toISOString().slice(0, 10);
}
