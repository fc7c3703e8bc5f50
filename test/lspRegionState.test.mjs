// The pure half of the region answer: which lines a document has had edited since its last
// complete check (what TypeScript checks first), and how a region answer merges with what is shown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { out } from './support/engine.mjs';

const { DocumentState, regionDiagnostics } = await import(out('lsp/documentState.js'));

const at = (line, character = 0) => ({ line, character });
const range = (l1, l2 = l1) => ({ start: at(l1), end: at(l2, 5) });
const change = (l1, l2, text) => ({ range: { start: at(l1), end: at(l2) }, text });
const diag = (code, line, tool = 'typescript', message = code) => ({ code, message, range: range(line), data: { tool } });

test('edited lines accumulate across edits and move with the lines an edit adds above them', () => {
  const s = new DocumentState();
  s.applyChanges([change(40, 40, 'x')]);
  assert.deepEqual(s.edited, [{ start: 40, end: 40 }]);
  // Two lines added at line 10: the earlier edit is now at 42.
  s.applyChanges([change(10, 10, 'a\nb\nc')]);
  assert.deepEqual(s.edited.sort((a, b) => a.start - b.start), [{ start: 10, end: 12 }, { start: 42, end: 42 }]);
  // Deleting lines 41–43 swallows the edit at 42 into the new one.
  s.applyChanges([change(41, 43, '')]);
  assert.ok(s.edited.every((e) => e.start <= e.end), JSON.stringify(s.edited));
  assert.ok(s.edited.some((e) => e.start <= 41 && 41 <= e.end), JSON.stringify(s.edited));
  assert.ok(!s.edited.some((e) => e.start > 41), 'nothing is left below the deleted lines');
  // A whole-document replacement leaves no region to check first.
  s.applyChanges([{ text: 'all new' }]);
  assert.deepEqual(s.edited, []);
});

test('a region answer replaces the tool\'s diagnostics inside its ranges, keeps them outside, and keeps other tools\'', () => {
  const shown = [diag('ts-2322', 3), diag('ts-2322', 50), diag('ts-1005', 60), diag('eslint-no-undef', 4, 'eslint')];
  const fresh = [diag('ts-2339', 4)];
  const merged = regionDiagnostics(fresh, shown, () => false, { tool: 'typescript', ranges: [range(2, 8)] }, (d) => /^ts-1[01]\d\d$/.test(d.code));
  assert.deepEqual(merged.map((d) => `${d.code}@${d.range.start.line}`).sort(), ['eslint-no-undef@4', 'ts-2322@50', 'ts-2339@4']);
  // A finished tool's old diagnostics are never carried; an identical fresh one is not doubled.
  const again = regionDiagnostics([diag('ts-2322', 50)], shown, (t) => t === 'eslint', { tool: 'typescript', ranges: [range(2, 8)] }, () => false);
  assert.deepEqual(again.map((d) => `${d.code}@${d.range.start.line}`).sort(), ['ts-1005@60', 'ts-2322@50']);
});
