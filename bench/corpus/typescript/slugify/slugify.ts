/**
 * URL slug: lower case ASCII words joined by single dashes, at most `max` characters,
 * never cut in the middle of a word.
 * @example
 * slugify('Hello, World!') // => 'hello-world'
 * slugify('  Crème brûlée  recipes ') // => 'creme-brulee-recipes'
 * slugify('The quick brown fox', 12) // => 'the-quick'
 * slugify('!!!') // => ''
 */
export function slugify(title: string, max = 60): string {
  const words = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
  let slug = '';
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > max) break;
    slug = next;
  }
  return slug;
}
