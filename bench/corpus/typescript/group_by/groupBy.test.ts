import { test } from 'node:test';
import assert from 'node:assert/strict';
import { groupBy, largestGroups } from './groupBy';

const orders = [
  { id: 1, customer: 'ann', total: 30 },
  { id: 2, customer: 'bob', total: 12 },
  { id: 3, customer: 'ann', total: 8 },
  { id: 4, customer: 'cy', total: 50 },
  { id: 5, customer: 'bob', total: 5 },
  { id: 6, customer: 'ann', total: 1 },
];

test('groups keep first-appearance order', () => {
  const groups = groupBy(orders, (o) => o.customer);
  assert.deepEqual([...groups.keys()], ['ann', 'bob', 'cy']);
  assert.deepEqual(groups.get('bob')!.map((o) => o.id), [2, 5]);
});

test('largest groups, ties in first-appearance order', () => {
  assert.deepEqual(largestGroups(orders, (o) => o.customer, 2), [['ann', 3], ['bob', 2]]);
  assert.deepEqual(largestGroups(['x', 'y', 'z', 'y'], (s) => s, 3), [['y', 2], ['x', 1], ['z', 1]]);
});
