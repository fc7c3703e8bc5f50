/**
 * The seccomp filter bubblewrap installs (`--seccomp FD`) before it starts the code under
 * critique: a classic BPF program assembled here, so there is no native dependency.
 *
 * What it denies and why: interfaces that reach past the namespaces bubblewrap creates (the
 * kernel keyring is per user, not per namespace; kernel modules, kexec, swap, the clock and the
 * kernel log are global), interfaces that let one process read or steer another (ptrace,
 * process_vm_*, pidfd_getfd, kcmp), large attack surface that untrusted code never needs (bpf,
 * perf_event_open, userfaultfd, io_uring, the NUMA calls, open_by_handle_at) and everything that
 * changes mounts or namespaces. Denied calls fail with EPERM, so programs that probe for them see
 * an ordinary "not allowed" instead of dying. Like flatpak: clone3 fails with ENOSYS so the C
 * library falls back to clone, whose flags (unlike clone3's, which sit behind a pointer) the
 * filter can read and refuse when they ask for a new namespace; socket() is limited to the
 * families that are namespaced (AF_VSOCK, for one, reaches the hypervisor from any namespace);
 * personality() only to the default and to queries (no ADDR_NO_RANDOMIZE); x32 system calls and
 * any other architecture (i386 through int 0x80) are refused outright.
 */

/** The architectures the filter knows the system call numbers of (Node's `process.arch`). */
export type SeccompArch = 'x64' | 'arm64';

export function seccompArch(arch: string = process.arch): SeccompArch | undefined {
  return arch === 'x64' || arch === 'arm64' ? arch : undefined;
}

// linux/audit.h: EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE, EM_AARCH64 | same.
const auditArch = { x64: 0xc000003e, arm64: 0xc00000b7 } as const;
const x32Bit = 0x40000000;

const EPERM = 1;
const ENOSYS = 38;
const EAFNOSUPPORT = 97;

const RET_KILL_PROCESS = 0x80000000;
const RET_ERRNO = 0x00050000;
const RET_ALLOW = 0x7fff0000;

/** Denied with EPERM. Numbers from asm/unistd_64.h (x64) and asm-generic/unistd.h (arm64). */
const denied: Record<string, { x64?: number; arm64?: number }> = {
  keyctl: { x64: 250, arm64: 219 },
  add_key: { x64: 248, arm64: 217 },
  request_key: { x64: 249, arm64: 218 },
  ptrace: { x64: 101, arm64: 117 },
  process_vm_readv: { x64: 310, arm64: 270 },
  process_vm_writev: { x64: 311, arm64: 271 },
  pidfd_getfd: { x64: 438, arm64: 438 },
  kcmp: { x64: 312, arm64: 272 },
  bpf: { x64: 321, arm64: 280 },
  perf_event_open: { x64: 298, arm64: 241 },
  userfaultfd: { x64: 323, arm64: 282 },
  mount: { x64: 165, arm64: 40 },
  umount2: { x64: 166, arm64: 39 },
  pivot_root: { x64: 155, arm64: 41 },
  chroot: { x64: 161, arm64: 51 },
  move_mount: { x64: 429, arm64: 429 },
  open_tree: { x64: 428, arm64: 428 },
  fsopen: { x64: 430, arm64: 430 },
  fsconfig: { x64: 431, arm64: 431 },
  fsmount: { x64: 432, arm64: 432 },
  fspick: { x64: 433, arm64: 433 },
  mount_setattr: { x64: 442, arm64: 442 },
  unshare: { x64: 272, arm64: 97 },
  setns: { x64: 308, arm64: 268 },
  kexec_load: { x64: 246, arm64: 104 },
  kexec_file_load: { x64: 320, arm64: 294 },
  init_module: { x64: 175, arm64: 105 },
  finit_module: { x64: 313, arm64: 273 },
  delete_module: { x64: 176, arm64: 106 },
  create_module: { x64: 174 },
  get_kernel_syms: { x64: 177 },
  query_module: { x64: 178 },
  uselib: { x64: 134 },
  iopl: { x64: 172 },
  ioperm: { x64: 173 },
  _sysctl: { x64: 156 },
  swapon: { x64: 167, arm64: 224 },
  swapoff: { x64: 168, arm64: 225 },
  reboot: { x64: 169, arm64: 142 },
  syslog: { x64: 103, arm64: 116 },
  acct: { x64: 163, arm64: 89 },
  quotactl: { x64: 179, arm64: 60 },
  quotactl_fd: { x64: 443, arm64: 443 },
  nfsservctl: { x64: 180, arm64: 42 },
  vhangup: { x64: 153, arm64: 58 },
  lookup_dcookie: { x64: 212, arm64: 18 },
  settimeofday: { x64: 164, arm64: 170 },
  clock_settime: { x64: 227, arm64: 112 },
  clock_adjtime: { x64: 305, arm64: 266 },
  adjtimex: { x64: 159, arm64: 171 },
  sethostname: { x64: 170, arm64: 161 },
  setdomainname: { x64: 171, arm64: 162 },
  open_by_handle_at: { x64: 304, arm64: 265 },
  name_to_handle_at: { x64: 303, arm64: 264 },
  fanotify_init: { x64: 300, arm64: 262 },
  mbind: { x64: 237, arm64: 235 },
  migrate_pages: { x64: 256, arm64: 238 },
  move_pages: { x64: 279, arm64: 239 },
  set_mempolicy: { x64: 238, arm64: 237 },
  set_mempolicy_home_node: { x64: 450, arm64: 450 },
  process_madvise: { x64: 440, arm64: 440 },
};

/** Fail with ENOSYS, so callers fall back to an older interface (libuv to epoll, glibc to clone). */
const unimplemented: Record<string, { x64: number; arm64: number }> = {
  clone3: { x64: 435, arm64: 435 },
  io_uring_setup: { x64: 425, arm64: 425 },
  io_uring_enter: { x64: 426, arm64: 426 },
  io_uring_register: { x64: 427, arm64: 427 },
};

const special = {
  clone: { x64: 56, arm64: 220 },
  socket: { x64: 41, arm64: 198 },
  personality: { x64: 135, arm64: 92 },
} as const;

/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET (CLONE_NEWTIME overlaps clone()'s exit-signal byte). */
const cloneNamespaceFlags = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;
/** AF_UNIX, AF_INET, AF_INET6, AF_NETLINK: namespaced, and what interpreters use (getifaddrs needs netlink). */
const allowedSocketFamilies = [1, 2, 10, 16];

/** The names of the calls the filter refuses (EPERM) on an architecture, for tests and docs. */
export function deniedSyscalls(arch: SeccompArch): { name: string; nr: number }[] {
  return Object.entries(denied).flatMap(([name, nrs]) => (nrs[arch] === undefined ? [] : [{ name, nr: nrs[arch]! }]));
}

/** System call numbers of the specially handled calls, for tests. */
export function syscallNumber(name: keyof typeof special | keyof typeof unimplemented, arch: SeccompArch): number {
  return ({ ...special, ...unimplemented } as Record<string, { x64: number; arm64: number }>)[name]![arch];
}

// Classic BPF opcodes (linux/filter.h).
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;

const offsetNr = 0;
const offsetArch = 4;
/** Low 32 bits of args[0] (both supported architectures are little-endian). */
const offsetArg0 = 16;

type Insn = { code: number; k: number; jt?: string; jf?: string } | { label: string };

/** A tiny assembler: conditional jumps name labels; offsets are resolved (forward only, ≤ 255). */
function assemble(program: Insn[]): Buffer {
  const labels = new Map<string, number>();
  const code: Exclude<Insn, { label: string }>[] = [];
  for (const i of program) {
    if ('label' in i) labels.set(i.label, code.length);
    else code.push(i);
  }
  const buf = Buffer.alloc(code.length * 8);
  code.forEach((i, pc) => {
    const rel = (label: string | undefined) => {
      if (label === undefined) return 0;
      const at = labels.get(label);
      if (at === undefined) throw new Error(`seccomp: unknown label ${label}`);
      const off = at - pc - 1;
      if (off < 0 || off > 255) throw new Error(`seccomp: jump to ${label} out of range (${off})`);
      return off;
    };
    buf.writeUInt16LE(i.code, pc * 8);
    buf.writeUInt8(rel(i.jt), pc * 8 + 2);
    buf.writeUInt8(rel(i.jf), pc * 8 + 3);
    buf.writeUInt32LE(i.k >>> 0, pc * 8 + 4);
  });
  return buf;
}

const ld = (offset: number): Insn => ({ code: LD_W_ABS, k: offset });
const jeq = (k: number, jt: string): Insn => ({ code: JEQ_K, k, jt });
const ret = (k: number): Insn => ({ code: RET_K, k });

function archBlock(arch: SeccompArch): Insn[] {
  const p = (s: string) => `${arch}-${s}`;
  const block: Insn[] = [{ label: p('start') }, ld(offsetNr)];
  if (arch === 'x64') block.push({ code: JGE_K, k: x32Bit, jt: p('eperm') });
  block.push(jeq(special.clone[arch], p('clone')), jeq(special.socket[arch], p('socket')), jeq(special.personality[arch], p('personality')));
  for (const nrs of Object.values(unimplemented)) block.push(jeq(nrs[arch], p('enosys')));
  for (const { nr } of deniedSyscalls(arch)) block.push(jeq(nr, p('eperm')));
  block.push(ret(RET_ALLOW));
  block.push({ label: p('clone') }, ld(offsetArg0), { code: JSET_K, k: cloneNamespaceFlags, jt: p('eperm') }, ret(RET_ALLOW));
  block.push({ label: p('socket') }, ld(offsetArg0));
  for (const family of allowedSocketFamilies) block.push(jeq(family, p('allow')));
  block.push(ret(RET_ERRNO | EAFNOSUPPORT));
  // 0: the default persona; 0xffffffff: a query that changes nothing.
  block.push({ label: p('personality') }, ld(offsetArg0), jeq(0, p('allow')), jeq(0xffffffff, p('allow')));
  block.push({ label: p('eperm') }, ret(RET_ERRNO | EPERM));
  block.push({ label: p('enosys') }, ret(RET_ERRNO | ENOSYS));
  block.push({ label: p('allow') }, ret(RET_ALLOW));
  return block;
}

/**
 * The filter as bubblewrap reads it from its `--seccomp` descriptor: an array of
 * `struct sock_filter` in host byte order. Every architecture other than `arch` is killed (a
 * 32-bit system call made by a 64-bit process would otherwise be checked against the wrong numbers).
 */
export function seccompProgram(arch: SeccompArch): Buffer {
  return assemble([ld(offsetArch), jeq(auditArch[arch], `${arch}-start`), ret(RET_KILL_PROCESS), ...archBlock(arch)]);
}
