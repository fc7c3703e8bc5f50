import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBalanced } from './brackets';

test('closing without opening', () => {
  assert.equal(isBalanced('())'), false);
  assert.equal(isBalanced(')('), false);
});

test('deep nesting', () => {
  assert.equal(isBalanced('{[()()]}'.repeat(50)), true);
});
