/**
 * The one least-recently-used cache of the engine: a Map that keeps at most `capacity` entries,
 * forgetting the least recently read or written first. `onEvict` hears every value that leaves —
 * pushed out by the capacity, replaced by another value, deleted or cleared — so a cache of manual
 * memory (tree-sitter trees, ruff workspaces, language services) frees exactly what it drops.
 */
export class Lru<K, V> extends Map<K, V> {
  constructor(
    readonly capacity: number,
    private readonly onEvict?: (value: V, key: K) => void,
  ) {
    super();
    if (!(capacity >= 1)) throw new RangeError(`an LRU needs a capacity of at least 1, not ${capacity}`);
  }

  /** The value, now the most recently used. */
  override get(key: K): V | undefined {
    if (!super.has(key)) return undefined;
    const value = super.get(key) as V;
    super.delete(key);
    super.set(key, value);
    return value;
  }

  /** The value without refreshing it. */
  peek(key: K): V | undefined {
    return super.get(key);
  }

  override set(key: K, value: V): this {
    const had = super.has(key);
    const old = super.get(key);
    super.delete(key);
    super.set(key, value);
    if (had && old !== value) this.onEvict?.(old as V, key);
    while (this.size > this.capacity) {
      const [oldestKey, oldest] = super.entries().next().value as [K, V];
      super.delete(oldestKey);
      this.onEvict?.(oldest, oldestKey);
    }
    return this;
  }

  override delete(key: K): boolean {
    if (!super.has(key)) return false;
    const value = super.get(key) as V;
    super.delete(key);
    this.onEvict?.(value, key);
    return true;
  }

  /** Forgets every entry, oldest first, each through `onEvict`. */
  override clear(): void {
    for (const [key, value] of [...super.entries()]) {
      super.delete(key);
      this.onEvict?.(value, key);
    }
  }
}
