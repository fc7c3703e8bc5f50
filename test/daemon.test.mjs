// The warm path: `critic daemon` serves `critic diff --staged` (and check/diff) of its project over
// a private Unix socket, and the CLI's output is byte-for-byte what it prints in process. Real git,
// real processes, real bubblewrap; each test has its own XDG_RUNTIME_DIR, cache and user config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { out, tempProject } from './support/engine.mjs';
import { critic, criticAsync, gitIn } from './support/cli.mjs';
import { privateEnv, startDaemon } from './support/daemon.mjs';
import { needsSandbox } from './support/sandbox.mjs';

const { socketPathFor, privateDirProblem } = await import(out('daemon/socketPath.js'));
const { startDaemon: startInProcess } = await import(out('daemon/daemon.js'));
const { silentLogger } = await import(out('engine/types.js'));
const { engineEnvironment } = await import(out('daemon/environment.js'));

const base = {
  'stats.py': 'def mean(xs):\n    """Mean.\n\n    >>> mean([1, 2])\n    1.5\n    """\n    return sum(xs) / len(xs)\n',
  'words.py': 'def words(text):\n    """Lower-cased words."""\n    return [w.lower() for w in text.split()]\n',
  'shapes.ts': 'export function area(w: number, h: number): number {\n  return w * h;\n}\n',
};

/** A git repository with one changed function in each of 3 files, staged; the working tree differs again. */
function stagedRepo(t) {
  const p = tempProject(base, 'critic-daemon-repo-');
  t.after(p.cleanup);
  gitIn(p.root, 'init', '-q');
  gitIn(p.root, 'add', '-A');
  gitIn(p.root, 'commit', '-qm', 'base');
  const edit = (file, from, to) => writeFileSync(join(p.root, file), readFileSync(join(p.root, file), 'utf8').replace(from, to));
  edit('stats.py', 'return sum(xs) / len(xs)', 'return sum(xs) // len(xs)');
  edit('words.py', 'for w in text.split()]', 'for w in text.split()] + extra');
  edit('shapes.ts', 'return w * h;', "const unit: number = 'cm';\n  return w * h * unit;");
  gitIn(p.root, 'add', '-A');
  // What is committed is the staged blob: a working-tree edit after `git add` must not be critiqued.
  edit('stats.py', 'return sum(xs) // len(xs)', 'return sum(xs) / len(xs)');
  return p.root;
}

/** Output with the run's duration taken out: everything else must match byte for byte. */
const timeless = (s) => s.replace(/\(\d+\.\d s\)\n$/, '(N s)\n').replace(/"durationMs": \d+/, '"durationMs": N');

function assertSameRun(warm, cold, label) {
  assert.equal(warm.code, cold.code, `${label}: exit code`);
  assert.equal(timeless(warm.stdout), timeless(cold.stdout), `${label}: stdout`);
  assert.equal(warm.stderr, cold.stderr, `${label}: stderr`);
}

function withDaemon(t, root, env) {
  const d = startDaemon(root, env);
  t.after(() => d.stop('SIGKILL'));
  return d;
}

test('diff --staged through a running daemon prints exactly what --no-daemon prints (text, JSON, SARIF, exit code)', needsSandbox, async (t) => {
  const root = stagedRepo(t);
  const p = privateEnv();
  t.after(p.cleanup);
  const d = withDaemon(t, root, p.env);
  await d.ready;
  for (const format of ['text', 'json', 'sarif']) {
    const cold = critic(['diff', '--staged', '--format', format, '--no-daemon'], { cwd: root, env: p.env });
    const before = await d.served();
    const warm = critic(['diff', '--staged', '--format', format], { cwd: root, env: p.env });
    assert.equal(await d.served(), before + 1, `the daemon answered the ${format} run:\n${d.log()}`);
    assertSameRun(warm, cold, format);
  }
  const text = critic(['diff', '--staged'], { cwd: root, env: p.env });
  assert.equal(text.code, 1);
  // The staged blobs, not the working tree: the failing example, the undefined name, the type error.
  assert.match(text.stdout, /stats\.py:\d+:\d+: error doctest-failed/);
  assert.match(text.stdout, /words\.py:3:\d+: error ruff-F821/);
  assert.match(text.stdout, /shapes\.ts:2:\d+: error ts-2322/);
  assert.match(text.stdout, /in 3 of 3 files/);
  // check and plain diff take the same path.
  for (const args of [['check', '.'], ['diff']]) {
    const cold = critic([...args, '--no-daemon'], { cwd: root, env: p.env });
    const before = await d.served();
    assertSameRun(critic(args, { cwd: root, env: p.env }), cold, args.join(' '));
    assert.equal(await d.served(), before + 1, `the daemon answered ${args.join(' ')}`);
  }
});

test('a daemon warmed with execution runs no code for a CLI that says --no-exec', needsSandbox, async (t) => {
  const root = stagedRepo(t);
  const p = privateEnv();
  t.after(p.cleanup);
  const d = withDaemon(t, root, p.env);
  await d.ready;
  const executed = critic(['diff', '--staged'], { cwd: root, env: p.env });
  assert.match(executed.stdout, /doctest-failed/, 'the warm engine does execute code');
  const cold = critic(['diff', '--staged', '--no-exec', '--no-daemon'], { cwd: root, env: p.env });
  const before = await d.served();
  const warm = critic(['diff', '--staged', '--no-exec'], { cwd: root, env: p.env });
  assert.equal(await d.served(), before + 1, 'the daemon answered the --no-exec run');
  assertSameRun(warm, cold, '--no-exec');
  assert.doesNotMatch(warm.stdout, /doctest-failed|example ran/);
  assert.match(warm.stdout, /execution is off/);
  assert.match(warm.stdout, /ruff-F821/, 'static tools still ran');
});

test('with the daemon killed the CLI falls back silently, and the next daemon replaces the stale socket', async (t) => {
  const root = stagedRepo(t);
  const p = privateEnv();
  t.after(p.cleanup);
  const d = withDaemon(t, root, p.env);
  const socket = await d.ready;
  await d.stop('SIGKILL');
  assert.equal(existsSync(socket), true, 'a killed daemon leaves its socket file');
  const cold = critic(['diff', '--staged', '--no-exec', '--no-daemon'], { cwd: root, env: p.env });
  assertSameRun(critic(['diff', '--staged', '--no-exec'], { cwd: root, env: p.env }), cold, 'fallback');
  const verbose = critic(['diff', '--staged', '--no-exec', '--verbose'], { cwd: root, env: p.env });
  assert.match(verbose.stderr, /no Critic daemon for this project \(nothing answers on .*ECONNREFUSED/);

  const next = withDaemon(t, root, p.env);
  assert.equal(await next.ready, socket);
  assert.match(next.log(), /removing the stale socket/);
  critic(['diff', '--staged', '--no-exec'], { cwd: root, env: p.env });
  assert.equal(await next.served(), 1);
  // SIGTERM: it stops and takes its socket with it.
  assert.deepEqual(await next.stop('SIGTERM'), { code: 0, signal: null });
  assert.equal(existsSync(socket), false);
});

test('a second daemon for the same project does not listen; the first keeps serving', async (t) => {
  const root = stagedRepo(t);
  const p = privateEnv();
  t.after(p.cleanup);
  const first = withDaemon(t, root, p.env);
  await first.ready;
  const second = startDaemon(root, p.env);
  t.after(() => second.stop('SIGKILL'));
  assert.deepEqual(await second.exited, { code: 0, signal: null });
  assert.match(second.log(), /already listens on/);
  critic(['diff', '--staged', '--no-exec'], { cwd: root, env: p.env });
  assert.equal(await first.served(), 1);
});

test('a socket folder open to others, owned by someone else or a symlink, and a symlinked socket, are refused', async (t) => {
  const root = stagedRepo(t);
  const p = privateEnv();
  t.after(p.cleanup);
  const d = withDaemon(t, root, p.env);
  const socket = await d.ready;
  const dir = join(p.env.XDG_RUNTIME_DIR, 'critic');
  const cold = critic(['diff', '--staged', '--no-exec', '--no-daemon'], { cwd: root, env: p.env });
  const refusedRun = (env, why) => {
    const r = critic(['diff', '--staged', '--no-exec'], { cwd: root, env });
    assert.equal(r.code, cold.code);
    assert.equal(timeless(r.stdout), timeless(cold.stdout));
    const notes = r.stderr.split('\n').filter((l) => /daemon/.test(l));
    assert.equal(notes.length, 1, r.stderr);
    assert.match(notes[0], why);
    assert.match(notes[0], /checked in process instead/);
  };

  chmodSync(dir, 0o777);
  refusedRun(p.env, /is accessible to other users \(mode 777\)/);
  chmodSync(dir, 0o700);
  assert.equal(await d.served(), 0, 'nothing was sent to a socket in an open folder');

  // The same folder reached through a symlink.
  const linked = mkdtempSync(join(tmpdir(), 'critic-daemon-link-'));
  t.after(() => rmSync(linked, { recursive: true, force: true }));
  symlinkSync(dir, join(linked, 'critic'));
  refusedRun({ ...p.env, XDG_RUNTIME_DIR: linked }, /is a symbolic link/);

  // The socket name itself a symlink to a live daemon's socket.
  const planted = mkdtempSync(join(tmpdir(), 'critic-daemon-plant-'));
  t.after(() => rmSync(planted, { recursive: true, force: true }));
  mkdirSync(join(planted, 'critic'), { mode: 0o700 });
  symlinkSync(socket, socketPathFor(root, join(planted, 'critic')));
  refusedRun({ ...p.env, XDG_RUNTIME_DIR: planted }, /\.sock is a symbolic link/);
  assert.equal(await d.served(), 0);

  // Someone else's folder: judged against another uid (and, as root, really chowned).
  assert.match(privateDirProblem(dir, process.getuid() + 1), /belongs to user \d+, not to you/);
  if (process.getuid() === 0) {
    chownSync(dir, 65534, 65534);
    refusedRun(p.env, /belongs to user 65534, not to you \(0\)/);
    chownSync(dir, 0, 0);
  }
  // A daemon will not start there either.
  chmodSync(dir, 0o755);
  const refused = startDaemon(root, p.env);
  t.after(() => refused.stop('SIGKILL'));
  assert.deepEqual(await refused.exited, { code: 2, signal: null });
  assert.match(refused.log(), /accessible to other users.*only a private folder/);
  chmodSync(dir, 0o700);
});

/** One JSON-RPC exchange on a raw socket: what a hostile or confused local client could send. */
function exchange(socket, lines) {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let data = '';
    s.on('data', (d) => (data += d));
    s.on('error', reject);
    s.on('close', () => resolve(data.split('\n').filter(Boolean).map((l) => JSON.parse(l))));
    s.on('connect', () => {
      for (const l of lines) s.write(l);
      // Answers arrive, then the test closes its side.
      const check = setInterval(() => {
        if (data.split('\n').filter(Boolean).length >= lines.length) {
          clearInterval(check);
          s.end();
        }
      }, 5);
      s.on('close', () => clearInterval(check));
    });
  });
}

test('the daemon refuses another root, another build, a model, malformed and oversized messages, and keeps serving', async (t) => {
  const root = stagedRepo(t);
  const p = privateEnv();
  t.after(p.cleanup);
  const d = withDaemon(t, root, p.env);
  const socket = await d.ready;
  const [hello] = await exchange(socket, [`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'critic/hello', params: { protocol: 1 } })}\n`]);
  assert.equal(hello.result.protocol, 1);
  const other = tempProject({ 'x.py': 'x = 1\n' });
  t.after(other.cleanup);
  const { defaultConfig } = await import(out('engine/config.js'));
  const request = (params) => `${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'critic/check', params: { protocol: 1, build: hello.result.build, root, config: defaultConfig(), projectTrusted: false, cacheDir: p.env.CRITIC_CACHE_DIR, jobs: 1, environment: engineEnvironment({ ...process.env, ...p.env }), docs: [], ...params } })}\n`;
  const errorOf = async (line) => (await exchange(socket, [line]))[0].error;
  assert.equal((await errorOf(request({ root: other.root }))).code, -32001);
  assert.equal((await errorOf(request({ build: 'another build' }))).code, -32002);
  assert.equal((await errorOf(request({ protocol: 99 }))).code, -32003);
  assert.equal((await errorOf(request({ environment: { ...engineEnvironment({ ...process.env, ...p.env }), VIRTUAL_ENV: '/elsewhere' } }))).code, -32004);
  assert.match((await errorOf(request({ config: { ...defaultConfig(), model: { ...defaultConfig().model, models: ['m'] } } }))).message, /runs no critic model/);
  assert.match((await errorOf(request({ config: { execution: { memoryMb: 10 ** 9 } } }))).message, /execution\.memoryMb/);
  assert.match((await errorOf(request({ docs: [{ path: join(other.root, 'x.py'), text: 'x = 1\n', language: 'python' }] }))).message, /inside the project/);
  assert.equal((await errorOf('this is not json\n')).code, -32700);
  const big = await errorOf(`{"jsonrpc":"2.0","id":3,"method":"critic/check","params":"${'x'.repeat(65 * 1024 * 1024)}"}\n`);
  assert.match(big.message, /larger than/);
  assert.equal(await d.served(), 0);
  // A CLI in another virtualenv than the daemon's shell: one note, checked in process.
  const venv = critic(['diff', '--staged', '--no-exec'], { cwd: root, env: { ...p.env, VIRTUAL_ENV: '/elsewhere' } });
  assert.match(venv.stderr, /not using the Critic daemon: it answered an error: it was started with another VIRTUAL_ENV than this shell's.*restart it from here; checked in process instead/);
  assert.equal(await d.served(), 0);
  // Still alive and serving.
  critic(['diff', '--staged', '--no-exec'], { cwd: root, env: p.env });
  assert.equal(await d.served(), 1);
});

test('a daemon of another build, or one that answers garbage, gets one note and the CLI checks in process', async (t) => {
  const root = stagedRepo(t);
  const p = privateEnv();
  t.after(p.cleanup);
  const dir = join(p.env.XDG_RUNTIME_DIR, 'critic');
  mkdirSync(dir, { mode: 0o700 });
  // A fake daemon: `answer(request)` is its reply to each check.
  let build = (asked) => asked;
  const server = createServer((s) => {
    let buffered = '';
    s.on('data', (d) => {
      buffered += d;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        const m = JSON.parse(line);
        if (m.method === 'critic/hello') s.write(`${JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { protocol: 1, build: build(m.params.build), root, pid: 1 } })}\n`);
        else s.write(`${JSON.stringify({ jsonrpc: '2.0', id: m.id, result: { isolation: 'none', notices: [], results: m.params.docs.map((_, i) => ({ findings: i ? [] : [{ file: 1 }], notices: [] })) } })}\n`);
      }
    });
  });
  await new Promise((r) => server.listen(socketPathFor(root, dir), r));
  t.after(() => server.close());
  const cold = await criticAsync(['diff', '--staged', '--no-exec', '--no-daemon'], { cwd: root, env: p.env });
  const oneNote = (r, why) => {
    const notes = r.stderr.split('\n').filter((l) => /daemon/.test(l));
    assert.equal(notes.length, 1, r.stderr);
    assert.match(notes[0], why);
    assert.equal(r.code, cold.code);
    assert.equal(timeless(r.stdout), timeless(cold.stdout));
  };
  oneNote(await criticAsync(['diff', '--staged', '--no-exec'], { cwd: root, env: p.env }), /its answer is unusable \(a malformed finding\); checked in process instead/);
  build = () => '0.0.1:old';
  oneNote(await criticAsync(['diff', '--staged', '--no-exec'], { cwd: root, env: p.env }), /it is another build of Critic \(0\.0\.1:old\); restart it/);
});

test('the idle timeout stops the daemon and removes its socket (mock timers)', async (t) => {
  const p = privateEnv();
  t.after(p.cleanup);
  const project = tempProject({ 'a.py': 'x = 1\n' });
  t.after(project.cleanup);
  const armed = [];
  const timers = { setTimeout: (fn, ms) => (armed.push({ fn, ms }), armed.length), clearTimeout: () => {} };
  const d = await startInProcess({ cwd: project.root, env: p.env, build: 'b', assetsDir: join(out('..'), 'dist'), log: silentLogger, idleMs: 1_800_000, timers });
  assert.equal(d.ok, true, d.reason);
  assert.equal(existsSync(d.socket), true);
  assert.equal(armed.at(-1).ms, 1_800_000);
  armed.at(-1).fn();
  await d.stopped;
  assert.equal(existsSync(d.socket), false);
});

test('a running `critic lsp` serves the warm path too: same output, and its socket goes with it', async (t) => {
  const { startLsp } = await import('./support/lspClient.mjs');
  const root = stagedRepo(t);
  const p = privateEnv();
  t.after(p.cleanup);
  const lsp = await startLsp({ root, env: p.env });
  t.after(() => {
    try {
      process.kill(lsp.pid, 'SIGKILL');
    } catch {
      // it exited
    }
  });
  // Waits for the server's own log line (the listener starts after `initialized`).
  for (let i = 0; i < 600 && !lsp.logs.some((l) => /use this server \(socket/.test(l)); i++) await new Promise((r) => setTimeout(r, 50));
  const line = lsp.logs.find((l) => /use this server \(socket/.test(l));
  assert.ok(line, lsp.logs.join('\n'));
  const socket = /socket (\S+)\)/.exec(line)[1];
  const { hello } = await import('./support/daemon.mjs');
  const cold = await criticAsync(['diff', '--staged', '--no-exec', '--no-daemon'], { cwd: root, env: p.env });
  const warm = await criticAsync(['diff', '--staged', '--no-exec'], { cwd: root, env: p.env });
  assert.equal((await hello(socket)).served, 1);
  assertSameRun(warm, cold, 'through the language server');
  // Shutdown and exit: the listener neither outlives nor holds up the server.
  assert.equal((await lsp.stop()).code, 0);
  assert.equal(existsSync(socket), false, 'shutdown removes the socket');
});

test("the environment a daemon compares: git's hook PATH prefix and unrelated variables do not count, a virtualenv does", () => {
  const shell = { PATH: '/venv/bin:/usr/bin', HOME: '/home/u', VIRTUAL_ENV: '/venv', TERM: 'xterm', SHLVL: '1', CRITIC_TRUST_PROJECT: '1', PYENV_VERSION: '3.11' };
  const hook = { ...shell, PATH: '/usr/lib/git-core:/venv/bin:/usr/bin', GIT_EXEC_PATH: '/usr/lib/git-core', GIT_INDEX_FILE: '.git/index', TERM: 'dumb', SHLVL: '3', CRITIC_TRUST_PROJECT: '0' };
  assert.deepEqual(engineEnvironment(hook), engineEnvironment(shell));
  assert.deepEqual(engineEnvironment(shell), { PATH: '/venv/bin:/usr/bin', HOME: '/home/u', VIRTUAL_ENV: '/venv', PYENV_VERSION: '3.11' });
  assert.notDeepEqual(engineEnvironment({ ...shell, VIRTUAL_ENV: '/other' }), engineEnvironment(shell));
  // git-core anywhere but in front is the user's own PATH and counts.
  assert.notDeepEqual(engineEnvironment({ ...shell, PATH: '/venv/bin:/usr/lib/git-core:/usr/bin', GIT_EXEC_PATH: '/usr/lib/git-core' }), engineEnvironment(shell));
});
