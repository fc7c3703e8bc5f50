/**
 * Shortens text to at most `max` characters, cutting at a word boundary and adding '…'
 * (the ellipsis counts toward `max`). A first word longer than `max` is cut hard.
 * @example
 * truncate('The quick brown fox jumps', 16) // => 'The quick brown…'
 * truncate('short', 10) // => 'short'
 * truncate('exactly ten', 11) // => 'exactly ten'
 * truncate('Supercalifragilistic', 6) // => 'Super…'
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = text.slice(0, max - 1);
  const boundary = text[max - 1] === ' ' ? room.length : room.lastIndexOf(' ');
  const cut = boundary > 0 ? room.slice(0, boundary) : room;
  return `${cut.trimEnd()}…`;
}
