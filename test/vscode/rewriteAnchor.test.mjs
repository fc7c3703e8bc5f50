// A verified rewrite survives an edit outside its unit (re-anchored where the unit now is) and is
// dropped when the unit itself changed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPure } from './support/pure.mjs';

const { reanchorRewrite, offsetOf, minimalReplacement } = await loadPure('src/vscode/rewriteAnchor.ts');

const before = 'import math\n\ndef add(a, b):\n    return a - b\n\ndef other():\n    return 1\n';
const after = before.replace('return a - b', 'return a + b');
const unitStart = before.indexOf('def add');
const unitEnd = before.indexOf('\n\ndef other');
const rewrite = { before, after, unitStart, unitEnd };

test('offsetOf turns a line/character position into an offset', () => {
  assert.equal(offsetOf(before, { line: 2, character: 0 }), unitStart);
  assert.equal(offsetOf(before, { line: 3, character: 99 }), before.indexOf('\n', unitStart + 15));
  assert.equal(offsetOf('a', { line: 5, character: 0 }), 1);
});

test('the unchanged document gets the rewrite as it was verified', () => {
  assert.equal(reanchorRewrite(rewrite, before), after);
});

test('an edit above the unit moves the rewrite with the unit', () => {
  const current = before.replace('import math\n', 'import math\nimport os\n\n# helpers\n');
  assert.equal(reanchorRewrite(rewrite, current), current.replace('return a - b', 'return a + b'));
});

test('an edit below the unit keeps the rewrite and the edit', () => {
  const current = before.replace('return 1', 'return 2');
  const moved = reanchorRewrite(rewrite, current);
  assert.match(moved, /return a \+ b/);
  assert.match(moved, /return 2/);
});

test('an edit inside the unit discards the rewrite (its verification no longer holds)', () => {
  assert.equal(reanchorRewrite(rewrite, before.replace('def add(a, b):', 'def add(a, b, c=0):')), undefined);
  assert.equal(reanchorRewrite(rewrite, before.replace('def add', 'def plus')), undefined);
});

test('a rewrite reaching outside its unit is not re-anchored', () => {
  const wide = { ...rewrite, after: after.replace('import math', 'import cmath') };
  assert.equal(reanchorRewrite(wide, before.replace('return 1', 'return 2')), undefined);
});

test('a repeated unit text anchors at the copy nearest its old place', () => {
  const copy = 'def add(a, b):\n    return a - b';
  const current = `${before}\n${copy}\n`;
  const moved = reanchorRewrite(rewrite, current.replace('import math', 'import math, os'));
  assert.equal(moved.indexOf('return a + b'), moved.indexOf('def add') + 19);
  assert.ok(moved.endsWith(`${copy}\n`), 'the far copy is untouched');
  assert.deepEqual(minimalReplacement('abc', 'aXc'), { start: 1, end: 2, text: 'X' });
});
