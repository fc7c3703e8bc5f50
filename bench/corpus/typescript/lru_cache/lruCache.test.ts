import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LruCache } from './lruCache';

test('updating a key makes it most recent', () => {
  const cache = new LruCache<string, number>(2);
  cache.set('a', 1);
  cache.set('b', 2);
  cache.set('a', 10);
  cache.set('c', 3);
  assert.deepEqual([...cache.keys()], ['a', 'c']);
  assert.equal(cache.get('a'), 10);
});

test('capacity one keeps the latest', () => {
  const cache = new LruCache<number, string>(1);
  cache.set(1, 'x');
  cache.set(2, 'y');
  assert.equal(cache.get(1), undefined);
  assert.equal(cache.get(2), 'y');
});
