export type PageItem = number | 'gap';

/**
 * Page links for a pager: the first and last page, `radius` pages around the current one,
 * and 'gap' where pages are left out (a gap of one page shows the page instead).
 * @example
 * pageWindow(5, 10) // => [1, 'gap', 4, 5, 6, 'gap', 10]
 * pageWindow(1, 10) // => [1, 2, 'gap', 10]
 * pageWindow(3, 10) // => [1, 2, 3, 4, 'gap', 10]
 * pageWindow(4, 10) // => [1, 2, 3, 4, 5, 'gap', 10]
 * pageWindow(10, 10) // => [1, 'gap', 9, 10]
 * pageWindow(1, 1) // => [1]
 */
export function pageWindow(current: number, total: number, radius = 1): PageItem[] {
  const shown = new Set<number>([1, total]);
  for (let p = current - radius; p <= current + radius; p++) if (p >= 1 && p <= total) shown.add(p);
  const pages = [...shown].sort((a, b) => a - b);
  const items: PageItem[] = [];
  for (let i = 0; i < pages.length; i++) {
    const page = pages[i]!;
    const previous = pages[i - 1];
    if (previous !== undefined && page - previous === 2) items.push(previous + 1);
    else if (previous !== undefined && page - previous > 2) items.push('gap');
    items.push(page);
  }
  return items;
}
