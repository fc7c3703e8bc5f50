/**
 * Orders tasks so each comes after everything it depends on (Kahn's algorithm); ties keep
 * the order in which tasks are listed. Throws on a dependency cycle.
 * @example
 * topoSort({ app: ['lib', 'utils'], lib: ['utils'], utils: [] }) // => ['utils', 'lib', 'app']
 * topoSort({ a: [], b: [], c: ['a'] }) // => ['a', 'b', 'c']
 * topoSort({ a: ['b'], b: ['a'] }) // => throws Error: cycle
 */
export function topoSort(deps: Record<string, string[]>): string[] {
  const names = Object.keys(deps);
  const waiting = new Map(names.map((n) => [n, deps[n]!.length]));
  const dependents = new Map<string, string[]>(names.map((n) => [n, []]));
  for (const n of names) for (const d of deps[n]!) dependents.get(d)?.push(n);
  const queue = names.filter((n) => waiting.get(n) === 0);
  const order: string[] = [];
  for (let head = 0; head < queue.length; head++) {
    const n = queue[head]!;
    order.push(n);
    for (const m of dependents.get(n)!) {
      waiting.set(m, waiting.get(m)! - 1);
      if (waiting.get(m) === 0) queue.push(m);
    }
  }
  if (order.length !== names.length) throw new Error(`dependency cycle among: ${names.filter((n) => !order.includes(n)).join(', ')}`);
  return order;
}
