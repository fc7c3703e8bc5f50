// A cloned repository is untrusted input: its .critic.json must not choose where code and the
// user's API key go, loosen limits or allow unsandboxed runs, and its eslint.config.* must never
// run on the host — unless the user trusts the project. Driven through the real CLI, with two
// logging OpenAI-compatible servers: the user's and one the repository names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { criticAsync, gitIn } from './support/cli.mjs';
import { out, repoRoot } from './support/engine.mjs';
import { reply, startOpenAiServer } from './support/openaiServer.mjs';

const { probeBwrap, findOnPath } = await import(out('engine/sandbox/bubblewrap.js'));
const { nodeExec } = await import(out('engine/nodePorts.js'));

const bwrap = await probeBwrap(nodeExec, findOnPath('bwrap') ?? '/usr/bin/bwrap');
// Tests that need the sandbox skip with the reason and the fix, except in CI, where they fail.
const needsBwrap = bwrap.ok || process.env.CI === 'true' ? false : `${bwrap.reason}; run npm run setup:linux`;
function requireBwrap() {
  if (!bwrap.ok) assert.fail(`bubblewrap is required in CI: ${bwrap.reason}; run npm run setup:linux`);
}

const userServer = await startOpenAiServer();
const repoServer = await startOpenAiServer();
test.after(() => Promise.all([userServer.close(), repoServer.close()]));

const userKey = 'sk-user-' + 'K'.repeat(24);
const source = ['def average(values):', '    total = 0', '    for v in values:', '        total += v', '    return total / len(values)', ''].join('\n');

/** A real git repository, as cloned: its files, committed. */
function hostileRepo(t, files) {
  const root = mkdtempSync(join(tmpdir(), 'critic-clone-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(root, rel, '..'), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  gitIn(root, 'init', '-q');
  gitIn(root, 'add', '-A');
  gitIn(root, 'commit', '-qm', 'clone me');
  return root;
}

/** A user config home of its own (never the real ~/.config), with `config` as critic/config.json. */
function userHome(t, config) {
  const dir = mkdtempSync(join(tmpdir(), 'critic-xdg-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  if (config) {
    mkdirSync(join(dir, 'critic'));
    writeFileSync(join(dir, 'critic', 'config.json'), JSON.stringify(config));
  }
  return dir;
}

const baseEnv = (xdg, extra = {}) => ({
  XDG_CONFIG_HOME: xdg,
  XDG_CACHE_HOME: join(xdg, 'cache'),
  CRITIC_TRUST_PROJECT: '',
  CRITIC_MODEL: '',
  OPENAI_BASE_URL: '',
  OPENAI_API_KEY: userKey,
  ...extra,
});

const hostileConfig = { model: { baseUrl: repoServer.url, models: ['repo-model'] } };
const carriesKey = (r) => JSON.stringify(r.headers).includes(userKey) || r.raw.includes(userKey);

test("an untrusted repository's model.baseUrl gets no request and never the key; the user's endpoint does", async (t) => {
  const root = hostileRepo(t, { 'stats.py': source, '.critic.json': JSON.stringify(hostileConfig) });
  const answer = () => reply.findings([]);
  for (const [how, env, xdg] of [
    ['user config', {}, userHome(t, { model: { baseUrl: userServer.url, models: ['user-model'] } })],
    ['environment', { OPENAI_BASE_URL: userServer.url, CRITIC_MODEL: 'user-model' }, userHome(t)],
  ]) {
    userServer.reset();
    repoServer.reset();
    userServer.script(answer);
    repoServer.script(answer);
    const r = await criticAsync(['check', 'stats.py', '--no-exec'], { cwd: root, env: baseEnv(xdg, env) });
    assert.equal(r.code, 0, `${how}: ${r.stderr}`);
    assert.equal(repoServer.requests.length, 0, `${how}: the repository's server was contacted`);
    assert.ok(userServer.completions.length >= 1, `${how}: the user's server got no request`);
    assert.ok(userServer.completions.every((c) => c.body.model === 'user-model'));
    assert.ok(userServer.completions.every((c) => c.headers.authorization === `Bearer ${userKey}`), `${how}: the user's server gets the user's key`);
    const notices = r.stderr.split('\n').filter((l) => l.includes('is not trusted'));
    assert.equal(notices.length, 1, r.stderr);
    assert.match(notices[0], /ignored model\.models, model\.baseUrl;.*--trust-project.*CRITIC_TRUST_PROJECT=1.*trustedProjects/);
  }
});

test('--trust-project, CRITIC_TRUST_PROJECT=1 and trustedProjects re-enable the project model settings, but its endpoint never gets the key', async (t) => {
  const root = hostileRepo(t, { 'stats.py': source, '.critic.json': JSON.stringify(hostileConfig) });
  for (const [how, args, env, xdg] of [
    ['--trust-project', ['--trust-project'], {}, userHome(t)],
    ['CRITIC_TRUST_PROJECT=1', [], { CRITIC_TRUST_PROJECT: '1' }, userHome(t)],
    ['trustedProjects', [], {}, userHome(t, { trustedProjects: [root] })],
  ]) {
    userServer.reset();
    repoServer.reset();
    repoServer.script(() => reply.findings([]));
    const r = await criticAsync(['check', 'stats.py', '--no-exec', ...args], { cwd: root, env: baseEnv(xdg, env) });
    assert.equal(r.code, 0, `${how}: ${r.stderr}`);
    assert.ok(repoServer.completions.length >= 1, `${how}: the trusted project's model was not used`);
    assert.ok(repoServer.completions.every((c) => c.body.model === 'repo-model'));
    assert.ok(!repoServer.requests.some(carriesKey), `${how}: the user's key reached an endpoint the project named`);
    assert.equal(userServer.requests.length, 0);
    assert.doesNotMatch(r.stderr, /is not trusted/);
    assert.match(r.stderr, /OPENAI_API_KEY is not sent to http:\/\/127\.0\.0\.1:\d+\/v1: that endpoint was named by the project's configuration/);
  }
  // A trusted root is a folder, not a name prefix: a sibling whose name starts the same is not trusted.
  repoServer.reset();
  const r = await criticAsync(['check', 'stats.py', '--no-exec'], { cwd: root, env: baseEnv(userHome(t, { trustedProjects: [root.slice(0, -2)] })) });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(repoServer.requests.length, 0);
  assert.match(r.stderr, /is not trusted/);
});

test('a project file still has to be valid when untrusted, and cannot trust itself', async (t) => {
  const xdg = userHome(t);
  const broken = hostileRepo(t, { 'stats.py': source, '.critic.json': '{"execution": {"memoryMb": "lots"}}' });
  let r = await criticAsync(['check', 'stats.py'], { cwd: broken, env: baseEnv(xdg) });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^critic: .*\.critic\.json: invalid "execution\.memoryMb": expected an integer from 32 to 65536\n$/);
  const selfTrusting = hostileRepo(t, { 'stats.py': source, '.critic.json': JSON.stringify({ trustedProjects: ['/'] }) });
  r = await criticAsync(['check', 'stats.py'], { cwd: selfTrusting, env: baseEnv(xdg) });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /invalid "trustedProjects": a project cannot trust itself/);
  const badUser = userHome(t, { trustedProjects: ['relative/path'] });
  r = await criticAsync(['check', 'stats.py'], { cwd: broken, env: baseEnv(badUser) });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /critic\/config\.json: invalid "trustedProjects": expected an array of absolute paths/);
});

test('limits an untrusted project raises are clamped to the defaults; allowUnsandboxed is ignored', { skip: needsBwrap, timeout: 120_000 }, async (t) => {
  requireBwrap();
  const slow = [
    'import time',
    '',
    '',
    'def slow():',
    '    """Takes 8 seconds.',
    '',
    '    >>> slow()',
    '    1',
    '    """',
    '    time.sleep(8)',
    '    return 1',
    '',
  ].join('\n');
  const raised = { execution: { exampleTimeoutMs: 600_000, memoryMb: 65_536, maxProcesses: 4_096, maxOutputBytes: 64 * 1024 * 1024, allowUnsandboxed: true } };
  const root = hostileRepo(t, { 'slow.py': slow, '.critic.json': JSON.stringify(raised) });
  const r = await criticAsync(['check', 'slow.py', '--format', 'json'], { cwd: root, env: baseEnv(userHome(t)) });
  assert.equal(r.code, 1, r.stderr);
  const findings = JSON.parse(r.stdout).findings;
  // The default 5 s example timeout applies, not the project's 10 minutes.
  const timeout = findings.find((f) => f.rule === 'exec-timeout');
  assert.ok(timeout, JSON.stringify(findings));
  assert.match(timeout.message, /did not finish within 5 s\b/);
  const notice = r.stderr.split('\n').find((l) => l.includes('is not trusted'));
  assert.ok(notice, r.stderr);
  for (const s of ['execution.allowUnsandboxed', 'execution.exampleTimeoutMs above 5000', 'execution.memoryMb above 512', 'execution.maxProcesses above 64', 'execution.maxOutputBytes above 262144']) {
    assert.ok(notice.includes(s), `${s} in: ${notice}`);
  }
});

/** A repository whose ESLint config, when loaded, writes marker files (fs and a shell command). */
function eslintRepo(t, markerBase) {
  const config = [
    "import { writeFileSync } from 'node:fs';",
    "import { execSync } from 'node:child_process';",
    `try { writeFileSync(${JSON.stringify(`${markerBase}-fs`)}, 'loaded'); } catch {}`,
    `try { execSync(${JSON.stringify(`touch ${markerBase}-sh`)}); } catch {}`,
    "export default [{ files: ['**/*.js'], languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: {} }, rules: { 'no-undef': 'error' } }];",
    '',
  ].join('\n');
  const root = hostileRepo(t, {
    'eslint.config.mjs': config,
    'a.js': 'export function greet() {\n  return greeting;\n}\n',
    'b.js': 'export const b = () => missing + 1;\n',
  });
  // The project's own ESLint, installed as a package manager's symlink would (outside the repository).
  mkdirSync(join(root, 'node_modules'));
  symlinkSync(join(repoRoot, 'node_modules', 'eslint'), join(root, 'node_modules', 'eslint'));
  return root;
}

function markerBase(t) {
  const base = join(tmpdir(), `critic-eslint-marker-${process.pid}-${Math.random().toString(36).slice(2)}`);
  t.after(() => {
    rmSync(`${base}-fs`, { force: true });
    rmSync(`${base}-sh`, { force: true });
  });
  return base;
}

test("an untrusted project's eslint.config.mjs runs only in the sandbox: no marker on the host, findings still reported", { skip: needsBwrap, timeout: 120_000 }, async (t) => {
  requireBwrap();
  const marker = markerBase(t);
  const root = eslintRepo(t, marker);
  const env = baseEnv(userHome(t));
  const r = await criticAsync(['check', 'a.js', 'b.js', '--format', 'json'], { cwd: root, env });
  assert.equal(r.code, 1, r.stderr);
  assert.equal(existsSync(`${marker}-fs`), false, 'the config wrote a file on the host');
  assert.equal(existsSync(`${marker}-sh`), false, 'the config ran a shell command on the host');
  const undef = JSON.parse(r.stdout).findings.filter((f) => f.rule === 'eslint-no-undef');
  assert.deepEqual(undef.map((f) => [f.file.split('/').pop(), f.message]).sort(), [
    ['a.js', "'greeting' is not defined."],
    ['b.js', "'missing' is not defined."],
  ]);
  // The same repository, trusted: its config loads in Critic's process (what the marker proves it does).
  const trusted = await criticAsync(['check', 'a.js', '--format', 'json', '--trust-project'], { cwd: root, env });
  assert.equal(trusted.code, 1, trusted.stderr);
  assert.equal(existsSync(`${marker}-fs`), true);
  assert.equal(JSON.parse(trusted.stdout).findings.filter((f) => f.rule === 'eslint-no-undef').length, 1);
});

test("without a sandbox an untrusted project's ESLint is not run, with one notice", async (t) => {
  const marker = markerBase(t);
  const root = eslintRepo(t, marker);
  // --no-exec: nothing of the project runs, so there is no sandbox to load the config in.
  const r = await criticAsync(['check', 'a.js', 'b.js', '--no-exec', '--format', 'json'], { cwd: root, env: baseEnv(userHome(t)) });
  assert.equal(existsSync(`${marker}-fs`), false);
  assert.equal(existsSync(`${marker}-sh`), false);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).findings.filter((f) => f.source === 'eslint'), []);
  const lines = r.stderr.split('\n').filter((l) => /ESLint configuration is not loaded/.test(l));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /the project is not trusted.*--trust-project/);
});
