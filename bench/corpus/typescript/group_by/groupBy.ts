/** Groups items by a key, keeping the order in which keys and items first appear. */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/** The `n` keys with the most items, most first; ties keep first-appearance order. */
export function largestGroups<T, K>(items: Iterable<T>, keyOf: (item: T) => K, n: number): Array<[K, number]> {
  const counts = [...groupBy(items, keyOf)].map(([key, group]): [K, number] => [key, group.length]);
  counts.sort((a, b) => b[1] - a[1]);
  return counts.slice(0, n);
}
