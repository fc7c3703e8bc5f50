/**
 * A least-recently-used cache built on Map's insertion order.
 * @example
 * const cache = new LruCache<string, number>(2)
 * cache.set('a', 1)
 * cache.set('b', 2)
 * cache.get('a') // => 1
 * cache.set('c', 3)
 * cache.has('b') // => false
 * [...cache.keys()] // => ['a', 'c']
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    if (!this.entries.has(key)) return undefined;
    const value = this.entries.get(key) as V;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as K);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  keys(): IterableIterator<K> {
    return this.entries.keys();
  }
}
