// Spectrum-based fault localisation (Ochiai) as a pure function: rankings a user would see as
// "this line is the most suspicious", and the cases where the evidence cannot tell lines apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { out } from './support/engine.mjs';

const { ochiai, rankLines, localise } = await import(out('engine/evidence/faultLocalisation.js'));

const pass = (...lines) => ({ passed: true, lines });
const fail = (...lines) => ({ passed: false, lines });

test('ochiai: the textbook values', () => {
  assert.equal(ochiai(0, 3, 2), 0, 'never executed by a failing run');
  assert.equal(ochiai(2, 0, 2), 1, 'executed by every failing run and no passing one');
  assert.equal(ochiai(1, 1, 1), 1 / Math.sqrt(2));
  assert.equal(ochiai(1, 0, 0), 0, 'no failing run at all');
});

test('rankLines: the line only the failing run reaches comes first; lines outside the unit are ignored', () => {
  // clamp(x, lo, hi): 10 `if x < lo`, 11 `return lo`, 12 `if x > hi`, 13 `return lo` (the bug), 14 `return x`
  const spectra = [pass(10, 12, 14), pass(10, 11), fail(10, 12, 13), pass(2, 3)];
  const ranked = rankLines(spectra, 10, 14);
  assert.deepEqual(ranked.map((r) => r.line), [13, 12, 10]);
  assert.equal(ranked[0].score, 1);
  assert.deepEqual({ failed: ranked[1].failed, passed: ranked[1].passed }, { failed: 1, passed: 1 });
  assert.ok(!ranked.some((r) => r.line === 2 || r.line === 11), 'neither outside the unit nor unexecuted by a failure');
});

test('rankLines: equal scores keep line order, repeated lines in a run count once', () => {
  const ranked = rankLines([fail(5, 4, 4, 6), pass(6)], 1, 10);
  assert.deepEqual(ranked.map((r) => [r.line, r.failed]), [[4, 1], [5, 1], [6, 1]]);
});

test('localise: a line that stands out is reported with the counts of the runs that entered the unit', () => {
  const loc = localise([pass(10, 12, 14), pass(10, 11), fail(10, 12, 13), fail(40), pass(41)], 10, 14);
  assert.equal(loc.kind, 'line');
  assert.equal(loc.ranked[0].line, 13);
  assert.equal(loc.failingRuns, 1, 'the failure in another function is not counted');
  assert.equal(loc.passingRuns, 2);
});

test('localise: one failing run and no passing run that differs cannot single out a line', () => {
  assert.deepEqual(localise([fail(3, 4, 5)], 1, 9), { kind: 'inseparable', lines: 3, failingRuns: 1, passingRuns: 0 });
  // Passing runs that execute exactly the same lines do not help either.
  assert.equal(localise([fail(3, 4, 5), pass(3, 4, 5), pass(3, 4, 5)], 1, 9).kind, 'inseparable');
});

test('localise: no coverage inside the unit is "none"; a one-line body is that line', () => {
  assert.deepEqual(localise([fail(20, 21), pass(3)], 1, 9), { kind: 'none' });
  assert.deepEqual(localise([], 1, 9), { kind: 'none' });
  const one = localise([fail(2)], 1, 2);
  assert.equal(one.kind, 'line');
  assert.equal(one.ranked[0].line, 2);
});

const { placeFault, raisingLine } = await import(out('engine/evidence/exec/faultPlacement.js'));

const fnUnit = { name: 'clamp', kind: 'function', range: { start: { line: 0, character: 0 }, end: { line: 5, character: 12 } }, nameRange: { start: { line: 0, character: 4 }, end: { line: 0, character: 9 } }, startIndex: 0, endIndex: 0 };
const clampText = ['def clamp(x, lo, hi):', '    if x < lo:', '        return lo', '    if x > hi:', '        return lo', '    return x', ''].join('\n');

test('placeFault: a raise inside the unit keeps the raising line and lists the other suspects', () => {
  const p = placeFault(fnUnit, '/m.py', clampText, 4, [pass(2, 4, 6), fail(2, 4, 5)]);
  assert.equal(p.range.start.line, 3);
  assert.equal(p.note, ' (in `clamp`, raised at line 4)');
  assert.deepEqual(p.related.map((r) => [r.range.start.line + 1, r.message]), [[5, 'suspicious line 5 (Ochiai 1.00)'], [2, 'suspicious line 2 (Ochiai 0.71)']]);
});

test('placeFault: no coverage and no raise keep the name; a module-level unit is never moved', () => {
  assert.deepEqual(placeFault(fnUnit, '/m.py', clampText, undefined, []), { range: fnUnit.nameRange, note: '', related: [] });
  const mod = { ...fnUnit, name: '<module>', kind: 'module' };
  assert.equal(placeFault(mod, '/m.py', clampText, 3, [fail(3)]).note, '');
});

test('raisingLine: the innermost frame of the file inside the unit', () => {
  const frames = [{ file: '/t.py', line: 9 }, { file: '/m.py', line: 2 }, { file: '/m.py', line: 40 }, { file: '/lib.py', line: 1 }];
  assert.equal(raisingLine(frames, '/m.py', fnUnit), 2, 'line 40 is outside the unit, lib.py another file');
  assert.equal(raisingLine([{ file: '/t.py', line: 3 }], '/m.py', fnUnit), undefined);
});

test('rankLines and localise are computed once per spectra and range (every finding of a run asks again)', () => {
  const spectra = [pass(1, 2), fail(1, 3)];
  assert.equal(rankLines(spectra, 1, 9), rankLines(spectra, 1, 9), 'the same ranking, not a recomputed copy');
  assert.equal(localise(spectra, 1, 9), localise(spectra, 1, 9));
  assert.notEqual(rankLines(spectra, 1, 2), rankLines(spectra, 1, 9), 'another range is ranked on its own');
  assert.deepEqual(rankLines([pass(1, 2), fail(1, 3)], 1, 9), rankLines(spectra, 1, 9), 'other spectra, same values');
});
