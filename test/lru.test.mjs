// The engine's one LRU (src/engine/lru.ts): what it keeps, in which order it forgets, and that the
// eviction hook hears every value that leaves, exactly once — the caches of tree-sitter trees, ruff
// workspaces and language services free their memory through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const { Lru } = await import(pathToFileURL(join(import.meta.dirname, '..', 'out', 'engine', 'lru.js')).href);

test('Lru keeps the most recently used entries and evicts the least recently used through the hook', () => {
  const evicted = [];
  const lru = new Lru(2, (v, k) => evicted.push(`${k}=${v}`));
  lru.set('a', 1).set('b', 2);
  assert.equal(lru.get('a'), 1); // a is now newer than b
  lru.set('c', 3);
  assert.deepEqual([...lru.keys()], ['a', 'c']);
  assert.deepEqual(evicted, ['b=2']);
  assert.equal(lru.peek('a'), 1); // peek does not refresh: a stays the oldest
  lru.set('d', 4);
  assert.deepEqual([...lru.keys()], ['c', 'd']);
  assert.deepEqual(evicted, ['b=2', 'a=1']);
  assert.equal(lru.get('missing'), undefined);
  assert.equal(lru.size, 2);
});

test('Lru hands a replaced, deleted or cleared value to the hook once, and never the value it still holds', () => {
  const evicted = [];
  const lru = new Lru(3, (v) => evicted.push(v));
  const tree = { id: 'tree' };
  lru.set('x', tree);
  lru.set('x', tree); // the same value again is not a replacement
  assert.deepEqual(evicted, []);
  lru.set('x', { id: 'newer' });
  assert.deepEqual(evicted, [tree]);
  lru.set('y', 1);
  assert.equal(lru.delete('y'), true);
  assert.equal(lru.delete('y'), false);
  lru.set('z', 2);
  lru.clear();
  assert.deepEqual(evicted.map((v) => v.id ?? v), ['tree', 1, 'newer', 2]);
  assert.equal(lru.size, 0);
});

test('Lru is a ReadonlyMap for readers (iteration, has) and refuses a capacity below one', () => {
  const lru = new Lru(4);
  lru.set('k', 'v');
  assert.ok(lru.has('k'));
  assert.deepEqual([...lru], [['k', 'v']]);
  assert.throws(() => new Lru(0), /capacity of at least 1/);
});
