// Code under critique that misbehaves on purpose. Every test checks that the run ends within its
// limit, is reported, leaves no process behind, and leaves the host's canaries untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { makeContext, out, tempProject } from './support/engine.mjs';
import { processesMentioning as survivors } from './support/processes.mjs';
import { needsSandbox } from './support/sandbox.mjs';

const { createSandbox } = await import(out('engine/sandbox/sandbox.js'));

const nonce = randomBytes(6).toString('hex');
/** `sleep` takes a number: markers are decimal so the sleepers really sleep. */
const digits = String(parseInt(nonce, 16)).slice(0, 8);
const secrets = {
  OPENAI_API_KEY: `sk-${randomBytes(12).toString('hex')}`,
  AWS_SECRET_ACCESS_KEY: randomBytes(16).toString('hex'),
  MY_SERVICE_TOKEN: randomBytes(16).toString('hex'),
};
Object.assign(process.env, secrets);
const homeSecretPath = `${homedir()}/.critic-test-secret-${nonce}`;
const homeSecret = `home-secret-${randomBytes(12).toString('hex')}`;
writeFileSync(homeSecretPath, homeSecret);
const tmpCanary = `/tmp/critic-canary-${nonce}`;
writeFileSync(tmpCanary, 'canary');
const ownFile = fileURLToPath(import.meta.url);
const ownFileText = readFileSync(ownFile, 'utf8');
const critiqued = 'def pay(amount):\n    return amount * 2\n';
const project = tempProject({ 'pay.py': critiqued, 'pay.js': 'module.exports = (a) => a * 2;\n' });

test.after(() => {
  rmSync(homeSecretPath, { force: true });
  rmSync(tmpCanary, { force: true });
  rmSync(`/tmp/critic-new-${nonce}`, { force: true });
  project.cleanup();
  for (const k of Object.keys(secrets)) delete process.env[k];
});

const ctx = makeContext();
const execution = { ...ctx.config.execution, memoryMb: 160, maxProcesses: 32, maxOutputBytes: 64 * 1024 };
const sandbox = await createSandbox({ exec: ctx.exec, log: ctx.log, execution });
const fallback = await createSandbox({ exec: ctx.exec, log: ctx.log, execution, cgroups: false });

const hasMemoryCgroup = sandbox.enforcement?.memory === 'cgroup';
const hasPidsCgroup = sandbox.enforcement?.processes === 'cgroup';
const py = (code, over = {}) => (over.sandbox ?? sandbox).run({ interpreter: 'python', args: ['-c', code], projectRoot: project.root, timeoutMs: 3000, ...over });
const js = (code, over = {}) => (over.sandbox ?? sandbox).run({ interpreter: 'node', args: ['-e', code], projectRoot: project.root, timeoutMs: 3000, ...over });

function assertHostUntouched(r) {
  assert.equal(readFileSync(tmpCanary, 'utf8'), 'canary');
  assert.equal(readFileSync(`${project.root}/pay.py`, 'utf8'), critiqued);
  assert.equal(readFileSync(ownFile, 'utf8'), ownFileText);
  assert.ok(!existsSync(`/tmp/critic-new-${nonce}`));
  assert.deepEqual(readdirSync(project.root).sort(), ['pay.js', 'pay.py']);
  const all = `${r.stdout}\n${r.stderr}`;
  for (const s of [...Object.values(secrets), homeSecret]) assert.ok(!all.includes(s), 'a secret leaked into the output');
}

/** Starts `n` sleepers carrying the marker in their command line, detached into new sessions. */
const pySleepers = (marker, n) => `import subprocess\nfor _ in range(${n}):\n    subprocess.Popen(["sleep", "${marker}"], start_new_session=True)\n`;

test('the sandbox under test is bubblewrap; the fallback has no cgroups', needsSandbox, () => {
  assert.equal(sandbox.isolation, 'bubblewrap');
  assert.deepEqual(fallback.enforcement, { memory: 'rlimit', processes: 'pid-namespace' });
});

test('network: a TCP listener on the host loopback receives nothing', needsSandbox, async () => {
  let connections = 0;
  const server = createServer((s) => {
    connections++;
    s.destroy();
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  try {
    const p = await py(`import socket\nfor host in ["127.0.0.1", "1.1.1.1"]:\n    try:\n        socket.create_connection((host, ${port}), timeout=1)\n        print("connected", host)\n    except OSError as e:\n        print("failed", host, type(e).__name__)`);
    assert.match(p.stdout, /failed 127\.0\.0\.1/);
    assert.match(p.stdout, /failed 1\.1\.1\.1/);
    assert.doesNotMatch(p.stdout, /connected/);
    const n = await js(`const s = require('net').connect(${port}, '127.0.0.1'); s.on('connect', () => console.log('connected')); s.on('error', (e) => console.log('failed', e.code));`);
    assert.match(n.stdout, /^failed E/);
    assertHostUntouched(p);
  } finally {
    server.close();
  }
  assert.equal(connections, 0);
});

test('writes outside the scratch dir: host /tmp, the project, the critiqued file, this test file', needsSandbox, async () => {
  const code = [
    'import os',
    `targets = ["${tmpCanary}", "/tmp/critic-new-${nonce}", "${project.root}/pay.py", "${project.root}/new.py", ${JSON.stringify(ownFile)}]`,
    'for t in targets:',
    '    try:',
    '        with open(t, "a") as f: f.write("# pwned\\n")',
    '        print("wrote", t)',
    '    except OSError as e:',
    '        print("refused", t, e.errno)',
    'import subprocess',
    `print(subprocess.run(["mount", "-o", "remount,rw,bind", "${project.root}"], capture_output=True).returncode)`,
    'try:',
    `    open("${project.root}/pay.py", "w").write("pwned")`,
    'except OSError as e:',
    '    print("still read-only", e.errno)',
  ].join('\n');
  const r = await py(code);
  assert.match(r.stdout, /still read-only 30/);
  assertHostUntouched(r);
  const n = await js(`const fs = require('fs'); for (const t of ['${project.root}/pay.js', '${tmpCanary}']) { try { fs.writeFileSync(t, 'pwned'); } catch (e) { console.log(e.code); } }`);
  assert.equal(n.stdout, 'EROFS\n');
  assert.equal(readFileSync(`${project.root}/pay.js`, 'utf8'), 'module.exports = (a) => a * 2;\n');
  assertHostUntouched(n);
});

test('secrets: a file in the real home directory and API keys in the environment stay out', needsSandbox, async () => {
  const code = [
    'import os, glob',
    'print(dict(os.environ))',
    `for p in [os.path.expanduser("~/.critic-test-secret-${nonce}"), ${JSON.stringify(homeSecretPath)}]:`,
    '    try:',
    '        print(open(p).read())',
    '    except OSError as e:',
    '        print("unreadable", e.errno)',
    `print(glob.glob(${JSON.stringify(homedir())} + "/*") + glob.glob(${JSON.stringify(homedir())} + "/.*"))`,
    'for p in ["/proc/1/environ", "/proc/self/environ"]:',
    '    print(open(p, "rb").read())',
  ].join('\n');
  const r = await py(code, { env: { INNOCENT: secrets.OPENAI_API_KEY, MY_SERVICE_TOKEN: secrets.MY_SERVICE_TOKEN } });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /unreadable 2\nunreadable 2/);
  assertHostUntouched(r);
  const n = await js(`console.log(JSON.stringify(process.env)); try { console.log(require('fs').readFileSync(${JSON.stringify(homeSecretPath)}, 'utf8')) } catch (e) { console.log(e.code) }`);
  assert.match(n.stdout, /ENOENT/);
  assertHostUntouched(n);
});

test('fork bomb (500 detached sleepers) is stopped by the pids cgroup (else the clock); nothing survives', needsSandbox, async () => {
  const marker = `987.${digits}1`;
  const r = await py(`${pySleepers(marker, 500)}import time\ntime.sleep(100)`);
  assert.equal(r.limitHit, hasPidsCgroup ? 'processes' : 'timeout');
  assert.deepEqual(survivors(marker), []);
  assertHostUntouched(r);
});

test('fork bomb from node is stopped too', needsSandbox, async () => {
  const marker = `987.${digits}2`;
  const r = await js(`const { spawn } = require('child_process'); for (let i = 0; i < 500; i++) spawn('sleep', ['${marker}'], { detached: true, stdio: 'ignore' }).on('error', (e) => { console.log(e.code); process.exit(1); }); setTimeout(() => {}, 100000);`);
  assert.ok(['processes', 'timeout'].includes(r.limitHit), `limitHit ${r.limitHit}`);
  assert.deepEqual(survivors(marker), []);
});

test('without a pids cgroup the PID namespace and the clock still end a fork bomb', needsSandbox, async () => {
  const marker = `987.${digits}3`;
  const r = await py(`${pySleepers(marker, 500)}import time\nprint("forked", flush=True)\ntime.sleep(100)`, { sandbox: fallback, timeoutMs: 2500 });
  assert.equal(r.limitHit, 'timeout');
  assert.deepEqual(survivors(marker), []);
  assertHostUntouched(r);
});

test('memory: python allocating gigabytes is stopped by the memory cgroup', { skip: needsSandbox.skip || (!hasMemoryCgroup && 'no usable memory cgroup here') }, async () => {
  for (const code of ['a = bytearray(4 << 30)', 'xs = []\nwhile True: xs.append(bytearray(1 << 20))']) {
    const r = await py(code);
    assert.equal(r.limitHit, 'memory', code);
    assert.equal(r.signal, 'SIGKILL');
  }
});

test('memory: node allocating Buffers and arrays is stopped by the memory cgroup', { skip: needsSandbox.skip || (!hasMemoryCgroup && 'no usable memory cgroup here') }, async () => {
  for (const code of ['const xs = []; for (;;) xs.push(Buffer.alloc(1 << 20, 1));', 'const xs = []; for (;;) xs.push(new Array(1e5).fill({ a: 1 }));']) {
    const r = await js(code);
    assert.equal(r.limitHit, 'memory', code);
  }
});

test('memory without cgroups: MemoryError in python (RLIMIT_AS), heap limit in node', needsSandbox, async () => {
  const p = await py('a = bytearray(4 << 30)', { sandbox: fallback });
  assert.match(p.stderr, /MemoryError/);
  assert.equal(p.limitHit, 'memory');
  const n = await js('const xs = []; for (;;) xs.push(new Array(1e6).fill(1.5));', { sandbox: fallback, timeoutMs: 5000 });
  assert.equal(n.limitHit, 'memory', n.stderr.slice(-300));
});

test('spinning forever ends at the timeout, with its children', needsSandbox, async () => {
  const marker = `987.${digits}4`;
  const r = await py(`${pySleepers(marker, 3)}while True: pass`, { timeoutMs: 1500 });
  assert.equal(r.limitHit, 'timeout');
  assert.deepEqual(survivors(marker), []);
  const n = await js('for (;;) {}', { timeoutMs: 1000 });
  assert.equal(n.limitHit, 'timeout');
});

test('CPU time is limited by RLIMIT_CPU', needsSandbox, async () => {
  // Ended by the CPU limit (SIGXCPU after 1 s of CPU), not by the 6 s wall clock.
  const r = await py('while True: pass', { cpuSeconds: 1, timeoutMs: 6000 });
  assert.equal(r.limitHit, 'cpu');
  assert.equal(r.signal, 'SIGXCPU');
});

test('megabytes of output are truncated at the cap', needsSandbox, async () => {
  const r = await py('import sys\nsys.stdout.write("x" * (16 << 20))\nsys.stderr.write("y" * (16 << 20))');
  assert.equal(r.truncated, true);
  assert.equal(r.limitHit, 'output');
  assert.equal(r.exitCode, 0);
  assert.ok(r.stdout.length <= execution.maxOutputBytes && r.stderr.length <= execution.maxOutputBytes);
  // Written with back-pressure: a plain loop would only fill node's own write buffer (a memory hit).
  const endless = await js('const chunk = "z".repeat(65536); const more = () => process.stdout.write(chunk, more); more();', { timeoutMs: 1500 });
  assert.equal(endless.truncated, true);
  assert.equal(endless.limitHit, 'timeout');
  assert.ok(endless.stdout.length <= execution.maxOutputBytes);
});

test('nothing is left in the sandbox cgroups or scratch dirs', () => {
  assert.deepEqual(readdirSync('/tmp').filter((n) => n.startsWith(`critic-run-${process.pid}-`)), []);
  const own = readFileSync('/proc/self/cgroup', 'utf8').match(/:memory:(.*)/)?.[1];
  const dir = own && `/sys/fs/cgroup/memory${own}/critic`;
  if (dir && existsSync(dir)) {
    const left = readdirSync(dir).filter((n) => n.startsWith(`${process.pid}-`) && statSync(`${dir}/${n}`).isDirectory());
    assert.deepEqual(left, []);
  }
});
