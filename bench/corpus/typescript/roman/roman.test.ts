import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromRoman, toRoman } from './roman';

test('writes known numbers', () => {
  assert.equal(toRoman(1994), 'MCMXCIV');
  assert.equal(toRoman(49), 'XLIX');
  assert.equal(toRoman(3888), 'MMMDCCCLXXXVIII');
});

test('round-trips 1..3999', () => {
  for (let n = 1; n < 4000; n++) assert.equal(fromRoman(toRoman(n)), n);
});

test('rejects 0 and fractions', () => {
  assert.throws(() => toRoman(0), RangeError);
  assert.throws(() => toRoman(2.5), RangeError);
});
