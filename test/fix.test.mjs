// `critic fix`: runFix in-process (real engine, real sandbox, real `openai` client against the
// scripted server), and the real CLI process (dist/cli.js).
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { makeContext, out, tempProject } from './support/engine.mjs';
import { reply } from './support/openaiServer.mjs';
import { fixture, medianFixed, medianWrong, rewrite, startRewriteRig } from './support/rewrite.mjs';
import { cliPath } from './support/cli.mjs';
import { needsSandbox } from './support/sandbox.mjs';

const { languageOfPath } = await import(out('engine/languages.js'));
const { runFix, writeIfUnchanged } = await import(out('cli/fix.js'));


/** 1-based line of `median`'s return statement in stats.py. */
const medianLine = fixture('stats.py').split('\n').findIndex((l) => l.includes('return s[len(s) // 2]')) + 1;

let server;
let facade;
let engine;
let model;
let stop;
const ctx = makeContext({ config: { execution: { exampleTimeoutMs: 8000 } } });
before(async () => ({ server, critic: facade, engine, model, stop } = await startRewriteRig(ctx)));
after(() => stop());
beforeEach(() => server.reset());

/** runFix in a temp project; returns exit code, captured output and the project. */
async function fix(files, opts, { withModel = true } = {}) {
  const p = tempProject(files, 'critic-fix-');
  const io = { out: '', err: '' };
  const code = await runFix(
    { apply: false, format: 'text', ...opts },
    { critic: withModel ? facade : { ...facade, canRewrite: false }, io: { stdout: (s) => (io.out += s), stderr: (s) => (io.err += s), cwd: p.root, isTTY: false }, color: false, projectRoot: p.root },
  );
  return { code, stdout: io.out, stderr: io.err, p, read: (f) => readFileSync(join(p.root, f), 'utf8') };
}

test('runFix --line: prints the diff, the verification and "verified"; nothing written without --apply', needsSandbox, async () => {
  server.script([rewrite(medianFixed)]);
  const r = await fix({ 'stats.py': fixture('stats.py') }, { file: 'stats.py', line: medianLine });
  try {
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.startsWith('--- a/stats.py\n+++ b/stats.py\n@@'), r.stdout);
    assert.match(r.stdout, /^\+    return \(s\[n \/\/ 2 - 1\] \+ s\[n \/\/ 2\]\) \/ 2$/m);
    assert.match(r.stdout, /\n2\/2 examples pass \(1 fixed\), 0 new diagnostics\nverified\n$/);
    assert.match(r.stderr, /round 1: verified/);
    assert.equal(r.read('stats.py'), fixture('stats.py'));
  } finally {
    r.p.cleanup();
  }
});

test('runFix --apply writes the verified rewrite atomically, keeps the mode, and the file then checks clean', needsSandbox, async () => {
  server.script([rewrite(medianFixed)]);
  const p = tempProject({ 'stats.py': fixture('stats.py') }, 'critic-fix-');
  chmodSync(join(p.root, 'stats.py'), 0o640);
  let out = '';
  try {
    const code = await runFix(
      { file: join(p.root, 'stats.py'), unit: 'median', apply: true, format: 'text' },
      { critic: facade, io: { stdout: (s) => (out += s), stderr: () => {}, cwd: '/', isTTY: false }, color: false },
    );
    assert.equal(code, 0, out);
    assert.match(out, /verified — written to /);
    const path = join(p.root, 'stats.py');
    const text = readFileSync(path, 'utf8');
    assert.ok(text.includes('return (s[n // 2 - 1] + s[n // 2]) / 2'));
    assert.equal(statSync(path).mode & 0o777, 0o640);
    const again = await engine.check({ path, text, language: languageOfPath(path), projectRoot: p.root }, { model: false });
    assert.deepEqual(again.findings.filter((f) => f.unit === 'median' && f.level === 'error'), []);
  } finally {
    p.cleanup();
  }
});

test('runFix: a wrong rewrite exits 1 and leaves the file alone, even with --apply', needsSandbox, async () => {
  server.script(() => rewrite(medianWrong));
  const r = await fix({ 'stats.py': fixture('stats.py') }, { file: 'stats.py', apply: true });
  try {
    assert.equal(r.code, 1);
    assert.match(r.stdout, /1 still failing: `median\(\[4, 1, 3, 2\]\)` returned 2, expected 2\.5/);
    assert.match(r.stdout, /\nnot verified — nothing written\n$/);
    assert.equal(r.read('stats.py'), fixture('stats.py'));
  } finally {
    r.p.cleanup();
  }
});

test('runFix --apply refuses when the file changed on disk while the rewrite was verified', needsSandbox, async () => {
  const edited = `${fixture('stats.py')}\n# edited meanwhile\n`;
  let root;
  server.script(() => {
    writeFileSync(join(root, 'stats.py'), edited);
    return rewrite(medianFixed);
  });
  const p = tempProject({ 'stats.py': fixture('stats.py') }, 'critic-fix-');
  root = p.root;
  let err = '';
  let out = '';
  try {
    const code = await runFix({ file: 'stats.py', line: medianLine, apply: true, format: 'text' }, { critic: facade, io: { stdout: (s) => (out += s), stderr: (s) => (err += s), cwd: p.root, isTTY: false }, color: false });
    assert.equal(code, 1, out + err);
    assert.match(err, /critic: stats\.py changed on disk while the rewrite was being verified; nothing written/);
    assert.equal(readFileSync(join(p.root, 'stats.py'), 'utf8'), edited);
  } finally {
    p.cleanup();
  }
});

test('runFix without a model: one line with an Ollama example, exit 2', async () => {
  const r = await fix({ 'stats.py': fixture('stats.py') }, { file: 'stats.py' }, { withModel: false });
  try {
    assert.equal(r.code, 2);
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
    assert.match(r.stderr, /OPENAI_BASE_URL=http:\/\/localhost:11434\/v1 CRITIC_MODEL=qwen2\.5-coder:7b critic fix stats\.py/);
    assert.equal(server.completions.length, 0);
  } finally {
    r.p.cleanup();
  }
});

test('runFix target selection: unit by last segment, ambiguous or unknown names, lines outside units, nothing to fix', needsSandbox, async () => {
  const files = { 'cart.py': fixture('cart.py'), 'stats.py': fixture('stats.py') };
  const dedented = 'def total(self):\n    """Sum of the prices.\n\n    >>> Cart([1, 2, 3]).total()\n    6\n    """\n    return sum(self.prices)';
  server.script([rewrite(dedented)]);
  let r = await fix(files, { file: 'cart.py', unit: 'total', format: 'json' });
  try {
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.status, 'verified');
    assert.equal(report.unit, 'Cart.total');
    assert.equal(report.applied, false);
    assert.equal(report.rounds.length, 1);
    assert.match(report.diff, /^\+        return sum\(self\.prices\)$/m);
    assert.equal(report.summary, '1/1 examples pass (1 fixed), 0 new diagnostics');
  } finally {
    r.p.cleanup();
  }
  r = await fix(files, { file: 'cart.py', unit: 'nope' });
  r.p.cleanup();
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^critic: cart\.py has no function, method or class named nope \(it has Cart, Cart\.__init__, Cart\.total, Cart\.count\)\n$/);
  r = await fix(files, { file: 'stats.py', line: 1 });
  r.p.cleanup();
  assert.equal(r.code, 2);
  assert.match(r.stderr, /line 1 of stats\.py is not inside a function, method or class/);
  r = await fix(files, { file: 'stats.py', unit: 'mean' });
  r.p.cleanup();
  assert.equal(r.code, 0);
  assert.match(r.stdout, /nothing to fix in mean \(stats\.py\): it has no findings/);
  r = await fix({ 'ok.py': 'def f():\n    return 1\n' }, { file: 'ok.py' });
  r.p.cleanup();
  assert.equal(r.code, 0);
  assert.match(r.stdout, /nothing to fix in ok\.py/);
  assert.equal(server.completions.length, 1);
});

test('runFix without a target picks the unit of the most severe finding', needsSandbox, async () => {
  const text = `${fixture('stats.py')}\n\ndef unused(x):\n    y = 1\n    return x\n`;
  server.script([rewrite(medianFixed)]);
  const r = await fix({ 'stats.py': text }, { file: 'stats.py', format: 'json' });
  try {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).unit, 'median');
  } finally {
    r.p.cleanup();
  }
});

test('runFix: a model error is one line and exit 2', needsSandbox, async () => {
  server.script([reply.unauthorized()]);
  const r = await fix({ 'stats.py': fixture('stats.py') }, { file: 'stats.py', line: medianLine });
  try {
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^critic: The API key was rejected by 127\.0\.0\.1:\d+ \(401/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  } finally {
    r.p.cleanup();
  }
});

test('runFix --apply with a secret in the unit: the server never sees it, the written file keeps it', needsSandbox, async () => {
  const secret = 'sk-proj-Q7wErTy8uIoP9aSdFgHjKl0zXcVbNm12';
  server.script((body) => rewrite(/def headers[\s\S]*?"X-User": user\.upper\(\)\}/.exec(body.messages[1].content)[0].replace('user.upper()', 'user')));
  const r = await fix({ 'client.py': fixture('client.py') }, { file: 'client.py', apply: true });
  try {
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(server.requests.every((q) => !q.raw.includes(secret)));
    const written = r.read('client.py');
    assert.ok(written.includes(`api_key = "${secret}"`));
    assert.ok(written.includes('"X-User": user}'));
    assert.ok(!written.includes('REDACTED'));
  } finally {
    r.p.cleanup();
  }
});

test('writeIfUnchanged: replaces through a symlink target and refuses a changed file', async () => {
  const p = tempProject({ 'a.txt': 'one\n' });
  try {
    const path = join(p.root, 'a.txt');
    const { createHash } = await import('node:crypto');
    const hash = (s) => createHash('sha256').update(s).digest('hex');
    assert.equal(await writeIfUnchanged(path, 'two\n', hash('other\n')), 'changed');
    assert.equal(readFileSync(path, 'utf8'), 'one\n');
    assert.equal(await writeIfUnchanged(path, 'two\n', hash('one\n')), 'written');
    assert.equal(readFileSync(path, 'utf8'), 'two\n');
    const { readdirSync, symlinkSync, lstatSync } = await import('node:fs');
    assert.deepEqual(readdirSync(p.root), ['a.txt'], 'no temporary file left');
    const link = join(p.root, 'link.txt');
    symlinkSync(path, link);
    assert.equal(await writeIfUnchanged(link, 'three\n', hash('two\n')), 'written');
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link stays a link');
    assert.equal(readFileSync(path, 'utf8'), 'three\n');
  } finally {
    p.cleanup();
  }
});

// The real CLI process. spawnSync would block the event loop the scripted server runs on.
function critic(args, { cwd, env = {} }) {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CRITIC_CACHE_DIR: join(cwd, '.cache'), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

const modelEnv = () => ({ OPENAI_BASE_URL: server.url, CRITIC_MODEL: 'test-model', OPENAI_API_KEY: '' });
const sandboxArgs = [];

test('CLI: critic fix --line prints the diff and "verified"; --apply writes it and critic check is then clean', needsSandbox, async () => {
  const p = tempProject({ 'stats.py': fixture('stats.py') }, 'critic-fixcli-');
  try {
    server.script([rewrite(medianFixed), rewrite(medianFixed)]);
    let r = await critic(['fix', 'stats.py', '--line', String(medianLine), ...sandboxArgs], { cwd: p.root, env: modelEnv() });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^--- a\/stats\.py$/m);
    assert.match(r.stdout, /\nverified\n$/);
    assert.equal(readFileSync(join(p.root, 'stats.py'), 'utf8'), fixture('stats.py'));
    r = await critic(['fix', 'stats.py', '--line', String(medianLine), '--apply', ...sandboxArgs], { cwd: p.root, env: modelEnv() });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(readFileSync(join(p.root, 'stats.py'), 'utf8').includes('return (s[n // 2 - 1] + s[n // 2]) / 2'));
    r = await critic(['check', 'stats.py', '--format', 'json', ...sandboxArgs], { cwd: p.root, env: { CRITIC_MODEL: '', OPENAI_BASE_URL: '' } });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.summary.errors, 0, r.stdout);
    assert.deepEqual(report.findings.filter((f) => f.unit === 'median'), []);
  } finally {
    p.cleanup();
  }
});

test('CLI: a wrong rewrite exits 1 and leaves the file unchanged', needsSandbox, async () => {
  const p = tempProject({ 'stats.py': fixture('stats.py') }, 'critic-fixcli-');
  try {
    server.script(() => rewrite(medianWrong));
    const r = await critic(['fix', 'stats.py', '--apply', ...sandboxArgs], { cwd: p.root, env: modelEnv() });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /not verified — nothing written/);
    assert.equal(readFileSync(join(p.root, 'stats.py'), 'utf8'), fixture('stats.py'));
  } finally {
    p.cleanup();
  }
});

test('CLI: a file edited while the rewrite is verified is not overwritten', needsSandbox, async () => {
  const p = tempProject({ 'stats.py': fixture('stats.py') }, 'critic-fixcli-');
  const edited = `${fixture('stats.py')}# edited meanwhile\n`;
  try {
    server.script(() => {
      writeFileSync(join(p.root, 'stats.py'), edited);
      return { ...rewrite(medianFixed), delayMs: 200 };
    });
    const r = await critic(['fix', 'stats.py', '--line', String(medianLine), '--apply', ...sandboxArgs], { cwd: p.root, env: modelEnv() });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /changed on disk/);
    assert.equal(readFileSync(join(p.root, 'stats.py'), 'utf8'), edited);
  } finally {
    p.cleanup();
  }
});

test('CLI: no model configured exits 2 with the Ollama hint', async () => {
  const p = tempProject({ 'stats.py': fixture('stats.py') }, 'critic-fixcli-');
  try {
    const r = await critic(['fix', 'stats.py', '--line', String(medianLine)], { cwd: p.root, env: { OPENAI_BASE_URL: '', CRITIC_MODEL: '', OPENAI_API_KEY: '' } });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /OPENAI_BASE_URL=http:\/\/localhost:11434\/v1 CRITIC_MODEL=qwen2\.5-coder:7b/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  } finally {
    p.cleanup();
  }
});
