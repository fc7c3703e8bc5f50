import { test } from 'node:test';
import assert from 'node:assert/strict';
import { freeSlots } from './freeSlots';

const h = (hours: number, minutes = 0) => hours * 60 + minutes;

test('gaps between unsorted, overlapping meetings', () => {
  const busy = [
    { start: h(13), end: h(14) },
    { start: h(9, 30), end: h(10, 30) },
    { start: h(10), end: h(11) },
  ];
  assert.deepEqual(freeSlots(busy, h(9), h(17), 30), [
    { start: h(9), end: h(9, 30) },
    { start: h(11), end: h(13) },
    { start: h(14), end: h(17) },
  ]);
});

test('a meeting inside another one', () => {
  const busy = [
    { start: h(9), end: h(12) },
    { start: h(10), end: h(11) },
  ];
  assert.deepEqual(freeSlots(busy, h(9), h(13), 15), [{ start: h(12), end: h(13) }]);
});

test('short gaps are skipped', () => {
  const busy = [{ start: h(9, 10), end: h(16, 45) }];
  assert.deepEqual(freeSlots(busy, h(9), h(17), 20), []);
});
