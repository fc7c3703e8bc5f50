import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeContext, out } from './support/engine.mjs';

const { Engine } = await import(out('engine/pipeline.js'));
const { createRuffTool } = await import(out('engine/evidence/ruff.js'));
const { mergeDuplicates, fingerprintOf } = await import(out('engine/findings.js'));
const { parseUnifiedDiff } = await import(out('engine/diff.js'));

const ctx = makeContext();
const engine = new Engine(ctx, [createRuffTool(ctx)]);
test.after(() => engine.dispose());

const doc = (text, path = '/p/m.py', language = 'python') => ({ path, text, language, projectRoot: '/p' });
const broken = 'def helper():\n    return 1\n\ndef f(x):\n    return x + undefined_name\n';

test('fingerprints survive lines moving above the finding, and change with the flagged code', async () => {
  const undefinedName = async (text) => (await engine.check(doc(text))).findings.find((f) => f.rule === 'ruff-F821');
  const a = await undefinedName(broken);
  const b = await undefinedName('"""Docs.\n\nMore docs."""\n\n' + broken);
  assert.notEqual(a.range.start.line, b.range.start.line);
  assert.equal(a.fingerprint, b.fingerprint);
  assert.equal(a.unit, 'f');
  const c = await undefinedName(broken.replace('x + undefined', 'x - undefined'));
  assert.notEqual(a.fingerprint, c.fingerprint);
  assert.notEqual(fingerprintOf('r', 'u', 'x', 0), fingerprintOf('r', 'u', 'x', 1), 'identical findings in a unit stay distinct');
});

test('duplicates from different tools on the same span merge; the survivor keeps the highest level', () => {
  const base = { file: '/p/a.ts', unit: 'f', tier: 'tool', confidence: 1, fingerprint: 'x', related: [] };
  const r = (line, c0, c1) => ({ start: { line, character: c0 }, end: { line, character: c1 } });
  const merged = mergeDuplicates([
    { ...base, rule: 'ts-2304', level: 'error', message: "Cannot find name 'x'.", source: 'typescript', range: r(3, 4, 5) },
    { ...base, rule: 'eslint-no-undef', level: 'warning', message: "'x' is not defined.", source: 'eslint', range: r(3, 4, 5) },
    { ...base, rule: 'eslint-no-unused-vars', level: 'warning', message: 'unused', source: 'eslint', range: r(7, 0, 3) },
    { ...base, rule: 'model-logic', level: 'warning', message: 'doubt', source: 'model', tier: 'model', range: r(3, 4, 5) },
  ]);
  assert.equal(merged.length, 3);
  const top = merged.find((f) => f.range.start.line === 3 && f.tier === 'tool');
  assert.equal(top.source, 'typescript');
  assert.equal(top.level, 'error');
  assert.deepEqual(top.alsoReportedBy, ['eslint']);
});

test('diff parsing: added, modified and deleted lines on the new side', () => {
  const diff = [
    'diff --git a/a.py b/a.py',
    '--- a/a.py',
    '+++ b/a.py',
    '@@ -3 +3 @@ def f():',
    '-    return 1',
    '+    return 2',
    '@@ -10,2 +10,0 @@',
    '-gone',
    '-gone too',
    '@@ -20,0 +19,3 @@',
    '+a',
    '+b',
    '+c',
    'diff --git a/new.ts b/new.ts',
    'new file mode 100644',
    '--- /dev/null',
    '+++ b/new.ts',
    '@@ -0,0 +1,2 @@',
    '+x',
    '+y',
    'diff --git a/old.ts b/old.ts',
    'deleted file mode 100644',
    '--- a/old.ts',
    '+++ /dev/null',
    '@@ -1 +0,0 @@',
    '-z',
  ].join('\n');
  assert.deepEqual(parseUnifiedDiff(diff), [
    { path: 'a.py', lines: [{ start: 2, end: 2 }, { start: 9, end: 10 }, { start: 18, end: 20 }], added: false },
    { path: 'new.ts', lines: [{ start: 0, end: 1 }], added: true },
  ]);
});

test('diff mode keeps only findings on changed lines; executed findings count their whole unit', async () => {
  const text = 'def a():\n    return missing_a\n\ndef b():\n    return missing_b\n';
  const all = await engine.check(doc(text, '/p/d.py'));
  assert.deepEqual(all.findings.map((f) => f.range.start.line), [1, 4]);
  const some = await engine.check(doc(text, '/p/d.py'), { changedLines: [{ start: 4, end: 4 }] });
  assert.deepEqual(some.findings.map((f) => f.range.start.line), [4]);
});

test('tool progress is reported as each tool finishes, and cancellation is not an error', async () => {
  const seen = [];
  await engine.check(doc(broken, '/p/progress.py'), { onProgress: (p) => seen.push(p.findings.length) });
  assert.ok(seen.length >= 1);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(engine.check(doc(broken, '/p/cancel.py'), { signal: ac.signal }), (e) => e.name === 'AbortError');
});
