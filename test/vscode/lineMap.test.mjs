// Staged findings onto the working file: a line diff, and a finding moves only when its lines —
// its whole function, when it is in one — are unchanged there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPure } from './support/pure.mjs';

const { mapLines, mapFindings } = await loadPure('src/vscode/lineMap.ts');
const r = (l1, c1, l2, c2) => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });
const unit = (name, from, to) => ({ name, kind: 'function', range: r(from, 0, to, 20), nameRange: r(from, 4, from, 7), startIndex: 0, endIndex: 0 });
const finding = (line, rule, unitName, related = []) => ({
  rule, level: 'error', message: rule, file: '/p/calc.py', range: r(line, 11, line, 16), unit: unitName, tier: 'executed', confidence: 1, source: 'examples', fingerprint: rule, related,
});

const staged = ['def add(a, b):', '    return a - b', '', '', 'def scaled(items, factor):', '    return sum(items) * scale', ''].join('\n');

test('mapLines aligns the common lines around insertions, deletions and changes', () => {
  assert.deepEqual(mapLines('a\nb\nc', 'a\nb\nc'), [0, 1, 2]);
  assert.deepEqual(mapLines('a\nb\nc', 'x\na\nb\nc'), [1, 2, 3]);
  assert.deepEqual(mapLines('a\nb\nc\nd', 'a\nc\nd'), [0, undefined, 1, 2]);
  assert.deepEqual(mapLines('a\nb\nc\nd\ne', 'a\nB\nc\nd\nX\ne'), [0, undefined, 2, 3, 5]);
  assert.deepEqual(mapLines('a\r\nb', 'a\nb'), [0, 1]);
});

test('a finding in a function unchanged in the working file moves to its lines there (its evidence too)', () => {
  // The working file has a new module docstring above: everything moved down by two lines.
  const working = `"""Docs."""\n\n${staged}`;
  const f = finding(1, 'doctest-failed', 'add', [{ file: '/p/calc.py', range: r(0, 0, 0, 14), message: 'the example' }, { file: '/p/test_calc.py', range: r(3, 0, 3, 9), message: 'a test' }]);
  const { mapped, unmapped } = mapFindings([f], [unit('add', 0, 1), unit('scaled', 4, 5)], mapLines(staged, working), '/p/calc.py');
  assert.deepEqual(unmapped, []);
  assert.equal(mapped[0].range.start.line, 3);
  assert.equal(mapped[0].range.start.character, 11);
  assert.equal(mapped[0].related[0].range.start.line, 2);
  assert.equal(mapped[0].related[1].range.start.line, 3, 'evidence in another file stays where it is');
});

test('a finding whose function was fixed in the working file stays with the staged version', () => {
  const working = staged.replace('return a - b', 'return a + b');
  const { mapped, unmapped } = mapFindings([finding(1, 'doctest-failed', 'add'), finding(5, 'ruff-F821', 'scaled')], [unit('add', 0, 1), unit('scaled', 4, 5)], mapLines(staged, working), '/p/calc.py');
  assert.deepEqual(unmapped.map((f) => f.rule), ['doctest-failed']);
  assert.deepEqual(mapped.map((f) => [f.rule, f.range.start.line]), [['ruff-F821', 5]]);
});

test('an edit elsewhere in the same function keeps the finding on the staged view (the fix may be that edit)', () => {
  const working = staged.replace('def add(a, b):', 'def add(a, b):\n    a = int(a)');
  const { mapped, unmapped } = mapFindings([finding(1, 'doctest-failed', 'add')], [unit('add', 0, 1)], mapLines(staged, working), '/p/calc.py');
  assert.equal(mapped.length, 0);
  assert.equal(unmapped.length, 1);
});

test('module-level findings map by their own lines', () => {
  const moduleFinding = { ...finding(2, 'syntax', '<module>'), range: r(2, 0, 2, 0) };
  const working = `import os\n${staged}`;
  const { mapped } = mapFindings([moduleFinding], [], mapLines(staged, working), '/p/calc.py');
  assert.equal(mapped[0].range.start.line, 3);
});
