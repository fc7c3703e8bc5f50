// The words of the status bar item and the pieces of hover text (pure code of src/vscode).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPure } from './support/pure.mjs';

const { lastResultText, restrictedSkipped } = await loadPure('src/vscode/statusText.ts');
const { codeSpan, rewriteTitle } = await loadPure('src/vscode/hoverText.ts');

const none = { examples: { passed: 0, failed: 0 }, tests: { passed: 0, failed: 0 }, probes: { passed: 0, failed: 0 }, testFiles: 0, candidateTestFiles: 0, functions: 2, functionsWithoutEvidence: ['a', 'b'] };
const ran = (examples, tests = 0, probes = 0) => ({ ...none, examples: { passed: examples, failed: 0 }, tests: { passed: tests, failed: 0 }, probes: { passed: probes, failed: 0 } });

test('the last result: findings first, else what passed, else that nothing ran', () => {
  assert.deepEqual(lastResultText([{ level: 'error' }, { level: 'error' }, { level: 'warning' }], ran(3), false), { text: '2 errors, 1 warning', icon: 'error' });
  assert.deepEqual(lastResultText([], ran(3), false), { text: '✓ 3 examples passed', icon: 'pass' });
  assert.deepEqual(lastResultText([], ran(1, 2, 1), false), { text: '✓ 1 example, 2 tests, 1 probe passed', icon: 'pass' });
  // No green tick when nothing was executed: a quiet file is not a verified one.
  assert.deepEqual(lastResultText([], none, false), { text: 'no findings; nothing was executed', icon: 'info' });
  assert.deepEqual(lastResultText([], undefined, false), { text: 'no findings; nothing was executed', icon: 'info' });
  assert.deepEqual(lastResultText([], none, true), { text: 'no findings from the static checks', icon: 'info' });
  // Tests that ran and failed, with their failure on no line of this file: never a tick, never "nothing was executed".
  const failing = { ...ran(0, 1), tests: { passed: 1, failed: 2 } };
  assert.deepEqual(lastResultText([], failing, false), { text: 'no findings here, but 2 of 3 runs did not pass', icon: 'warning' });
  assert.match(restrictedSkipped, /examples, tests and the model were skipped/);
});

test('code spans show backticks as themselves and never end early', () => {
  assert.equal(codeSpan('add(2, 2)'), '`add(2, 2)`');
  assert.equal(codeSpan('f("`")'), '``f("`")``');
  assert.equal(codeSpan('`x`'), '`` `x` ``');
  assert.equal(codeSpan('a ``b`` c'), '```a ``b`` c```');
  assert.equal(codeSpan('line one\nline two'), '`line one line two`');
  assert.equal(rewriteTitle(true), 'Rewrite with Critic (verified)');
  assert.match(rewriteTitle(false), /unverified/);
});
