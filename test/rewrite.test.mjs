// The verified rewrite loop on the real engine (real sandbox, ruff, TypeScript) with the real
// `openai` client talking to the scripted OpenAI-compatible server; plus the pure helpers it uses
// (answer normalisation, secret restoration, unified diffs).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { makeContext, out, tempProject } from './support/engine.mjs';
import { reply } from './support/openaiServer.mjs';
import { fixture, fixtures, medianFixed, medianWrong, rewrite, startRewriteRig } from './support/rewrite.mjs';
import { needsSandbox } from './support/sandbox.mjs';

const { languageOfPath } = await import(out('engine/languages.js'));
const { rewriteUnit } = await import(out('engine/rewrite/rewrite.js'));
const { reindent, normaliseAnswer, restoreSecrets, stripFence, unitIndent, CandidateError } = await import(out('engine/rewrite/candidate.js'));
const { unifiedDiff } = await import(out('engine/rewrite/unifiedDiff.js'));
const { redactSecrets } = await import(out('engine/model/redact.js'));

let server;
let engine;
let model;
let stop;
const ctx = makeContext({ config: { execution: { exampleTimeoutMs: 8000 } } });
before(async () => ({ server, engine, model, stop } = await startRewriteRig(ctx)));
after(() => stop());
beforeEach(() => server.reset());

/** A temporary project with the given files; `doc` is the SourceDocument of `file` in it. */
function project(files, file) {
  const p = tempProject(files, 'critic-rewrite-');
  const path = join(p.root, file);
  return { ...p, path, doc: { path, text: files[file], language: languageOfPath(path), projectRoot: p.root } };
}

const userMessage = (req) => req.body.messages.find((m) => m.role === 'user').content;

test('a correct rewrite of a failing doctest is verified, with a diff and the examples passing', needsSandbox, async () => {
  const p = project({ 'stats.py': fixture('stats.py') }, 'stats.py');
  try {
    server.script([rewrite(medianFixed)]);
    const rounds = [];
    const r = await rewriteUnit({ engine, model, log: ctx.log }, { doc: p.doc, unitName: 'median', onRound: (x) => rounds.push(x) });
    assert.equal(r.status, 'verified', r.summary);
    assert.equal(server.completions.length, 1);
    assert.equal(rounds.length, 1);
    assert.equal(rounds[0].outcome, 'verified');
    assert.match(r.summary, /^2\/2 examples pass \(1 fixed\), 0 new diagnostics$/);
    assert.ok(r.diff.startsWith('--- a/stats.py\n+++ b/stats.py\n@@ '), r.diff);
    assert.match(r.diff, /^-    return s\[len\(s\) \/\/ 2\]$/m);
    assert.match(r.diff, /^\+    return \(s\[n \/\/ 2 - 1\] \+ s\[n \/\/ 2\]\) \/ 2$/m);
    // The new text really passes: check it again from scratch.
    const again = await engine.check({ ...p.doc, text: r.newText }, { model: false });
    assert.deepEqual(again.findings.filter((f) => f.level === 'error'), []);
    assert.ok(again.records.filter((x) => x.unit === 'median').every((x) => x.status === 'passed'));
    // The prompt carried the unit, the failure and the passing example to keep.
    const user = userMessage(server.completions[0]);
    assert.match(user, /return s\[len\(s\) \/\/ 2\]/);
    assert.match(user, /example FAILED: median\(\[4, 1, 3, 2\]\)/);
    assert.match(user, /example passed: median\(\[3, 1, 2\]\)/);
    assert.equal(server.completions[0].body.response_format.json_schema.name, 'rewrite');
    assert.equal(readFileSync(p.path, 'utf8'), fixture('stats.py'), 'rewriteUnit never writes');
  } finally {
    p.cleanup();
  }
});

test('wrong rewrites stay unverified after at most 3 rounds, each later request lists what was tried and why', needsSandbox, async () => {
  const p = project({ 'clamp.py': fixture('clamp.py') }, 'clamp.py');
  const body = (expr) => fixture('clamp.py').trimEnd().replace('    return x', `    return ${expr}`);
  try {
    // Round 1 fixes one example (progress); rounds 2 and 3 fix the other but break the first.
    server.script([rewrite(body('max(x, lo)')), rewrite(body('min(x, hi)')), rewrite(body('min(x, hi) if x > 0 else x'))]);
    const r = await rewriteUnit({ engine, model, log: ctx.log }, { doc: p.doc, unitName: 'clamp' });
    assert.equal(r.status, 'unverified', r.summary);
    assert.equal(server.completions.length, 3);
    assert.deepEqual(r.rounds.map((x) => x.progress), [true, false, false]);
    assert.ok(r.rounds.every((x) => x.outcome === 'not-verified'));
    const second = userMessage(server.completions[1]);
    assert.match(second, /Already tried, attempt 1/);
    assert.match(second, /return max\(x, lo\)/);
    assert.match(second, /still fails: `clamp\(11, 0, 10\)` returned 11, expected 10/);
    const third = userMessage(server.completions[2]);
    assert.match(third, /Already tried, attempt 2/);
    assert.match(third, /still fails: `clamp\(-1, 0, 10\)` returned -1, expected 0/);
    // The best candidate (round 1) is what the result shows.
    assert.match(r.newText, /return max\(x, lo\)/);
    assert.match(r.summary, /2\/3 examples pass \(1 fixed, 1 still failing: `clamp\(11, 0, 10\)` returned 11, expected 10\)/);
    assert.equal(readFileSync(p.path, 'utf8'), fixture('clamp.py'));
  } finally {
    p.cleanup();
  }
});

test('two rounds without progress stop the loop early', needsSandbox, async () => {
  const p = project({ 'stats.py': fixture('stats.py') }, 'stats.py');
  try {
    server.script(() => rewrite(medianWrong));
    const r = await rewriteUnit({ engine, model, log: ctx.log }, { doc: p.doc, unitName: 'median', maxRounds: 3 });
    assert.equal(r.status, 'unverified');
    assert.equal(server.completions.length, 2);
    assert.deepEqual(r.rounds.map((x) => x.progress), [false, false]);
    assert.match(r.summary, /1\/2 examples pass \(1 still failing: `median\(\[4, 1, 3, 2\]\)` returned 2, expected 2\.5\)/);
  } finally {
    p.cleanup();
  }
});

test('a rewrite that fixes the example but adds an undefined name (ruff F821) is not verified', needsSandbox, async () => {
  const p = project({ 'stats.py': fixture('stats.py') }, 'stats.py');
  const sneaky = medianFixed.replace('    s = sorted(xs)', '    if not xs:\n        raise EmptyInput("no values")\n    s = sorted(xs)');
  try {
    server.script(() => rewrite(sneaky));
    const r = await rewriteUnit({ engine, model, log: ctx.log }, { doc: p.doc, unitName: 'median' });
    assert.equal(r.status, 'unverified', r.summary);
    assert.equal(r.verification.examples.fixed, 1);
    assert.equal(r.verification.newDiagnostics.length, 1);
    assert.equal(r.verification.newDiagnostics[0].rule, 'ruff-F821');
    assert.match(r.summary, /2\/2 examples pass \(1 fixed\), 1 new diagnostic: ruff-F821 Undefined name `EmptyInput`/);
    assert.match(userMessage(server.completions[1]), /new error ruff-F821: Undefined name `EmptyInput`/);
  } finally {
    p.cleanup();
  }
});

test('a method rewritten without its indentation is put back at the class body indentation', needsSandbox, async () => {
  const p = project({ 'cart.py': fixture('cart.py') }, 'cart.py');
  const dedented = 'def total(self):\n    """Sum of the prices.\n\n    >>> Cart([1, 2, 3]).total()\n    6\n    """\n    return sum(self.prices)';
  try {
    server.script([rewrite(dedented)]);
    const r = await rewriteUnit({ engine, model, log: ctx.log }, { doc: p.doc, unitName: 'Cart.total' });
    assert.equal(r.status, 'verified', r.summary);
    assert.ok(r.newText.includes('    def total(self):\n        """Sum of the prices.\n\n        >>> Cart([1, 2, 3]).total()\n        6\n        """\n        return sum(self.prices)\n\n    def count(self):'), r.newText);
    // The unit text sent to the model starts at `def`, later lines keep the file's indentation.
    assert.match(userMessage(server.completions[0]), /\ndef total\(self\):\n        """Sum of the prices\./);
  } finally {
    p.cleanup();
  }
});

test('an answer wrapped in a Markdown fence is accepted', needsSandbox, async () => {
  const p = project({ 'stats.py': fixture('stats.py') }, 'stats.py');
  try {
    server.script([reply.content(JSON.stringify({ code: `\`\`\`python\n${medianFixed}\n\`\`\`\n` }))]);
    const r = await rewriteUnit({ engine, model, log: ctx.log }, { doc: p.doc, unitName: 'median' });
    assert.equal(r.status, 'verified', r.summary);
    assert.ok(!r.newText.includes('```'));
  } finally {
    p.cleanup();
  }
});

test('a secret in the unit never reaches the server and is restored in the rewrite', needsSandbox, async () => {
  const secret = 'sk-proj-Q7wErTy8uIoP9aSdFgHjKl0zXcVbNm12';
  const p = project({ 'client.py': fixture('client.py') }, 'client.py');
  try {
    server.script((body) => {
      const unit = /def headers[\s\S]*?"X-User": user\.upper\(\)\}/.exec(body.messages[1].content)[0];
      return rewrite(unit.replace('user.upper()', 'user'));
    });
    const r = await rewriteUnit({ engine, model, log: ctx.log }, { doc: p.doc, unitName: 'headers' });
    assert.equal(r.status, 'verified', r.summary);
    assert.ok(server.requests.every((q) => !q.raw.includes(secret) && !q.raw.includes('Q7wErTy8')), 'the secret was sent');
    assert.match(userMessage(server.completions[0]), /api_key = "<REDACTED:openai-key>"/);
    assert.ok(r.newText.includes(`api_key = "${secret}"`), r.newText);
    assert.ok(!r.newText.includes('REDACTED'));
  } finally {
    p.cleanup();
  }
});

test('typescript: a rewrite fixes a failing JSDoc example and a failing node:test test', needsSandbox, async () => {
  const dir = join(fixtures, 'tsproject');
  const files = Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
  const p = project(files, 'sum.ts');
  const fixed = 'export function sum(xs: number[]): number {\n  let total = 0;\n  for (let i = 0; i < xs.length; i++) total += xs[i];\n  return total;\n}';
  try {
    server.script([rewrite(fixed)]);
    const r = await rewriteUnit({ engine, model, log: ctx.log }, { doc: p.doc, unitName: 'sum' });
    assert.equal(r.status, 'verified', r.summary);
    assert.equal(r.summary, '2/2 examples pass (1 fixed), 1/1 tests pass (1 fixed), 0 new diagnostics');
    assert.match(r.diff, /^-  for \(let i = 1;/m);
    assert.match(r.diff, /^\+  for \(let i = 0;/m);
  } finally {
    p.cleanup();
  }
});

test('an answer that does not parse or renames the unit is refused and the model is told why', needsSandbox, async () => {
  const p = project({ 'stats.py': fixture('stats.py') }, 'stats.py');
  try {
    server.script([rewrite('def median(xs:\n    return 1'), rewrite(medianFixed.replace('def median', 'def middle')), rewrite(medianFixed)]);
    const r = await rewriteUnit({ engine, model, log: ctx.log }, { doc: p.doc, unitName: 'median' });
    assert.equal(r.status, 'no-model-answer');
    assert.equal(server.completions.length, 2, 'two rounds without progress');
    assert.match(r.rounds[0].summary, /does not parse/);
    assert.match(userMessage(server.completions[1]), /does not parse/);
    assert.match(r.rounds[1].summary, /no longer defines median/);
    assert.equal(r.diff, undefined);
  } finally {
    p.cleanup();
  }
});

test('a unit without findings has nothing to fix and asks the model nothing', async () => {
  const p = project({ 'stats.py': fixture('stats.py') }, 'stats.py');
  try {
    const r = await rewriteUnit({ engine, model, log: ctx.log }, { doc: p.doc, unitName: 'mean' });
    assert.equal(r.status, 'nothing-to-fix');
    assert.equal(server.completions.length, 0);
  } finally {
    p.cleanup();
  }
});

test('model errors propagate as ModelError; an aborted signal stops the loop', needsSandbox, async () => {
  const p = project({ 'stats.py': fixture('stats.py') }, 'stats.py');
  try {
    server.script([reply.unauthorized()]);
    await assert.rejects(rewriteUnit({ engine, model, log: ctx.log }, { doc: p.doc, unitName: 'median' }), (e) => e.name === 'ModelError' && e.kind === 'auth');
    const ac = new AbortController();
    server.script(() => {
      ac.abort();
      return reply.slow(2000, rewrite(medianFixed));
    });
    await assert.rejects(rewriteUnit({ engine, model, log: ctx.log }, { doc: p.doc, unitName: 'median', signal: ac.signal }), (e) => e.name === 'AbortError');
  } finally {
    p.cleanup();
  }
});

test('model-only findings with no evidence: a rewrite that breaks nothing is still not verified, in one round', needsSandbox, async () => {
  const p = project({ 'stats.py': fixture('stats.py') }, 'stats.py');
  try {
    const base = await engine.check(p.doc, { model: false });
    const meanUnit = base.units.find((u) => u.name === 'mean');
    const finding = { rule: 'model-edge-case', level: 'warning', message: 'divides by zero for an empty list', file: p.path, range: meanUnit.range, unit: 'mean', tier: 'model', confidence: 0.8, source: 'model', fingerprint: 'f1', related: [] };
    const guarded = 'def mean(xs):\n    """The average of xs.\n\n    >>> mean([1, 2, 3])\n    2.0\n    """\n    if not xs:\n        return 0.0\n    return sum(xs) / len(xs)';
    server.script(() => rewrite(guarded));
    const r = await rewriteUnit({ engine, model, log: ctx.log }, { doc: p.doc, unitName: 'mean', findings: [finding], baseline: base });
    assert.equal(r.status, 'unverified');
    assert.equal(server.completions.length, 1);
    assert.match(r.summary, /1\/1 examples pass, 0 new diagnostics, 1 model finding cannot be checked by tools, nothing the tools can check got better/);
    assert.match(userMessage(server.completions[0]), /divides by zero for an empty list/);
  } finally {
    p.cleanup();
  }
});

// Pure helpers.

test('reindent: dedented, as-asked and fully indented answers all land at the unit indentation', () => {
  const original = 'def total(self):\n        return 1';
  const want = 'def total(self):\n        return 2';
  assert.equal(reindent('def total(self):\n    return 2', original, '    '), want);
  assert.equal(reindent('def total(self):\n        return 2', original, '    '), want);
  assert.equal(reindent('    def total(self):\n        return 2', original, '    '), want);
  // JS method: the closing brace sits at the base indentation.
  const js = 'total() {\n    return 1;\n  }';
  assert.equal(reindent('total() {\n  return 2;\n}', js, '  '), 'total() {\n    return 2;\n  }');
  assert.equal(reindent('total() {\n    return 2;\n  }', js, '  '), 'total() {\n    return 2;\n  }');
  // Top level: untouched; blank lines stay empty.
  assert.equal(reindent('def f():\n\n    return 1', 'def f():\n    return 0', ''), 'def f():\n\n    return 1');
  assert.equal(unitIndent('class A:\n    def f(self):\n        pass', { startIndex: 13 }), '    ');
});

test('normaliseAnswer: fences, surrounding blank lines and CRLF files', () => {
  assert.equal(stripFence('```ts\nconst a = 1;\n```'), 'const a = 1;');
  assert.equal(normaliseAnswer('\n\n```python\ndef f():\n    return 1\n```\n\n', 'def f():\n    return 0', ''), 'def f():\n    return 1');
  assert.equal(normaliseAnswer('def f():\n    return 1\n', 'def f():\r\n    return 0', ''), 'def f():\r\n    return 1');
  assert.throws(() => normaliseAnswer('```\n\n```', 'def f(): pass', ''), CandidateError);
});

test('restoreSecrets: placeholders map back by kind and line context; unknown ones refuse the candidate', () => {
  const text = 'def f():\n    a = "sk-proj-AAAAAAAAAAAAAAAAAAAAAAAA1"\n    password = "hunter2hunter2"\n    b = "sk-proj-BBBBBBBBBBBBBBBBBBBBBBBB2"\n';
  const redaction = redactSecrets(text);
  const unit = { startIndex: 0, endIndex: text.length };
  const answer = 'def f():\n    b = "<REDACTED:openai-key>"\n    a = "<REDACTED:openai-key>"\n    password = "<REDACTED:password>"\n';
  assert.equal(restoreSecrets(answer, text, redaction, unit), 'def f():\n    b = "sk-proj-BBBBBBBBBBBBBBBBBBBBBBBB2"\n    a = "sk-proj-AAAAAAAAAAAAAAAAAAAAAAAA1"\n    password = "hunter2hunter2"\n');
  assert.throws(() => restoreSecrets('x = "<REDACTED:github-token>"', text, redaction, unit), CandidateError);
  assert.throws(() => restoreSecrets('x = "<REDACTED:password" + ">"', text, redaction, unit), CandidateError);
  assert.equal(restoreSecrets('no secrets', text, redaction, unit), 'no secrets');
});

test('unifiedDiff: a 5,000-line file gets minimal hunks for scattered edits, and one replacement hunk when everything differs', () => {
  const a = Array.from({ length: 5_000 }, (_, i) => `line ${i}`).join('\n') + '\n';
  const b = a.replace('line 10\n', 'line ten\n').replace('line 2500\n', '').replace('line 4990\n', 'line 4990\nadded\n');
  const d = unifiedDiff(a, b, { path: 'big.py' });
  assert.deepEqual(d.split('\n').filter((l) => l.startsWith('@@')), ['@@ -8,7 +8,7 @@', '@@ -2498,7 +2498,6 @@', '@@ -4989,6 +4988,7 @@']);
  // Every line different: the edit distance is beyond the bound, so the middle is one replacement
  // rather than a search that grows with n·d.
  const c = Array.from({ length: 5_000 }, (_, i) => `other ${i}`).join('\n') + '\n';
  const whole = unifiedDiff(a, c, { path: 'big.py' }).split('\n');
  assert.deepEqual(whole.filter((l) => l.startsWith('@@')), ['@@ -1,5000 +1,5000 @@']);
  assert.equal(whole.filter((l) => l.startsWith('-') && !l.startsWith('---')).length, 5_000);
  const p = tempProject({ 'big.py': a, 'fix.diff': whole.join('\n') });
  try {
    const r = spawnSync('patch', ['-p1', '-s', '-i', 'fix.diff'], { cwd: p.root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(p.root, 'big.py'), 'utf8'), c);
  } finally {
    p.cleanup();
  }
});

test('unifiedDiff: git-style hunks that patch(1) applies, including a missing final newline', () => {
  const a = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n') + '\n';
  const b = a.replace('line 3\n', 'line three\n').replace('line 15\n', '').replace(/line 19\n$/, 'line 19');
  const d = unifiedDiff(a, b, { path: 'src/x.py' });
  assert.ok(d.startsWith('--- a/src/x.py\n+++ b/src/x.py\n@@ -1,7 +1,7 @@\n line 0\n line 1\n line 2\n-line 3\n+line three\n'), d);
  assert.match(d, /@@ -13,8 \+13,7 @@/);
  assert.match(d, /\+line 19\n\\ No newline at end of file\n$/);
  assert.equal(unifiedDiff(a, a, { path: 'x' }), '');
  const p = tempProject({ 'src/x.py': a, 'fix.diff': d });
  try {
    const r = spawnSync('patch', ['-p1', '-s', '-i', 'fix.diff'], { cwd: p.root, encoding: 'utf8' });
    if (r.error?.code === 'ENOENT') return;
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(join(p.root, 'src/x.py'), 'utf8'), b);
  } finally {
    p.cleanup();
  }
});

