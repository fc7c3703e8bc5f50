// Moving finding ranges through edits (VS Code does not move diagnostics by itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPure } from './support/pure.mjs';

const { shiftRange, resizeRange, shiftLines, isMultiLineInsertion, mergeLines, editTouches } = await loadPure('src/vscode/rangeEdits.ts');
const r = (l1, c1, l2, c2) => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });
const insert = (line, character, text) => ({ range: r(line, character, line, character), text });

test('a line inserted above moves a range down; text after it on the same line moves right', () => {
  assert.deepEqual(shiftRange(r(5, 4, 5, 9), insert(2, 0, 'x = 1\n')), r(6, 4, 6, 9));
  assert.deepEqual(shiftRange(r(5, 4, 5, 9), insert(5, 0, 'ab')), r(5, 6, 5, 11));
  assert.deepEqual(shiftRange(r(5, 4, 5, 9), insert(5, 2, 'a\nbc')), r(6, 4, 6, 9));
});

test('deleting lines above moves a range up; an edit below leaves it alone', () => {
  assert.deepEqual(shiftRange(r(10, 0, 10, 3), { range: r(2, 0, 5, 0), text: '' }), r(7, 0, 7, 3));
  assert.deepEqual(shiftRange(r(1, 0, 1, 3), insert(4, 0, 'z\n')), r(1, 0, 1, 3));
});

test('an edit inside a range drops it; touching its ends from outside does not', () => {
  assert.equal(shiftRange(r(3, 2, 3, 8), insert(3, 5, 'q')), undefined);
  assert.equal(shiftRange(r(3, 2, 3, 8), { range: r(3, 0, 3, 4), text: '' }), undefined);
  assert.equal(editTouches(r(3, 2, 3, 8), insert(3, 8, 'q')), false);
  assert.deepEqual(shiftRange(r(3, 2, 3, 8), insert(3, 8, 'q')), r(3, 2, 3, 8));
});

test('a unit that contains the edit grows with it', () => {
  assert.deepEqual(resizeRange(r(2, 0, 6, 10), insert(4, 0, 'a\nb\n')), r(2, 0, 8, 10));
  assert.equal(resizeRange(r(2, 0, 6, 10), { range: r(1, 0, 3, 0), text: '' }), undefined);
});

test('line ranges move with edits and cover new text that overlaps them', () => {
  assert.deepEqual(shiftLines({ start: 5, end: 7 }, insert(1, 0, 'a\nb\n')), { start: 7, end: 9 });
  assert.deepEqual(shiftLines({ start: 5, end: 7 }, insert(6, 0, 'a\n')), { start: 5, end: 8 });
  assert.deepEqual(shiftLines({ start: 5, end: 7 }, insert(9, 0, 'a\n')), { start: 5, end: 7 });
});

test('a paste or an accepted suggestion is a multi-line insertion; typing Enter is not', () => {
  assert.equal(isMultiLineInsertion(insert(0, 0, 'def f():\n    return 1\n')), true);
  assert.equal(isMultiLineInsertion(insert(0, 0, '\n    ')), false);
  assert.equal(isMultiLineInsertion(insert(0, 0, 'x')), false);
  assert.equal(isMultiLineInsertion(insert(0, 0, 'a = 1\n')), false);
});

test('mergeLines sorts and joins adjacent ranges', () => {
  assert.deepEqual(mergeLines([{ start: 8, end: 9 }, { start: 1, end: 2 }, { start: 3, end: 4 }]), [{ start: 1, end: 4 }, { start: 8, end: 9 }]);
});
