// Turning titles into URL slugs.

/**
 * Lower-case, ASCII-only, words joined by single dashes.
 * @example
 * slugify('Hello, World!') // => 'hello-world'
 * slugify('  Many   spaces  ') // => 'many-spaces'
 */
export function slugify(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Makes a slug unique among those already taken by appending -2, -3, … */
export function uniqueSlug(title: string, taken: ReadonlySet<string>): string {
  const base = slugify(title);
  let candidate = base;
  for (let n = 2; taken.has(candidate); n++) candidate = `${base}-${n}`;
  return candidate;
}
