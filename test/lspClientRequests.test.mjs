// The requests of the VS Code thin client (protocol.ts clientRequests): it sends the text to
// critique — the buffer or the staged blob — and the server runs the engine, streams partial
// findings, honours omitDiagnostics (ts-* in VS Code) without losing them as evidence, and rewrites
// a unit of a given text. Driven over stdio by a real JSON-RPC client.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempProject } from './support/engine.mjs';
import { startLsp, uriOf } from './support/lspClient.mjs';
import { needsSandbox } from './support/sandbox.mjs';

const cleanups = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function serverOn(files, opts = {}) {
  const p = tempProject(files, 'critic-lspc-');
  const client = await startLsp({ root: p.root, initializationOptions: { trusted: true }, settings: { debounceMs: 0 }, ...opts });
  cleanups.push(async () => {
    await client.stop();
    p.cleanup();
  });
  return { ...p, client, path: (f) => join(p.root, f) };
}

const addPy = 'def add(a, b):\n    """Add two numbers.\n\n    >>> add(2, 2)\n    4\n    """\n    return a - b\n\n\ndef scaled(values):\n    return sum(values) * scale\n';

test('critic/check critiques the text it is sent (not the file on disk), with partial findings first', needsSandbox, async () => {
  const { client, path } = await serverOn({ 'calc.py': 'x = 1\n' });
  const uri = uriOf(path('calc.py'));
  const partials = [];
  client.connection.onNotification('critic/partial', (p) => partials.push(p));
  const r = await client.connection.sendRequest('critic/check', { uri, languageId: 'python', version: 3, text: addPy, token: 't1' });
  assert.equal(r.cancelled, undefined);
  const rules = r.findings.map((f) => f.rule).sort();
  assert.ok(rules.includes('ruff-F821'), rules.join(', '));
  assert.ok(r.findings.some((f) => f.tier === 'executed' && f.unit === 'add'), rules.join(', '));
  assert.equal(r.engine.trusted, true);
  assert.ok(r.units.some((u) => u.name === 'scaled'));
  assert.ok(partials.length >= 1 && partials.every((p) => p.token === 't1'), 'partial findings were streamed');
  // Only the changed lines: the undefined name is outside them.
  const only = await client.connection.sendRequest('critic/check', { uri, languageId: 'python', version: 4, text: addPy, token: 't2', changedLines: [{ start: 6, end: 6 }] });
  assert.ok(!only.findings.some((f) => f.rule === 'ruff-F821'), JSON.stringify(only.findings.map((f) => f.rule)));
});

test('omitDiagnostics hides ts-* from critic/check in VS Code but the CLI-style client still gets them', async () => {
  const ts = 'export function f(o: { a: number }): number {\n  return o.b;\n}\n';
  const omit = await serverOn({ 'a.ts': ts }, { initializationOptions: { trusted: false, omitDiagnostics: ['ts-'] } });
  const uri = uriOf(omit.path('a.ts'));
  const hidden = await omit.client.connection.sendRequest('critic/check', { uri, languageId: 'typescript', version: 1, text: ts, token: 'a' });
  assert.deepEqual(hidden.findings.filter((f) => f.rule.startsWith('ts-')), []);
  const full = await serverOn({ 'a.ts': ts }, { initializationOptions: { trusted: false } });
  const shown = await full.client.connection.sendRequest('critic/check', { uri: uriOf(full.path('a.ts')), languageId: 'typescript', version: 1, text: ts, token: 'b' });
  assert.ok(shown.findings.some((f) => f.rule === 'ts-2339'), JSON.stringify(shown.findings.map((f) => f.rule)));
  // Untrusted: static tools only, whatever the text.
  assert.equal(shown.engine.trusted, false);
});

test('critic/check of a file that is not code is a clear error, not a crash', async () => {
  const { client, path } = await serverOn({ 'notes.txt': 'hi\n' });
  await assert.rejects(client.connection.sendRequest('critic/check', { uri: uriOf(path('notes.txt')), languageId: 'plaintext', version: 1, text: 'hi', token: 'x' }), /not a Python, JavaScript or TypeScript file/);
  const units = await client.connection.sendRequest('critic/units', { uri: uriOf(path('notes.txt')).replace('notes.txt', 'a.py'), languageId: 'python', version: 1, text: 'def f():\n    return 1\n' });
  assert.deepEqual(units.map((u) => u.name).filter((n) => n !== '<module>'), ['f']);
});

test('critic/rewriteText without a model says so in one line', async () => {
  const { client, path } = await serverOn({ 'calc.py': addPy });
  const r = await client.connection.sendRequest('critic/rewriteText', { uri: uriOf(path('calc.py')), languageId: 'python', version: 1, text: addPy, unit: 'add' });
  assert.equal(r.status, 'failed');
  assert.match(r.summary, /needs a critic model/);
});

test('critic/rewriteText verifies a rewrite by re-running the probes critic/check ran on the same text', needsSandbox, async () => {
  const { reply, startOpenAiServer } = await import('./support/openaiServer.mjs');
  const model = await startOpenAiServer();
  cleanups.push(() => model.close());
  const medianPy = 'def median(xs):\n    s = sorted(xs)\n    return s[len(s) // 2]\n';
  const fixed = 'def median(xs):\n    s = sorted(xs)\n    n = len(s)\n    if n % 2:\n        return s[n // 2]\n    return (s[n // 2 - 1] + s[n // 2]) / 2';
  model.script((body) => {
    const schema = body.response_format?.json_schema?.name;
    if (schema === 'probes') return reply.json({ probes: [{ call: 'median([1, 2, 3, 4])', expected: '2.5', why: 'even length' }, { call: 'median([3, 1, 2])', expected: '2', why: 'odd length' }] });
    if (schema === 'rewrite') return reply.json({ code: fixed });
    return reply.findings([]);
  });
  const { client, path } = await serverOn({ 'stats.py': medianPy }, { settings: { debounceMs: 0, model: { provider: 'openai', name: 'test-model', baseUrl: model.url } } });
  const doc = { uri: uriOf(path('stats.py')), languageId: 'python', version: 1, text: medianPy };
  const checked = await client.connection.sendRequest('critic/check', { ...doc, token: 'c1' });
  const probeFinding = checked.findings.find((f) => f.rule === 'probe-mismatch');
  assert.ok(probeFinding, JSON.stringify(checked.findings.map((f) => f.rule)));
  const r = await client.connection.sendRequest('critic/rewriteText', { ...doc, unit: 'median', findings: [probeFinding] });
  assert.equal(r.status, 'verified', r.summary);
  assert.match(r.summary, /^2\/2 probes pass \(1 fixed\)/);
  // Another text (the buffer moved on) has no probes to re-run: the finding cannot be checked.
  const other = await client.connection.sendRequest('critic/rewriteText', { ...doc, version: 2, text: `${medianPy}\n`, unit: 'median', findings: [probeFinding] });
  assert.equal(other.status, 'unverified', other.summary);
  assert.match(other.summary, /no examples or tests to run/);
});
