/**
 * Bubblewrap: finding it, proving it works here (user namespaces can be disabled or restricted by
 * AppArmor), and building its command line.
 */
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { release } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import type { ExecPort } from '../types.js';
import type { Mask } from './hidden.js';
import type { ProbeCache } from './probeCache.js';
import { seccompArch, seccompProgram } from './seccomp.js';

export interface BwrapInfo {
  path: string;
  /** A user namespace of our own (always, unless only a setuid bwrap without user namespaces works). */
  userns: boolean;
  /** `--disable-userns` (0.8+): code inside cannot create a nested user namespace. */
  disableUserns: boolean;
  /** `--size` for tmpfs (0.8+). */
  tmpfsSize: boolean;
}

export type BwrapProbe = { ok: true; info: BwrapInfo } | { ok: false; reason: string };

/** Looks for an executable on PATH (no `which`: it may not exist, and this is cheaper). */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of [...path.split(delimiter), '/usr/bin', '/bin', '/usr/sbin']) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

const probes = new Map<string, Promise<BwrapProbe>>();

/**
 * Runs a trivial sandbox once per process and bubblewrap path, with the same flags real runs use;
 * the answer is cached because it cannot change while we run.
 */
export function probeBwrap(exec: ExecPort, path: string, cache?: ProbeCache): Promise<BwrapProbe> {
  let p = probes.get(path);
  if (!p) {
    p = cache ? rememberedProbe(exec, path, cache) : probe(exec, path);
    probes.set(path, p);
  }
  return p;
}

/** What decides whether namespaces work here besides the binary: the boot, the kernel and its user-namespace switches. */
function hostParts(): string[] {
  const read = (f: string) => {
    try {
      return readFileSync(f, 'utf8').trim();
    } catch {
      return '-';
    }
  };
  const sysctls = ['/proc/sys/kernel/random/boot_id', '/proc/sys/user/max_user_namespaces', '/proc/sys/kernel/unprivileged_userns_clone', '/proc/sys/kernel/apparmor_restrict_unprivileged_userns'];
  return [release(), String(typeof process.getuid === 'function' ? process.getuid() : -1), ...sysctls.map(read)];
}

/** A working probe is remembered on disk (per boot, kernel and bubblewrap binary); a failing one is asked again. */
async function rememberedProbe(exec: ExecPort, path: string, cache: ProbeCache): Promise<BwrapProbe> {
  const parts = [path, ...hostParts()];
  const hit = await cache.get('bwrap', parts, (v) => {
    const i = v as BwrapInfo | undefined;
    const bool = (b: unknown) => typeof b === 'boolean';
    return i && i.path === path && bool(i.userns) && bool(i.disableUserns) && bool(i.tmpfsSize) ? { path, userns: i.userns, disableUserns: i.disableUserns, tmpfsSize: i.tmpfsSize } : undefined;
  });
  if (hit) return { ok: true, info: hit };
  const found = await probe(exec, path);
  if (found.ok) await cache.set('bwrap', parts, found.info, [path]);
  return found;
}

async function probe(exec: ExecPort, path: string): Promise<BwrapProbe> {
  if (!existsSync(path)) return { ok: false, reason: `bubblewrap (bwrap) is not installed (looked for ${path})` };
  let help = '';
  try {
    const r = await exec.run({ command: path, args: ['--help'], env: {}, timeoutMs: 10_000 });
    help = r.stdout + r.stderr;
  } catch (err) {
    return { ok: false, reason: `bubblewrap at ${path} cannot be started (${(err as Error).message})` };
  }
  const tmpfsSize = help.includes('--size');
  // Strongest first. Some kernels refuse the nested-namespace lock, and a setuid bubblewrap may
  // have no user namespaces at all; both still isolate (capabilities are dropped either way).
  const variants: BwrapInfo[] = [
    ...(help.includes('--disable-userns') ? [{ path, userns: true, disableUserns: true, tmpfsSize }] : []),
    { path, userns: true, disableUserns: false, tmpfsSize },
    { path, userns: false, disableUserns: false, tmpfsSize },
  ];
  const arch = seccompArch();
  if (!arch) return { ok: false, reason: `the sandbox's seccomp filter knows the system calls of x64 and arm64 only (this is ${process.arch})` };
  const filter = seccompProgram(arch);
  try {
    let why = '';
    for (const info of variants) {
      const layout = { binds: [], masked: [], env: {}, cwd: '/', scratch: '/tmp/probe', tmpSizeBytes: 1 << 20, files: ['/tmp/probe/file'], seccompFd: 3 };
      const args = [...bwrapArgs(info, layout), '--', '/bin/sh', '-c', 'test "$(cat /tmp/probe/file)" = ok'];
      const r = await exec.run({ command: path, args, env: {}, timeoutMs: 10_000, extraInputs: [filter, Buffer.from('ok')] });
      if (r.exitCode === 0) return { ok: true, info };
      why ||= r.stderr.trim().split('\n').pop() || `exit code ${r.exitCode}`;
    }
    return { ok: false, reason: `bubblewrap is installed but cannot create a sandbox here (${why}; user namespaces may be disabled)` };
  } catch (err) {
    return { ok: false, reason: `bubblewrap at ${path} failed (${(err as Error).message})` };
  }
}

export interface BwrapLayout {
  /** Host paths bound read-only at the same path. */
  binds: string[];
  /** Paths inside read-only binds made unreadable: files behind /dev/null (binds are nodev, so opening it fails with EACCES), directories behind an empty tmpfs. */
  masked: Mask[];
  env: Record<string, string>;
  cwd: string;
  /** The scratch directory inside the sandbox: on the /tmp tmpfs, never on the host disk. */
  scratch: string;
  /** Size cap of the /tmp tmpfs (scratch included) in bytes. */
  tmpSizeBytes: number;
  /** Files created in the sandbox from descriptors (`--file FD PATH`), in descriptor order after the seccomp filter. */
  files: string[];
  /** The descriptor the seccomp filter is read from (3: the first extra input). */
  seccompFd?: number;
  /** Project files shown with other text (`--ro-bind-data FD PATH`), in descriptor order after `files`. */
  overlays?: string[];
}

/** Size cap of /dev/shm (POSIX semaphores and shared memory of multiprocessing). */
const shmSizeBytes = 16 << 20;

/** Top-level system directories: bound as they are, or re-created as symlinks (merged /usr). */
const systemDirs = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * The parts of /etc a program needs to start and behave normally: dynamic linker config,
 * Debian's alternatives symlinks, time zone, user and group names (no password hashes: those are
 * in shadow), and Debian Python's sitecustomize. Not bound: shadow/gshadow and /etc/ssh (readable
 * by a process that is root outside), npmrc/pip.conf/gitconfig (may hold tokens), ssl (no network
 * anyway), resolv.conf (no network).
 */
const etcEntries = [
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'alternatives',
  'localtime',
  'timezone',
  'nsswitch.conf',
  'passwd',
  'group',
  'hosts',
  'host.conf',
  'mime.types',
  'os-release',
];

function etcBinds(): string[] {
  const extra = (() => {
    try {
      return readdirSync('/etc').filter((n) => /^python\d(\.\d+)?$/.test(n));
    } catch {
      return [];
    }
  })();
  return [...etcEntries, ...extra].map((n) => `/etc/${n}`).filter((p) => existsSync(p));
}

/** System paths already visible in every sandbox; an interpreter prefix under one needs no bind. */
export function isSystemPath(p: string): boolean {
  return systemDirs.some((d) => p === d || p.startsWith(`${d}/`));
}

/**
 * Builds bubblewrap's arguments (without the trailing `-- command`). Order matters: the /tmp tmpfs
 * comes before binds that live below /tmp (projects and scratch dirs made by mkdtemp), and the
 * root is remounted read-only last so nothing can be created outside the scratch dir and /tmp.
 */
export function bwrapArgs(info: BwrapInfo, layout: BwrapLayout): string[] {
  const a: string[] = ['--unshare-all', ...(info.userns ? ['--unshare-user'] : []), '--die-with-parent', '--new-session'];
  // Running as root, bubblewrap keeps every capability unless told otherwise, and CAP_SYS_ADMIN
  // inside the sandbox's user namespace can remount a read-only bind read-write.
  a.push('--cap-drop', 'ALL');
  if (info.disableUserns) a.push('--disable-userns');
  if (layout.seccompFd !== undefined) a.push('--seccomp', String(layout.seccompFd));
  a.push('--hostname', 'sandbox', '--clearenv');
  for (const d of systemDirs) {
    let st;
    try {
      st = lstatSync(d);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) a.push('--symlink', readlinkSync(d), d);
    else if (st.isDirectory()) a.push('--ro-bind', d, d);
  }
  for (const e of etcBinds()) a.push('--ro-bind', e, e);
  // bubblewrap mounts every tmpfs nosuid,nodev; /dev itself is made read-only below, so the only
  // writable places are these two capped tmpfs.
  a.push('--proc', '/proc', '--dev', '/dev');
  if (info.tmpfsSize) a.push('--size', String(shmSizeBytes));
  a.push('--tmpfs', '/dev/shm');
  if (info.tmpfsSize) a.push('--size', String(layout.tmpSizeBytes));
  a.push('--tmpfs', '/tmp', '--dir', layout.scratch);
  const dirs = new Set<string>();
  for (const f of layout.files) {
    for (let d = dirname(f); d.startsWith(`${layout.scratch}/`) && !dirs.has(d); d = dirname(d)) dirs.add(d);
  }
  for (const d of [...dirs].sort()) a.push('--dir', d);
  layout.files.forEach((f, i) => a.push('--file', String((layout.seccompFd ?? 2) + 1 + i), f));
  for (const b of layout.binds) a.push('--ro-bind', b, b);
  for (const m of layout.masked) {
    if (!m.dir) a.push('--ro-bind', '/dev/null', m.path);
    else a.push(...(info.tmpfsSize ? ['--size', '4096'] : []), '--tmpfs', m.path, '--remount-ro', m.path);
  }
  // After the project's bind, so the text is mounted over the saved file.
  (layout.overlays ?? []).forEach((f, i) => a.push('--ro-bind-data', String((layout.seccompFd ?? 2) + 1 + layout.files.length + i), f));
  a.push('--remount-ro', '/dev', '--remount-ro', '/');
  for (const [k, v] of Object.entries(layout.env)) a.push('--setenv', k, v);
  a.push('--chdir', layout.cwd);
  return a;
}
