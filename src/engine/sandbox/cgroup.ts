/**
 * Memory and process-count limits through cgroups, the only limits that hold for a whole process
 * tree (RLIMIT_NPROC is ignored for root; RLIMIT_AS stops Node from starting at any size).
 *
 * Each controller (memory, pids) is used from wherever this machine mounts it: a cgroup v1
 * hierarchy of its own, or the v2 unified hierarchy when the controller is enabled there. Run
 * groups are created *below this process's own cgroup* (`<own>/critic/<run>`), never at the root:
 * a run must stay inside whatever limits and accounting already apply to the host process.
 * A process joins the run's groups by writing its pid to `cgroup.procs` before exec'ing bubblewrap.
 */
import { mkdir, readFile, readdir, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Logger } from '../types.js';

type Controller = 'memory' | 'pids';

interface Hierarchy {
  version: 1 | 2;
  controllers: Controller[];
  /** `<mount>/<own cgroup>/critic`: the parent of every run group in this hierarchy. */
  parent: string;
}

/** Where this machine lets the sandbox create cgroups; empty when it cannot. */
export interface CgroupSupport {
  hierarchies: Hierarchy[];
  /** For the report and the debug log, e.g. `memory: v1, pids: v1`. */
  describe: string;
}

interface Mount {
  root: string;
  point: string;
  fsType: string;
  superOptions: string[];
}

function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!left || !right) continue;
    const f = left.split(' ');
    const [fsType, , superOpts] = right.split(' ');
    if (!f[3] || !f[4] || !fsType) continue;
    const unescape = (s: string) => s.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    mounts.push({ root: unescape(f[3]), point: unescape(f[4]), fsType, superOptions: (superOpts ?? '').split(',') });
  }
  return mounts;
}

/** `/proc/self/cgroup`: hierarchy-id:controllers:path; v2 is `0::path`. */
function ownCgroups(text: string): { v1: Map<string, string>; v2?: string } {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of text.trim().split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === '0' && m[2] === '') v2 = m[3];
    else for (const c of m[2]!.split(',')) v1.set(c, m[3]!);
  }
  return { v1, v2 };
}

/** Joins a mount point and our cgroup path, allowing for a mount of a subtree (containers). */
function dirFor(mount: Mount, own: string): string | undefined {
  if (mount.root === '/') return join(mount.point, own);
  if (own === mount.root || own.startsWith(`${mount.root}/`)) return join(mount.point, own.slice(mount.root.length));
  return undefined;
}

async function tryWrite(file: string, text: string): Promise<boolean> {
  try {
    await writeFile(file, text);
    return true;
  } catch {
    return false;
  }
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Creates `<dir>/critic` and a throw-away child in it: the only reliable test of write access. */
async function usableParent(dir: string, version: 1 | 2, controllers: Controller[]): Promise<string | undefined> {
  const parent = join(dir, 'critic');
  try {
    await mkdir(parent, { recursive: true });
    if (version === 2 && !(await enableV2(parent, controllers))) return undefined;
    const probe = join(parent, `probe-${process.pid}-${Date.now()}`);
    await mkdir(probe);
    const file = version === 1 ? (controllers[0] === 'memory' ? 'memory.limit_in_bytes' : 'pids.max') : controllers.includes('memory') ? 'memory.max' : 'pids.max';
    const ok = (await readText(join(probe, file))) !== undefined;
    await rmdir(probe);
    await removeStale(parent);
    await rmdir(parent).catch(() => undefined);
    return ok ? parent : undefined;
  } catch {
    return undefined;
  }
}

async function enableV2(dir: string, controllers: Controller[]): Promise<boolean> {
  const enabled = (await readText(join(dir, 'cgroup.subtree_control')))?.split(/\s+/) ?? [];
  for (const c of controllers) if (!enabled.includes(c)) await tryWrite(join(dir, 'cgroup.subtree_control'), `+${c}`);
  const now = (await readText(join(dir, 'cgroup.subtree_control')))?.split(/\s+/) ?? [];
  return controllers.every((c) => now.includes(c));
}

/** Run groups left behind by a process that died mid-run (named `<pid>-…`): their processes are killed, the groups removed. */
async function removeStale(parent: string, h?: Hierarchy): Promise<void> {
  for (const name of await readdir(parent).catch(() => [] as string[])) {
    const pid = /^(\d+)-/.exec(name)?.[1];
    if (!pid || Number(pid) === process.pid) continue;
    if ((await readText(`/proc/${pid}/stat`)) !== undefined) continue;
    if (h) await RunCgroups.adopt([{ h, dir: join(parent, name) }]).remove();
    else await rmdir(join(parent, name)).catch(() => undefined);
  }
}

/**
 * Removes the run groups of Critic processes that are gone (killed with SIGKILL mid-run), killing
 * anything still inside them first. Called whenever a sandbox is created.
 */
export async function removeStaleCgroups(support: CgroupSupport): Promise<void> {
  for (const h of support.hierarchies) await removeStale(h.parent, h);
}

/** True when run groups will limit this controller. */
export function hasController(support: CgroupSupport, c: Controller): boolean {
  return support.hierarchies.some((h) => h.controllers.includes(c));
}

let detected: Promise<CgroupSupport> | undefined;

/** Finds usable memory and pids controllers once per process. Never throws. */
export function detectCgroups(log: Logger): Promise<CgroupSupport> {
  detected ??= detect().catch((err: unknown) => {
    log.debug(`sandbox: cgroups unusable (${(err as Error).message})`);
    return { hierarchies: [], describe: 'none' };
  });
  return detected;
}

async function detect(): Promise<CgroupSupport> {
  if (process.platform !== 'linux') return { hierarchies: [], describe: 'none (not Linux)' };
  const mounts = parseMountinfo((await readText('/proc/self/mountinfo')) ?? '');
  const own = ownCgroups((await readText('/proc/self/cgroup')) ?? '');
  const hierarchies: Hierarchy[] = [];
  const wanted: Controller[] = ['memory', 'pids'];
  const placed = new Set<Controller>();
  for (const c of wanted) {
    const m = mounts.find((x) => x.fsType === 'cgroup' && x.superOptions.includes(c));
    const ownPath = own.v1.get(c);
    if (!m || ownPath === undefined) continue;
    const dir = dirFor(m, ownPath);
    const parent = dir && (await usableParent(dir, 1, [c]));
    if (parent) {
      hierarchies.push({ version: 1, controllers: [c], parent });
      placed.add(c);
    }
  }
  const rest = wanted.filter((c) => !placed.has(c));
  const unified = mounts.find((x) => x.fsType === 'cgroup2');
  if (rest.length && unified && own.v2 !== undefined) {
    const dir = dirFor(unified, own.v2);
    const available = dir ? ((await readText(join(dir, 'cgroup.controllers'))) ?? '').split(/\s+/) : [];
    // Enabling a controller for children fails (EBUSY) when our own group holds processes and is
    // not the root; then there is simply no v2 limit (unless the group was delegated that way).
    if (dir) await enableV2(dir, rest.filter((c) => available.includes(c)));
    const delegated = dir ? ((await readText(join(dir, 'cgroup.subtree_control'))) ?? '').split(/\s+/) : [];
    const usable = rest.filter((c) => delegated.includes(c));
    const parent = dir && usable.length ? await usableParent(dir, 2, usable) : undefined;
    if (parent) hierarchies.push({ version: 2, controllers: usable, parent });
  }
  const where = (c: Controller) => hierarchies.find((h) => h.controllers.includes(c));
  const describe = wanted.map((c) => `${c}: ${where(c) ? `cgroup v${where(c)!.version}` : 'none'}`).join(', ');
  return { hierarchies, describe };
}

let runCounter = 0;

/** The cgroups of one run: limits set before the run starts, read and removed after it ends. */
export class RunCgroups {
  private constructor(
    private readonly groups: { h: Hierarchy; dir: string }[],
  ) {}

  /** Creates this run's groups; returns undefined when there are none (fallback limits apply). */
  static async create(support: CgroupSupport, limits: { memoryBytes: number; maxTasks: number }, log: Logger): Promise<RunCgroups | undefined> {
    if (!support.hierarchies.length) return undefined;
    const name = `${process.pid}-${++runCounter}-${Math.random().toString(36).slice(2, 8)}`;
    const groups: { h: Hierarchy; dir: string }[] = [];
    try {
      for (const h of support.hierarchies) {
        const dir = join(h.parent, name);
        // Recursive: the parent is removed whenever it becomes empty; retry once in case another run
        // removed it between the two steps.
        await mkdir(dir, { recursive: true }).catch(() => mkdir(dir, { recursive: true }));
        if (h.version === 2) await enableV2(h.parent, h.controllers);
        groups.push({ h, dir });
        for (const c of h.controllers) {
          if (c === 'memory' && h.version === 1) {
            await writeFile(join(dir, 'memory.limit_in_bytes'), String(limits.memoryBytes));
            // Without this a run could swap instead of being stopped (where swap accounting exists).
            await tryWrite(join(dir, 'memory.memsw.limit_in_bytes'), String(limits.memoryBytes));
          } else if (c === 'memory') {
            await writeFile(join(dir, 'memory.max'), String(limits.memoryBytes));
            await tryWrite(join(dir, 'memory.swap.max'), '0');
          } else {
            await writeFile(join(dir, 'pids.max'), String(limits.maxTasks));
          }
        }
      }
      return new RunCgroups(groups);
    } catch (err) {
      log.warn(`sandbox: could not set up cgroup limits (${(err as Error).message}); falling back to rlimits for this run`);
      await new RunCgroups(groups).remove();
      return undefined;
    }
  }

  /** Groups found on disk (stale ones of a dead process), to kill their processes and remove them. */
  static adopt(groups: { h: Hierarchy; dir: string }[]): RunCgroups {
    return new RunCgroups(groups);
  }

  /** True when this run's memory is capped by a cgroup (so no rlimit fallback is needed). */
  get limitsMemory(): boolean {
    return this.groups.some((g) => g.h.controllers.includes('memory'));
  }

  get limitsProcesses(): boolean {
    return this.groups.some((g) => g.h.controllers.includes('pids'));
  }

  /** Files the launcher writes its pid to (one per hierarchy). */
  get procsFiles(): string[] {
    return this.groups.map((g) => join(g.dir, 'cgroup.procs'));
  }

  /** Which limits tripped during the run. Read before `remove()`. */
  async tripped(): Promise<{ memory: boolean; processes: boolean }> {
    let memory = false;
    let processes = false;
    for (const { h, dir } of this.groups) {
      if (h.controllers.includes('memory')) {
        const file = h.version === 1 ? 'memory.oom_control' : 'memory.events';
        const count = /^oom_kill (\d+)$/m.exec((await readText(join(dir, file))) ?? '');
        if (count && Number(count[1]) > 0) memory = true;
      }
      if (h.controllers.includes('pids')) {
        const count = /^max (\d+)$/m.exec((await readText(join(dir, 'pids.events'))) ?? '');
        if (count && Number(count[1]) > 0) processes = true;
      }
    }
    return { memory, processes };
  }

  /** SIGKILLs every process still in the run's groups, repeating while a fork loop refills them. */
  async killAll(): Promise<void> {
    for (const { h, dir } of this.groups) {
      if (h.version === 2 && (await tryWrite(join(dir, 'cgroup.kill'), '1'))) continue;
      for (let round = 0; round < 50; round++) {
        const pids = ((await readText(join(dir, 'cgroup.procs'))) ?? '').split('\n').filter(Boolean).map(Number);
        if (!pids.length) break;
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    }
  }

  /** Kills what is left and removes the groups (a group can only be removed once it is empty). */
  async remove(): Promise<void> {
    await this.killAll();
    for (const { dir } of this.groups) {
      for (let attempt = 0; attempt < 100; attempt++) {
        try {
          await rmdir(dir);
          break;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') break;
          // EBUSY while killed processes are still exiting.
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      // Leave nothing behind in a cgroup tree we do not own (an empty child blocks its removal);
      // fails harmlessly while other runs still have groups there.
      await rmdir(dirname(dir)).catch(() => undefined);
    }
  }
}
