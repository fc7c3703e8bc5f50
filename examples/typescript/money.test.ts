import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitCents } from './money.ts';

test('splitCents shares add up to the amount', () => {
  const shares = splitCents(100, 3);
  assert.deepEqual(shares, [34, 33, 33]);
  assert.equal(shares.reduce((a, b) => a + b, 0), 100);
});

test('splitCents rejects zero parts', () => {
  assert.throws(() => splitCents(100, 0), RangeError);
});
