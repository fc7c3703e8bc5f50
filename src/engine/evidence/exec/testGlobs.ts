/**
 * Glob patterns as test runners write them (jest `testMatch`, vitest `include`, `.critic.json`
 * `tests.patterns`): `**`, `*`, `?`, `[…]`, `{a,b}` and micromatch's `?(x)`, `*(x)`, `+(x)`, `@(x)`,
 * `!(x)`, matched against `/`-separated paths relative to a root.
 */

function groupBody(pattern: string, open: number): number {
  let depth = 0;
  for (let i = open; i < pattern.length; i++) {
    if (pattern[i] === '(' || pattern[i] === '{') depth++;
    else if (pattern[i] === ')' || pattern[i] === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function toRegExpSource(p: string): string {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    const next = p[i + 1];
    if ('?*+@!'.includes(c) && next === '(') {
      const end = groupBody(p, i + 1);
      if (end > 0) {
        const alts = splitTop(p.slice(i + 2, end), '|').map(toRegExpSource).join('|');
        re += c === '?' ? `(?:${alts})?` : c === '*' ? `(?:${alts})*` : c === '+' ? `(?:${alts})+` : c === '@' ? `(?:${alts})` : `(?!(?:${alts}))[^/]*`;
        i = end;
        continue;
      }
    }
    if (c === '*' && next === '*') {
      // `**/` matches any number of folders (none included); a trailing `**` matches the rest.
      if (p[i + 2] === '/') {
        re += '(?:[^/]*/)*';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
      continue;
    }
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = groupBody(p, i);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${splitTop(p.slice(i + 1, end), ',').map(toRegExpSource).join('|')})`;
        i = end;
      }
    } else if (c === '[') {
      const end = p.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = p.slice(i + 1, end);
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return re;
}

function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '(' || s[i] === '{') depth++;
    else if (s[i] === ')' || s[i] === '}') depth--;
    else if (s[i] === sep && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

/** A path glob as a RegExp over a whole relative path (leading `./` ignored). */
export function pathGlob(pattern: string): RegExp {
  return new RegExp(`^${toRegExpSource(pattern.replace(/^\.\//, ''))}$`);
}

/** Whether `rel` (relative, `/`-separated) matches a glob; a pattern without `/` matches the base name anywhere. */
export function matchesGlob(rel: string, pattern: string): boolean {
  if (!pattern.includes('/')) return pathGlob(pattern).test(rel.slice(rel.lastIndexOf('/') + 1));
  return pathGlob(pattern).test(rel);
}
