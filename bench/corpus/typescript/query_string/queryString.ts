/**
 * Parses a URL query string; repeated keys collect into arrays, `+` means a space.
 * @example
 * parseQuery('?q=hello+world&page=2') // => { q: 'hello world', page: '2' }
 * parseQuery('tag=a&tag=b&tag=c') // => { tag: ['a', 'b', 'c'] }
 * parseQuery('flag&empty=') // => { flag: '', empty: '' }
 * parseQuery('name=J%C3%BCrgen%20M') // => { name: 'Jürgen M' }
 * parseQuery('') // => {}
 */
export function parseQuery(query: string): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  const body = query.startsWith('?') ? query.slice(1) : query;
  for (const pair of body.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    const key = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    const existing = result[key];
    if (existing === undefined) result[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else result[key] = [existing, value];
  }
  return result;
}
