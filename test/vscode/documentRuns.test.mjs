// The per-document life cycle without VS Code: debounce, cancellation by edits, clearing a unit's
// findings at once, moving the others, re-running the edited unit after the idle delay.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPure } from './support/pure.mjs';

const { DocumentRuns } = await loadPure('src/vscode/documentRuns.ts');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const r = (l1, c1, l2, c2) => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });
const unit = (name, kind, from, to) => ({ name, kind, range: r(from, 0, to, 12), nameRange: r(from, 4, from, 5), startIndex: from, endIndex: to });
const finding = (line, rule, unitName) => ({
  rule, level: 'error', message: rule, file: '/p/f.py', range: r(line, 11, line, 12), unit: unitName, tier: 'tool', confidence: 1, source: 'ruff', fingerprint: `${rule}@${unitName}`, related: [],
});
const silent = { error() {}, warn() {}, info() {}, debug() {} };

/** A fake host whose check answers from `answers` (by run reason) after `delayMs`, honouring the signal. */
function fakeHost({ findings = () => [], units = () => [unit('<module>', 'module', 0, 9), unit('f', 'function', 0, 1), unit('g', 'function', 4, 5)], delayMs = 0 } = {}) {
  const calls = [];
  const published = [];
  const host = {
    version: 1,
    snapshot: (key) => ({ key, path: '/p/f.py', version: host.version, text: 'x', language: 'python' }),
    async check(doc, scope, signal, onPartial) {
      calls.push({ ...scope });
      onPartial({ findings: findings(scope).filter((f) => f.tier !== 'model'), units: units() });
      for (let waited = 0; waited < delayMs; waited += 5) {
        if (signal.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
        await sleep(5);
      }
      if (signal.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
      return { file: doc.path, findings: findings(scope), units: units(), records: [], suppressed: 0, timings: {}, notices: [] };
    },
    units: async () => units(),
    publish: (key, f) => published.push(f.map((x) => `${x.rule}@${x.range.start.line}`)),
    finished() {},
    log: silent,
  };
  return { host, calls, published, last: () => published.at(-1) };
}

const opts = { autoCheck: 'insertions', delayMs: 20 };
const insertLine = (line, text = 'x = 1\n') => ({ range: r(line, 0, line, 0), text });

test('an edit inside a unit clears its findings at once, moves the others, and re-critiques the unit after the delay', async () => {
  const { host, calls, last } = fakeHost({ findings: (s) => (s.lines ? [finding(5, 'F2', 'g')] : [finding(1, 'F1', 'f'), finding(5, 'F2', 'g')]) });
  const runs = new DocumentRuns(host);
  await runs.request('k', { reason: 'file' });
  assert.deepEqual(last(), ['F1@1', 'F2@5']);
  // A line typed inside g (line 5 → 6): g's finding goes now; f's stays.
  runs.edit('k', [insertLine(5, '    y = 2\n')], opts);
  assert.deepEqual(last(), ['F1@1']);
  await sleep(80);
  assert.deepEqual(calls.at(-1), { reason: 'auto', lines: [{ start: 4, end: 5 }] });
  assert.deepEqual(last(), ['F1@1', 'F2@5']);
  runs.dispose();
});

test('a line inserted above other units moves their findings down (VS Code does not)', async () => {
  const { host, last } = fakeHost({ findings: () => [finding(5, 'F2', 'g')] });
  const runs = new DocumentRuns(host);
  await runs.request('k', { reason: 'file' });
  runs.edit('k', [insertLine(3, '\n\n')], { ...opts, autoCheck: 'off' });
  assert.deepEqual(last(), ['F2@7']);
  runs.dispose();
});

test('an edit cancels the run in flight, and the cancelled run runs again after the delay', async () => {
  const { host, calls, last } = fakeHost({ findings: () => [finding(1, 'F1', 'f')], delayMs: 200 });
  const runs = new DocumentRuns(host);
  const running = runs.request('k', { reason: 'file' });
  await sleep(10);
  runs.edit('k', [insertLine(8, 'z')], { ...opts, autoCheck: 'off' });
  assert.equal(await running, undefined, 'the superseded run resolves undefined');
  await sleep(300);
  assert.deepEqual(calls.map((c) => c.reason), ['file', 'recheck']);
  assert.deepEqual(last(), ['F1@1']);
  runs.dispose();
});

test('typing keeps restarting the idle delay instead of dropping the scheduled run', async () => {
  const { host, calls } = fakeHost({ findings: () => [finding(5, 'F2', 'g')] });
  const runs = new DocumentRuns(host);
  await runs.request('k', { reason: 'file' });
  const slow = { autoCheck: 'insertions', delayMs: 250 };
  runs.edit('k', [insertLine(5, '    a\n')], slow); // clears g's finding → scheduled
  for (let i = 0; i < 4; i++) {
    await sleep(10);
    runs.edit('k', [{ range: r(8, 0, 8, 0), text: 'b' }], slow); // ordinary typing elsewhere
  }
  assert.equal(calls.length, 1, 'nothing ran while typing');
  await sleep(400);
  assert.equal(calls.length, 2);
  assert.equal(calls[1].reason, 'auto');
  runs.dispose();
});

test('autoCheck insertions: a pasted block in a never-critiqued document is critiqued by its enclosing unit only', async () => {
  const { host, calls } = fakeHost();
  const runs = new DocumentRuns(host);
  runs.edit('k', [{ range: r(4, 0, 4, 0), text: 'def g():\n    return y\n' }], opts);
  runs.edit('other', [{ range: r(0, 0, 0, 0), text: 'x' }], opts); // typing: nothing
  await sleep(60);
  assert.deepEqual(calls, [{ reason: 'auto', lines: [{ start: 4, end: 5 }] }]);
  runs.dispose();
});

test('autoCheck off: edits never start a run; save mode runs the edited units on save', async () => {
  const off = fakeHost();
  const a = new DocumentRuns(off.host);
  a.edit('k', [{ range: r(4, 0, 4, 0), text: 'def g():\n    return y\n' }], { ...opts, autoCheck: 'off' });
  await sleep(50);
  assert.equal(off.calls.length, 0);
  const save = fakeHost();
  const b = new DocumentRuns(save.host);
  b.edit('k', [{ range: r(0, 4, 0, 4), text: 'q' }], { ...opts, autoCheck: 'save' });
  await sleep(50);
  assert.equal(save.calls.length, 0);
  b.saved('k');
  await sleep(30);
  assert.deepEqual(save.calls, [{ reason: 'auto', lines: [{ start: 0, end: 1 }] }]);
  a.dispose();
  b.dispose();
});

test('tool findings are published before the model answers; a selection run keeps findings elsewhere', async () => {
  const model = { ...finding(1, 'model-logic', 'f'), tier: 'model', fingerprint: 'm1' };
  const { host, published, last } = fakeHost({ findings: (s) => (s.lines ? [model] : [finding(5, 'F2', 'g')]), delayMs: 20 });
  const runs = new DocumentRuns(host);
  await runs.request('k', { reason: 'file' });
  const before = published.length;
  await runs.request('k', { reason: 'selection', lines: [{ start: 0, end: 1 }] });
  assert.deepEqual(published.slice(before), [['F2@5'], ['model-logic@1', 'F2@5']]);
  assert.deepEqual(last(), ['model-logic@1', 'F2@5']);
  runs.dispose();
});

test('release keeps findings of a closed, saved document; close forgets them', async () => {
  const { host, last } = fakeHost({ findings: () => [finding(1, 'F1', 'f')] });
  const runs = new DocumentRuns(host);
  await runs.request('k', { reason: 'file' });
  runs.release('k');
  assert.deepEqual(runs.findings('k').map((f) => f.rule), ['F1']);
  runs.close('k');
  assert.deepEqual(last(), []);
  assert.equal(runs.findings('k').length, 0);
  runs.dispose();
});

const modelFinding = (line, unitName) => ({ ...finding(line, 'model-logic', unitName), tier: 'model', level: 'warning', source: 'model', range: r(line, 4, line, 8) });
const lastMarks = (published) => published.at(-1);

test('while a unit is critiqued again its model findings stay, marked re-checking, until the model answers', async () => {
  let answer = [modelFinding(1, 'f')];
  const shown = [];
  const { host, calls } = fakeHost({ findings: () => answer, delayMs: 60 });
  host.publish = (key, f) => shown.push(f.map((x) => `${x.rule}@${x.range.start.line}${x.rechecking ? ' re-checking' : ''}`));
  const runs = new DocumentRuns(host);
  await runs.request('k', { reason: 'file' });
  assert.deepEqual(lastMarks(shown), ['model-logic@1']);
  // An edit in f on another line than the finding's: kept, marked; the unit runs again after the delay.
  runs.edit('k', [{ range: r(0, 12, 0, 12), text: ' # note' }], opts);
  assert.deepEqual(lastMarks(shown), ['model-logic@1 re-checking']);
  await sleep(40);
  // The tools answered (partial): the old model finding is still there while the model reads.
  assert.equal(calls.at(-1).reason, 'auto');
  assert.deepEqual(lastMarks(shown), ['model-logic@1 re-checking']);
  answer = [];
  await sleep(120);
  assert.deepEqual(lastMarks(shown), [], 'the model answer replaced it');
  // An edit of the finding's own text clears it at once.
  answer = [modelFinding(1, 'f')];
  await runs.request('k', { reason: 'file' });
  runs.edit('k', [{ range: r(1, 5, 1, 6), text: 'Z' }], opts);
  assert.deepEqual(lastMarks(shown), []);
  runs.dispose();
});

test('a Critique File run keeps the model findings marked until its final answer; a failed run drops them', async () => {
  const shown = [];
  let fail = false;
  const { host } = fakeHost({ findings: () => [modelFinding(4, 'g')] });
  const check = host.check;
  host.check = async (...args) => {
    if (fail) {
      args[3]({ findings: [], units: [] });
      throw new Error('server gone');
    }
    return check(...args);
  };
  host.publish = (key, f) => shown.push(f.map((x) => `${x.rule}${x.rechecking ? ' re-checking' : ''}`));
  const runs = new DocumentRuns(host);
  await runs.request('k', { reason: 'file' });
  fail = true;
  await assert.rejects(runs.request('k', { reason: 'file' }), /server gone/);
  assert.deepEqual(shown.slice(-2), [['model-logic re-checking'], []]);
  runs.dispose();
});

test('checked reports the findings of a finished run; restore shows remembered findings marked restored; adopt adds', async () => {
  const checked = [];
  const { host, published } = fakeHost({ findings: () => [finding(1, 'F1', 'f')] });
  host.checked = (key, doc, findings, units) => checked.push({ key, text: doc.text, rules: findings.map((f) => f.rule), units: units.length });
  host.publish = (key, f) => published.push(f.map((x) => `${x.rule}@${x.range.start.line}${x.restored ? ' restored' : ''}`));
  const runs = new DocumentRuns(host);
  await runs.request('k', { reason: 'file' });
  assert.deepEqual(checked, [{ key: 'k', text: 'x', rules: ['F1'], units: 3 }]);
  runs.restore('k', [finding(5, 'F2', 'g')], [unit('g', 'function', 4, 5)]);
  assert.deepEqual(published.at(-1), ['F2@5 restored']);
  assert.deepEqual(runs.units('k').map((u) => u.name), ['g']);
  runs.adopt('k', [finding(2, 'S1', 'f')]);
  assert.deepEqual(published.at(-1), ['S1@2', 'F2@5 restored']);
  // The next check re-verifies: fresh findings replace the restored ones.
  await runs.request('k', { reason: 'file' });
  assert.deepEqual(published.at(-1), ['F1@1']);
  runs.dispose();
});
