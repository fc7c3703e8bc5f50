// Code under critique that reaches for the kernel and the host disk: the seccomp filter, the
// private capped scratch tmpfs, setuid bits, and what a Critic killed with SIGKILL leaves behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { out, tempProject } from './support/engine.mjs';
import { needsSandbox, realSandbox } from './support/sandbox.mjs';
import { processesMentioning } from './support/processes.mjs';

const { deniedSyscalls, syscallNumber, seccompArch } = await import(out('engine/sandbox/seccomp.js'));

const arch = seccompArch();
const sandbox = await realSandbox({ memoryMb: 256 });
const project = tempProject({ 'm.py': 'def f():\n    return 1\n' });
test.after(() => project.cleanup());
const py = (code, over = {}) => sandbox.run({ interpreter: 'python', args: ['-c', code], projectRoot: project.root, timeoutMs: 10_000, ...over });

/** The calls issue 8 names, plus the rest a sandbox reviewer expects; each must be in the filter. */
const mustDeny = [
  'keyctl', 'add_key', 'request_key', 'ptrace', 'bpf', 'perf_event_open', 'userfaultfd',
  'mount', 'umount2', 'pivot_root', 'move_mount', 'open_tree', 'fsopen', 'fsmount', 'fsconfig', 'fspick', 'mount_setattr',
  'unshare', 'setns', 'kexec_load', 'kexec_file_load', 'init_module', 'finit_module', 'delete_module',
  'process_vm_readv', 'process_vm_writev', 'pidfd_getfd', 'chroot', 'swapon', 'swapoff', 'reboot', 'syslog',
  'open_by_handle_at', 'name_to_handle_at', 'fanotify_init', 'acct', 'quotactl', 'sethostname', 'setdomainname',
];

/** Runs `syscall(nr, 0, …)` for each call inside the sandbox and returns name → errno (or `ok:<result>`). */
async function errnos(calls) {
  const code = [
    'import ctypes, json, os',
    'libc = ctypes.CDLL(None, use_errno=True)',
    'libc.syscall.restype = ctypes.c_long',
    `calls = ${JSON.stringify(calls)}`,
    'res = {}',
    'for name, nr, args in calls:',
    '    ctypes.set_errno(0)',
    '    r = libc.syscall(ctypes.c_long(nr), *[ctypes.c_long(a) for a in args])',
    '    if r == 0 and name.startswith("clone"):',
    '        os._exit(0)',
    '    res[name] = ctypes.get_errno() if r == -1 else "ok:%d" % r',
    'print(json.dumps(res))',
  ].join('\n');
  const r = await py(code);
  assert.equal(r.exitCode, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('the filter knows the system call numbers this kernel uses', { skip: !existsSync('/usr/include/x86_64-linux-gnu/asm/unistd_64.h') || arch !== 'x64' ? 'no x86_64 kernel headers to compare with' : false }, () => {
  const header = readFileSync('/usr/include/x86_64-linux-gnu/asm/unistd_64.h', 'utf8');
  const nr = (name) => Number(new RegExp(`#define __NR_${name}\\s+(\\d+)`).exec(header)?.[1]);
  const denied = new Map(deniedSyscalls('x64').map((d) => [d.name, d.nr]));
  for (const name of mustDeny) assert.equal(denied.get(name), nr(name), name);
  for (const name of ['clone', 'clone3', 'socket', 'personality', 'io_uring_setup']) assert.equal(syscallNumber(name, 'x64'), nr(name), name);
});

test('every kernel interface that crosses the sandbox fails with EPERM inside it', needsSandbox, async () => {
  const nrs = new Map(deniedSyscalls(arch).map((d) => [d.name, d.nr]));
  const calls = deniedSyscalls(arch).map((d) => [d.name, d.nr, [0, 0, 0, 0, 0, 0]]);
  for (const name of mustDeny) assert.ok(nrs.has(name), `${name} is not in the filter`);
  // The session keyring (KEYCTL_GET_KEYRING_ID of KEY_SPEC_SESSION_KEYRING) is per user, not per namespace.
  calls.push(['keyctl-session', nrs.get('keyctl'), [0, -3, 0, 0, 0, 0]]);
  // unshare(0) and PTRACE_TRACEME succeed unfiltered: a real difference, not an error the kernel would give anyway.
  const got = await errnos(calls);
  const wrong = Object.entries(got).filter(([, e]) => e !== 1);
  assert.deepEqual(wrong, [], `not EPERM: ${JSON.stringify(wrong)}`);
});

test('clone3 is ENOSYS (so the C library uses clone, whose flags the filter reads); clone with namespace flags, x32 calls, odd personas and socket families are refused', needsSandbox, async () => {
  const SIGCHLD = 17;
  const calls = [
    ['clone3', syscallNumber('clone3', arch), [0, 0, 0, 0, 0, 0]],
    ['io_uring_setup', syscallNumber('io_uring_setup', arch), [1, 0, 0, 0, 0, 0]],
    ['clone-newnet', syscallNumber('clone', arch), [0x40000000 | SIGCHLD, 0, 0, 0, 0, 0]],
    ['clone-newuser', syscallNumber('clone', arch), [0x10000000 | SIGCHLD, 0, 0, 0, 0, 0]],
    // ADDR_NO_RANDOMIZE would switch off address-space randomisation.
    ['personality-no-aslr', syscallNumber('personality', arch), [0x0040000, 0, 0, 0, 0, 0]],
    ['socket-vsock', syscallNumber('socket', arch), [40, 1, 0, 0, 0, 0]],
    ['socket-packet', syscallNumber('socket', arch), [17, 3, 0, 0, 0, 0]],
    ...(arch === 'x64' ? [['x32-getpid', 0x40000000 | 39, [0, 0, 0, 0, 0, 0]]] : []),
  ];
  const got = await errnos(calls);
  assert.deepEqual(got, {
    clone3: 38,
    io_uring_setup: 38,
    'clone-newnet': 1,
    'clone-newuser': 1,
    'personality-no-aslr': 1,
    'socket-vsock': 97,
    'socket-packet': 97,
    ...(arch === 'x64' ? { 'x32-getpid': 1 } : {}),
  });
});

test('ordinary Python and Node still work under the filter: threads, subprocess, multiprocessing, asyncio, sockets, workers', needsSandbox, async () => {
  const code = [
    'import asyncio, multiprocessing, os, socket, subprocess, threading',
    'out = []',
    't = threading.Thread(target=lambda: out.append("thread")); t.start(); t.join()',
    'out.append(subprocess.run(["echo", "child"], capture_output=True, text=True).stdout.strip())',
    'if __name__ == "__main__":',
    '    with multiprocessing.Pool(2) as p: out.append(str(sum(p.map(abs, [-1, -2]))))',
    'out.append(asyncio.run(asyncio.sleep(0, result="async")))',
    'a, b = socket.socketpair(); a.send(b"pair"); out.append(b.recv(4).decode())',
    'pid = os.fork()',
    'if pid == 0: os._exit(7)',
    'out.append(str(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])))',
    'print(" ".join(out))',
  ].join('\n');
  const r = await sandbox.run({ interpreter: 'python', args: ['main.py'], files: { 'main.py': code }, projectRoot: project.root, timeoutMs: 15_000 });
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'thread child 3 async pair 7\n');
  const js = [
    "const { Worker } = require('node:worker_threads');",
    "const { execFileSync } = require('node:child_process');",
    "const fs = require('node:fs/promises');",
    'new Worker("require(\'node:worker_threads\').parentPort.postMessage(6 * 7)", { eval: true }).on(\'message\', async (n) => {',
    "  await fs.writeFile('x.txt', 'file');",
    "  console.log(n, execFileSync('echo', ['child']).toString().trim(), await fs.readFile('x.txt', 'utf8'), require('node:crypto').randomBytes(4).length);",
    '});',
  ].join('\n');
  const n = await sandbox.run({ interpreter: 'node', args: ['-e', js], projectRoot: project.root, timeoutMs: 15_000 });
  assert.equal(n.stderr, '');
  assert.equal(n.stdout, '42 child file 4\n');
});

test('the scratch area is a capped tmpfs inside the sandbox: writing past the cap fails with ENOSPC and is reported', needsSandbox, async () => {
  const code = [
    'import os',
    'print(os.environ["HOME"] == os.getcwd(), [l.split(" - ")[1].split()[0] for l in open("/proc/self/mountinfo") if l.split()[4] == "/tmp"])',
    'with open("big", "wb") as f:',
    '    for _ in range(1024):',
    '        f.write(b"x" * (1 << 20))',
    '        f.flush()',
  ].join('\n');
  const r = await py(code);
  assert.match(r.stdout, /^True \['tmpfs'\]\n/);
  assert.match(r.stderr, /No space left on device/);
  assert.equal(r.limitHit, 'disk');
});

test('nothing the code writes is ever on the host disk, and a setuid bit cannot be used', needsSandbox, async () => {
  const marker = `critic-planted-${randomBytes(6).toString('hex')}`;
  const code = [
    'import os, shutil, subprocess, sys, time',
    `shutil.copy("/bin/sh", "${marker}")`,
    `os.chmod("${marker}", 0o4755)`,
    `for d in ["/tmp", "/dev/shm"]:`,
    '    print(d, [l.split()[5] for l in open("/proc/self/mountinfo") if l.split()[4] == d][0])',
    `print(oct(os.stat("${marker}").st_mode & 0o7777), os.path.abspath("${marker}"), flush=True)`,
    'time.sleep(1.5)',
  ].join('\n');
  const host = () => readdirSync(tmpdir()).filter((n) => n.startsWith('critic-run-')).flatMap((d) => {
    try {
      return readdirSync(join(tmpdir(), d)).filter((n) => n === marker).map((n) => join(tmpdir(), d, n));
    } catch {
      return [];
    }
  });
  const run = py(code);
  const seen = [];
  // While the code runs (it waits 1.5 s), look for its file on the host.
  for (let i = 0; i < 10; i++) {
    await new Promise((r) => setTimeout(r, 100));
    seen.push(...host());
  }
  const r = await run;
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /^\/tmp rw,nosuid,nodev\b/m);
  assert.match(r.stdout, /^\/dev\/shm rw,nosuid,nodev\b/m);
  assert.match(r.stdout, /^0o4755 \/tmp\/critic-run-/m);
  assert.deepEqual(seen, [], 'the planted setuid binary was on the host disk');
});

test('Critic killed with SIGKILL mid-run leaves no process, no scratch dir and (after the next start) no cgroup', needsSandbox, async () => {
  const marker = `986.${Date.now() % 1e6}${Math.floor(Math.random() * 1000)}`;
  const script = [
    `const { createSandbox } = await import(${JSON.stringify(out('engine/sandbox/sandbox.js'))});`,
    `const { nodeExec } = await import(${JSON.stringify(out('engine/nodePorts.js'))});`,
    `const { defaultConfig } = await import(${JSON.stringify(out('engine/config.js'))});`,
    `const { silentLogger } = await import(${JSON.stringify(out('engine/types.js'))});`,
    'const sb = await createSandbox({ exec: nodeExec, log: silentLogger, execution: defaultConfig().execution });',
    `sb.run({ interpreter: 'python', args: ['-c', 'import subprocess, time\\nsubprocess.Popen(["sleep", "${marker}"], start_new_session=True)\\nopen("data", "w").write("x" * 1000)\\nprint("ready", flush=True)\\ntime.sleep(60)'], projectRoot: ${JSON.stringify(project.root)}, timeoutMs: 60000 }).then(() => {});`,
    `setInterval(() => {}, 1000);`,
  ].join('\n');
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = child.pid;
  // Wait until the sleeper exists inside the sandbox, then kill Critic without warning.
  for (let i = 0; i < 200 && processesMentioning(marker).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  assert.notDeepEqual(processesMentioning(marker), [], 'the sandboxed sleeper never started');
  child.kill('SIGKILL');
  await new Promise((r) => child.on('exit', r));
  for (let i = 0; i < 100 && processesMentioning(marker).length; i++) await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(processesMentioning(marker), [], 'a sandboxed process outlived Critic');
  assert.deepEqual(readdirSync(tmpdir()).filter((n) => n.startsWith(`critic-run-${pid}-`) || n.startsWith(`critic-io-${pid}-`)), []);
  // The next Critic to start removes the dead one's cgroups.
  await realSandbox();
  const own = readFileSync('/proc/self/cgroup', 'utf8');
  const dirs = [];
  for (const m of own.matchAll(/^\d+:([^:]*):(.*)$/gm)) {
    const base = m[1] ? `/sys/fs/cgroup/${m[1].split(',')[0]}${m[2]}` : `/sys/fs/cgroup${m[2]}`;
    dirs.push(join(base, 'critic'));
  }
  for (const d of dirs.filter((x) => existsSync(x))) {
    const left = readdirSync(d).filter((n) => n.startsWith(`${pid}-`) && statSync(join(d, n)).isDirectory());
    assert.deepEqual(left, [], `stale cgroups of the killed Critic in ${d}`);
  }
});

test('descriptors Critic inherited from its own parent are closed before the code starts', needsSandbox, async () => {
  // A Critic whose parent left descriptor 20 open (a terminal's or an editor's pipe) runs code that looks for it.
  const script = [
    `const { createSandbox } = await import(${JSON.stringify(out('engine/sandbox/sandbox.js'))});`,
    `const { nodeExec } = await import(${JSON.stringify(out('engine/nodePorts.js'))});`,
    `const { defaultConfig } = await import(${JSON.stringify(out('engine/config.js'))});`,
    `const { silentLogger } = await import(${JSON.stringify(out('engine/types.js'))});`,
    'const sb = await createSandbox({ exec: nodeExec, log: silentLogger, execution: defaultConfig().execution });',
    `const code = 'import os\\nfds = sorted(int(f) for f in os.listdir("/proc/self/fd"))\\nprint(fds)\\ntry:\\n    os.write(20, b"escaped")\\nexcept OSError as e:\\n    print("fd 20", e.errno)';`,
    `const r = await sb.run({ interpreter: 'python', args: ['-c', code], files: { 'a.txt': 'a', 'b/c.txt': 'c' }, projectRoot: ${JSON.stringify(project.root)}, timeoutMs: 10000 });`,
    'process.stdout.write(r.stdout + r.stderr);',
  ].join('\n');
  const stdio = ['ignore', 'pipe', 'inherit', ...Array(17).fill('ignore'), 'pipe'];
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio });
  let leaked = '';
  child.stdio[20].on('data', (d) => (leaked += d));
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  await new Promise((r) => child.on('close', r));
  assert.equal(output, '[0, 1, 2, 3]\nfd 20 9\n');
  assert.equal(leaked, '');
});

/** Runs a classic BPF seccomp program on one system call (a test-only interpreter of the opcodes it uses). */
function runFilter(program, { arch: auditArch, nr, args = [] }) {
  const data = Buffer.alloc(64);
  data.writeInt32LE(nr, 0);
  data.writeUInt32LE(auditArch, 4);
  args.forEach((a, i) => data.writeUInt32LE(a >>> 0, 16 + 8 * i));
  let acc = 0;
  for (let pc = 0; pc < program.length / 8; pc++) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    if (code === 0x20) acc = data.readUInt32LE(k);
    else if (code === 0x06) return k;
    else if (code === 0x15) pc += acc === k ? jt : jf;
    else if (code === 0x35) pc += acc >= k ? jt : jf;
    else if (code === 0x45) pc += (acc & k) !== 0 ? jt : jf;
    else throw new Error(`unexpected opcode ${code}`);
  }
  throw new Error('fell off the end');
}

test('the arm64 filter: denied calls get EPERM, ordinary ones pass, and another architecture is killed', async () => {
  const { seccompProgram } = await import(out('engine/sandbox/seccomp.js'));
  const program = seccompProgram('arm64');
  const arm64 = 0xc00000b7;
  const EPERM = 0x00050001;
  const ALLOW = 0x7fff0000;
  for (const { name, nr } of deniedSyscalls('arm64')) assert.equal(runFilter(program, { arch: arm64, nr }), EPERM, name);
  for (const name of ['keyctl', 'ptrace', 'bpf', 'mount', 'unshare', 'setns', 'finit_module']) assert.ok(deniedSyscalls('arm64').some((d) => d.name === name), name);
  // read, write, openat, mmap, exit_group on arm64
  for (const nr of [63, 64, 56, 222, 94]) assert.equal(runFilter(program, { arch: arm64, nr }), ALLOW, String(nr));
  assert.equal(runFilter(program, { arch: arm64, nr: syscallNumber('clone3', 'arm64') }), 0x00050026);
  assert.equal(runFilter(program, { arch: arm64, nr: syscallNumber('clone', 'arm64'), args: [0x11] }), ALLOW);
  assert.equal(runFilter(program, { arch: arm64, nr: syscallNumber('clone', 'arm64'), args: [0x20000000 | 0x11] }), EPERM);
  assert.equal(runFilter(program, { arch: 0xc000003e, nr: 0 }), 0x80000000, 'x86_64 calls under the arm64 filter are killed');
  assert.equal(runFilter(seccompProgram('x64'), { arch: 0x40000003, nr: 1 }), 0x80000000, 'i386 (int 0x80) calls under the x64 filter are killed');
  assert.equal(seccompArch('riscv64'), undefined);
});

test('scratch folders a killed Critic left in the temp folder (limits-only runs) are removed at the next start; nothing else is', async () => {
  const { createSandbox } = await import(out('engine/sandbox/sandbox.js'));
  const { nodeExec } = await import(out('engine/nodePorts.js'));
  const { defaultConfig } = await import(out('engine/config.js'));
  const { silentLogger } = await import(out('engine/types.js'));
  const dead = spawnSync(process.execPath, ['-e', '']).pid;
  const stale = join(tmpdir(), `critic-run-${dead}-Ab12Cd`);
  const io = join(tmpdir(), `critic-io-${dead}-Ef34Gh`);
  const mine = join(tmpdir(), `critic-run-${process.pid}-Ij56Kl`);
  const other = join(tmpdir(), `critic-runner-${dead}-keep`);
  const link = join(tmpdir(), `critic-run-${dead}-Link01`);
  for (const d of [stale, io, mine, other]) mkdirSync(join(d, 'sub'), { recursive: true });
  writeFileSync(join(stale, 'sub', 'big'), 'x');
  symlinkSync(other, link);
  try {
    const sb = await createSandbox({ exec: nodeExec, log: silentLogger, bwrapPath: '/nonexistent/bwrap', execution: { ...defaultConfig().execution, allowUnsandboxed: true } });
    assert.equal(sb.isolation, 'limits-only');
    assert.ok(!existsSync(stale) && !existsSync(io), 'the dead Critic\'s folders are gone');
    assert.ok(existsSync(mine) && existsSync(join(other, 'sub')), 'a live Critic\'s folder and unrelated folders stay');
    assert.ok(existsSync(join(other, 'sub')), 'a symlink is never followed');
  } finally {
    for (const d of [stale, io, mine, other, link]) spawnSync('rm', ['-rf', d]);
  }
});
