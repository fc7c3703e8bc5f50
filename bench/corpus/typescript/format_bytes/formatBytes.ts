/**
 * Human-readable size in binary units, one decimal below 10 units.
 * @example
 * formatBytes(0) // => '0 B'
 * formatBytes(1023) // => '1023 B'
 * formatBytes(1536) // => '1.5 KiB'
 * formatBytes(10 * 1024 * 1024) // => '10 MiB'
 * formatBytes(5.5 * 1024 ** 3) // => '5.5 GiB'
 */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || value >= 10 ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, '');
  return `${shown} ${units[unit]}`;
}
