// `critic fix --apply` writes back byte-exact outside the replaced unit: PEP 263 encodings,
// BOM and CRLF kept; undecodable files refused with one line; never through a symlink out of the
// project. The real CLI, the real `openai` client and the logging test server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { criticAsync } from './support/cli.mjs';
import { tempProject } from './support/engine.mjs';
import { reply, startOpenAiServer } from './support/openaiServer.mjs';

const server = await startOpenAiServer();
test.after(() => server.close());
const withModel = { OPENAI_BASE_URL: server.url, CRITIC_MODEL: 'test-model', XDG_CACHE_HOME: '/tmp/critic-test-cache-writeback' };

/** A file whose unit `f` has a ruff error (an undefined name) between two untouched lines. */
const lines = (eol) => ['# -*- coding: latin-1 -*-', 'GREETING = "café crème"', '', '', 'def f():', '    return missing', '', '', 'NOTE = "déjà vu"', ''].join(eol);
const fixedUnit = 'def f():\n    return "fixé"';

async function fix(t, files, file, answer = fixedUnit, extra = []) {
  const p = tempProject({});
  t.after(p.cleanup);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(p.root, name), bytes);
  server.reset();
  server.script(() => reply.json({ code: answer }));
  const r = await criticAsync(['fix', file, '--unit', 'f', '--no-exec', '--apply', ...extra], { cwd: p.root, env: withModel });
  return { ...r, root: p.root, bytes: (name = file) => readFileSync(join(p.root, name)) };
}

test('a latin-1 file (PEP 263) keeps every byte outside the unit, and the new unit is written in latin-1', async (t) => {
  const original = Buffer.from(lines('\n'), 'latin1');
  const r = await fix(t, { 'a.py': original }, 'a.py');
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const expected = Buffer.from(lines('\n').replace('    return missing', '    return "fixé"'), 'latin1');
  assert.deepEqual(r.bytes(), expected);
  assert.ok(!r.bytes().includes(Buffer.from('\ufffd')), 'no replacement characters');
  assert.match(r.stdout, /^\+    return "fixé"$/m, 'the diff shows the text, decoded');
});

test('a UTF-8 file with a BOM and CRLF line endings keeps both; the rewrite gets CRLF too', async (t) => {
  const text = lines('\r\n').replace('# -*- coding: latin-1 -*-', '# plain utf-8');
  const original = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
  const r = await fix(t, { 'a.py': original }, 'a.py');
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const expected = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text.replace('    return missing', '    return "fixé"'))]);
  assert.deepEqual(r.bytes(), expected);
});

test('a file that is not valid UTF-8 and declares no encoding is refused with one line, untouched', async (t) => {
  const original = Buffer.concat([Buffer.from('X = "'), Buffer.from([0xe9, 0xff]), Buffer.from('"\n\n\ndef f():\n    return missing\n')]);
  const r = await fix(t, { 'a.py': original }, 'a.py');
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^critic: cannot fix a\.py: it is not valid UTF-8 and declares no other encoding \(PEP 263/);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.deepEqual(r.bytes(), original);
  assert.equal(server.completions.length, 0, 'nothing was asked of the model');
});

test('a rewrite with a character the declared encoding cannot hold is not written', async (t) => {
  const original = Buffer.from(lines('\n'), 'latin1');
  const r = await fix(t, { 'a.py': original }, 'a.py', 'def f():\n    return "→ done"');
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /which latin-1 cannot encode; nothing written/);
  assert.deepEqual(r.bytes(), original);
});

test('a symlink to a file outside the project is not written; the message names the real path', async (t) => {
  const outside = mkdtempSync(join(tmpdir(), 'critic-outside-'));
  t.after(() => rmSync(outside, { recursive: true, force: true }));
  const target = join(outside, 'victim.py');
  const original = 'def f():\n    return missing\n';
  writeFileSync(target, original);
  const p = tempProject({});
  t.after(p.cleanup);
  symlinkSync(target, join(p.root, 'link.py'));
  server.reset();
  server.script(() => reply.json({ code: 'def f():\n    return 1' }));
  const r = await criticAsync(['fix', 'link.py', '--unit', 'f', '--no-exec', '--apply'], { cwd: p.root, env: withModel });
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.ok(r.stderr.includes(`link.py leads to ${target}, outside the project`), r.stderr);
  assert.equal(readFileSync(target, 'utf8'), original);
});
