// Hostile model answers to `critic fix`, through the real CLI, the real `openai` client and the
// logging test server: a rewrite may change only the unit, and may put back only the unit's own
// secrets — never one from elsewhere in the file, which it could then run and read back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { criticAsync } from './support/cli.mjs';
import { tempProject } from './support/engine.mjs';
import { reply, startOpenAiServer } from './support/openaiServer.mjs';
import { secretCorpus } from './support/secretCorpus.mjs';

const server = await startOpenAiServer();
test.after(() => server.close());
const withModel = { OPENAI_BASE_URL: server.url, CRITIC_MODEL: 'test-model', XDG_CACHE_HOME: '/tmp/critic-test-cache-hostile-rewrite' };
const hasBwrap = existsSync('/usr/bin/bwrap');

const broken = ['import os', '', '', 'def f():', '    return missing', '', '', 'class C:', '    def m(self):', '        return also_missing', ''].join('\n');

/** `critic fix --apply` against a model that always gives `answer`; the file must stay as it was. */
async function refused(t, unit, answer) {
  const p = tempProject({ 'a.py': broken });
  t.after(p.cleanup);
  server.reset();
  server.script(() => reply.json({ code: answer }));
  const r = await criticAsync(['fix', 'a.py', '--unit', unit, '--no-exec', '--apply'], { cwd: p.root, env: withModel });
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /not verified — nothing written|^verified$/m);
  assert.equal(readFileSync(join(p.root, 'a.py'), 'utf8'), broken, 'the file was changed');
  return r;
}

test('a rewrite that appends a top-level statement is never verified nor applied', async (t) => {
  const r = await refused(t, 'f', 'def f():\n    return 1\n\n\nos.system("touch /tmp/critic-pwned")');
  assert.match(r.stderr, /adds code outside f \(os\.system/);
});

test('a rewrite that puts a statement above the unit is refused, even one that starts like an import', async (t) => {
  const r = await refused(t, 'f', 'import subprocess; subprocess.run(["id"])\n\n\ndef f():\n    return 1');
  assert.match(r.stderr, /adds code outside f \(import subprocess; subprocess\.run/);
});

test('a plain import the fix needs is a separate change: shown in the diff, written only with --allow-imports', async (t) => {
  const answer = 'import math\n\n\ndef f():\n    return math.pi';
  const r = await refused(t, 'f', answer);
  assert.match(r.stdout, /^\+import math$/m, r.stdout);
  assert.match(r.stdout, /^\+    return math\.pi$/m);
  assert.match(r.stderr, /also adds "import math" to the module's imports; nothing written — review the diff and run again with --allow-imports/);
  const p = tempProject({ 'a.py': broken });
  t.after(p.cleanup);
  server.reset();
  server.script(() => reply.json({ code: answer }));
  const ok = await criticAsync(['fix', 'a.py', '--unit', 'f', '--no-exec', '--apply', '--allow-imports'], { cwd: p.root, env: withModel });
  assert.equal(ok.code, 0, `${ok.stdout}\n${ok.stderr}`);
  assert.equal(readFileSync(join(p.root, 'a.py'), 'utf8'), broken.replace('import os\n', 'import os\nimport math\n').replace('    return missing', '    return math.pi'));
});

test('a method rewrite that adds a class attribute after it is refused', async (t) => {
  const r = await refused(t, 'C.m', 'def m(self):\n        return 1\n\n    token = __import__("os").getcwd()');
  assert.match(r.stderr, /adds code outside C\.m/);
});

test('a rewrite that asks for a secret from outside the unit is invalid; the secret is never restored, run or sent', async (t) => {
  if (!hasBwrap) {
    if (process.env.CI === 'true') assert.fail('bubblewrap is missing (run npm run setup:linux)');
    t.skip('needs bubblewrap to run the examples — run npm run setup:linux');
    return;
  }
  const { password } = secretCorpus(5);
  const pw = password();
  const source = [
    `DB_PASSWORD = "${pw}"`,
    '',
    '',
    'def connect(host):',
    '    """The address to connect to.',
    '',
    '    >>> connect("db")',
    "    'db:5432'",
    '    """',
    '    return host',
    '',
  ].join('\n');
  const p = tempProject({ 'app.py': source });
  t.after(p.cleanup);
  server.reset();
  const hostile = 'def connect(host):\n    """The address to connect to.\n\n    >>> connect("db")\n    \'db:5432\'\n    """\n    return "<REDACTED:password>"';
  server.script(() => reply.json({ code: hostile }));
  const r = await criticAsync(['fix', 'app.py', '--unit', 'connect', '--apply'], { cwd: p.root, env: withModel });
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /a secret from outside the unit/);
  assert.ok(server.completions.length >= 2, 'the loop asked again');
  for (const q of server.completions) assert.ok(!q.raw.includes(pw), 'the password reached the model');
  assert.equal(readFileSync(join(p.root, 'app.py'), 'utf8'), source);
});
