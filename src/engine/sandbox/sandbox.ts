/**
 * The sandbox every execution of code under critique goes through.
 *
 * One run: resolve the real interpreter (outside, cached) → fresh scratch dir → cgroups for memory
 * and process count → `sh` joins the cgroups and execs bubblewrap → bubblewrap (no network, own
 * PID namespace, read-only system and project, no capabilities, scrubbed environment) → prlimit →
 * interpreter. Afterwards every process left in the cgroups is killed, and the cgroups and the
 * scratch dir are removed, whatever happened.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, open, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { AbortError, throwIfAborted } from '../abort.js';
import type { ExecutionConfig } from '../config.js';
import type { ExecPort, ExecResult, Logger } from '../types.js';
import { bwrapArgs, findOnPath, isSystemPath, probeBwrap, type BwrapInfo } from './bubblewrap.js';
import { RunCgroups, detectCgroups, hasController, removeStaleCgroups, type CgroupSupport } from './cgroup.js';
import { sandboxEnv } from './env.js';
import { ProjectScanError, scanProject, sharedFolderReason } from './hidden.js';
import { exposesHome, resolveInterpreter, type ResolvedInterpreter } from './interpreters.js';
import type { ProbeCache } from './probeCache.js';
import { seccompArch, seccompProgram } from './seccomp.js';
import { removeStaleTempDirs } from './stale.js';
import { classifyLimit, interpreterMemoryFlags, normaliseStatus, taskOverhead, withRlimits } from './limits.js';
import { collectedMaxBytes, resultsFdVariable, type Isolation, type LimitEnforcement, type Sandbox, type SandboxRunRequest, type SandboxRunResult, type SandboxUnavailable } from './types.js';

export interface SandboxDeps {
  exec: ExecPort;
  log: Logger;
  execution: ExecutionConfig;
  /** Where bubblewrap is (default: `bwrap` on PATH). Tests point it at a missing file. */
  bwrapPath?: string;
  /** Use cgroups for memory and process limits where possible (default true); false forces the rlimit fallbacks. */
  cgroups?: boolean;
  /** Remembers the probes (bubblewrap's abilities, interpreter resolution and identity) across processes. */
  probes?: ProbeCache;
  /**
   * Find the cgroup limits (and sweep what a killed Critic left) on the first run, not at creation:
   * a run whose results are all cached never pays for it. `enforcement` is unknown until then.
   */
  lazyLimits?: boolean;
}

/** The sandbox failed to start (not the code under critique failing); the message is one line. */
export class SandboxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SandboxError';
  }
}

const mib = 1024 * 1024;

/**
 * Creates the sandbox for this machine: bubblewrap when it works here; limits only when it does
 * not and the user opted in with `execution.allowUnsandboxed`; otherwise a SandboxUnavailable with
 * the one-line reason to show the user.
 */
export async function createSandbox(deps: SandboxDeps): Promise<Sandbox | SandboxUnavailable> {
  const { execution, log } = deps;
  if (!execution.enabled) {
    return unavailable('Execution is turned off (execution.enabled is false): examples and tests are not run; set it to true to run them in the sandbox.');
  }
  const linux = process.platform === 'linux';
  let reason = `bubblewrap sandboxing needs Linux (this is ${process.platform})`;
  if (linux) {
    const path = deps.bwrapPath ?? findOnPath('bwrap') ?? '/usr/bin/bwrap';
    const probe = await probeBwrap(deps.exec, path, deps.probes);
    if (probe.ok) return new ProcessSandbox(deps, 'bubblewrap', probe.info, deps.lazyLimits ? () => lazySupport(deps) : await cgroupSupport(deps));
    reason = probe.reason;
  }
  if (execution.allowUnsandboxed) {
    log.warn(`sandbox: ${reason}; running code under critique with resource limits only, NOT isolated (execution.allowUnsandboxed is set)`);
    return new ProcessSandbox(deps, 'limits-only', undefined, deps.lazyLimits ? () => lazySupport(deps) : await cgroupSupport(deps));
  }
  const fix = linux ? 'install bubblewrap (`npm run setup:linux` or `sudo apt-get install bubblewrap`) or opt in' : 'opt in';
  return unavailable(`Code is not executed: ${reason}; ${fix} to running with resource limits only via --allow-unsandboxed / execution.allowUnsandboxed.`);
}

function unavailable(reason: string): SandboxUnavailable {
  return { isolation: 'none', reason };
}

async function cgroupSupport(deps: SandboxDeps): Promise<CgroupSupport> {
  // What a Critic killed with SIGKILL left behind: its run cgroups and (limits-only) scratch dirs.
  await removeStaleTempDirs(tmpdir());
  if (deps.cgroups === false) return { hierarchies: [], describe: 'disabled' };
  const support = await detectCgroups(deps.log);
  await removeStaleCgroups(support);
  deps.log.debug(`sandbox: cgroup limits: ${support.describe}`);
  return support;
}

/** The cgroup support found on first use; never rejects (detection already falls back to none). */
function lazySupport(deps: SandboxDeps): Promise<CgroupSupport> {
  return cgroupSupport(deps).catch((err: unknown) => {
    deps.log.debug(`sandbox: cgroups unusable (${(err as Error).message})`);
    return { hierarchies: [], describe: 'none' };
  });
}

class ProcessSandbox implements Sandbox {
  private readonly prlimit = findOnPath('prlimit');
  private readonly seccomp = seccompArch() ? seccompProgram(seccompArch()!) : undefined;
  private readonly bash = existsSync('/bin/bash') ? '/bin/bash' : undefined;
  private support: CgroupSupport | undefined;
  private ready: Promise<CgroupSupport> | undefined;

  /** `cgroups`: the support, or how to find it on the first run (a fully cached check never runs one). */
  constructor(
    private readonly deps: SandboxDeps,
    readonly isolation: Isolation,
    private readonly bwrap: BwrapInfo | undefined,
    private readonly cgroups: CgroupSupport | (() => Promise<CgroupSupport>),
  ) {
    if (typeof cgroups !== 'function') this.support = cgroups;
  }

  private get supportReady(): Promise<CgroupSupport> {
    const c = this.cgroups;
    return (this.ready ??= typeof c === 'function' ? c().then((found) => (this.support = found)) : Promise.resolve(c));
  }

  /** How limits are enforced here; undefined until the first run with `lazyLimits`. */
  get enforcement(): LimitEnforcement | undefined {
    const c = this.support;
    if (!c) return undefined;
    return {
      memory: hasController(c, 'memory') ? 'cgroup' : 'rlimit',
      processes: hasController(c, 'pids') ? 'cgroup' : this.bwrap ? 'pid-namespace' : 'none',
    };
  }

  get probes(): ProbeCache | undefined {
    return this.deps.probes;
  }

  /** The real interpreter runs start for a project (cached per process, and on disk with a probe cache). */
  resolve(kind: 'python' | 'node', projectRoot: string): Promise<ResolvedInterpreter> {
    return resolveInterpreter(this.deps.exec, kind, resolve(projectRoot), this.deps.probes);
  }

  /** What to mask in the project: credentials, sockets, and credential targets of symlinks that another bind would show. */
  private hiddenIn(projectRoot: string, binds: string[]) {
    const visible = (p: string) => binds.some((b) => p === b || p.startsWith(`${b}/`)) || isSystemPath(p);
    try {
      const { masks, entries } = scanProject(projectRoot, { hide: this.deps.execution.hide, visible });
      this.deps.log.debug(`sandbox: ${masks.length} of ${entries} project entries hidden`);
      return masks;
    } catch (err) {
      if (err instanceof ProjectScanError) throw new SandboxError(err.message);
      throw err;
    }
  }

  /**
   * Runs one interpreter invocation. Rejects with AbortError when cancelled (after killing it),
   * with SandboxError when the sandbox itself cannot start, and with InterpreterNotFoundError when
   * the interpreter is missing; everything the code under critique does is reported in the result.
   */
  async run(req: SandboxRunRequest): Promise<SandboxRunResult> {
    const { exec, log, execution } = this.deps;
    throwIfAborted(req.signal);
    if (!isAbsolute(req.projectRoot) || !(await stat(req.projectRoot).catch(() => undefined))?.isDirectory()) {
      throw new SandboxError(`Cannot run code: the project root ${req.projectRoot} is not an existing absolute directory.`);
    }
    if (!(req.timeoutMs > 0)) throw new SandboxError(`Cannot run code: timeoutMs must be a positive number (got ${req.timeoutMs}).`);
    const projectRoot = resolve(req.projectRoot);
    const shared = this.bwrap && sharedFolderReason(projectRoot);
    if (shared) {
      throw new SandboxError(`Code is not executed with ${projectRoot} as the project root: ${shared}, so it is never shown to the sandbox as a whole; move the code into a folder of its own.`);
    }
    const interp = await this.resolve(req.interpreter, projectRoot);
    throwIfAborted(req.signal);

    // With bubblewrap the scratch dir exists only inside the sandbox (a capped tmpfs); without it,
    // on the host, removed afterwards (and at the next start if Critic was killed).
    const scratch = this.bwrap ? `/tmp/critic-run-${randomBytes(6).toString('hex')}` : await mkdtemp(join(tmpdir(), `critic-run-${process.pid}-`));
    // Limits-only: the program writes its output to files, not to our pipes, so that a child that
    // escaped with setsid cannot hold the pipes open and keep the run from ending.
    let io: string | undefined;
    let cg: RunCgroups | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const killCgroups = () => void cg?.killAll();
    try {
      if (!this.bwrap && process.platform !== 'win32') io = await mkdtemp(join(tmpdir(), `critic-io-${process.pid}-`));
      const files = checkedFiles(scratch, req.files ?? {});
      if (!this.bwrap) await writeFiles(files);
      const memoryBytes = execution.memoryMb * mib;
      const support = await this.supportReady;
      cg = await RunCgroups.create(support, { memoryBytes, maxTasks: execution.maxProcesses + taskOverhead(req.interpreter) + Math.max(0, Math.min(4, req.extraTasks ?? 0)) }, log);
      const cpuSeconds = Math.max(1, Math.ceil(req.cpuSeconds ?? req.timeoutMs / 1000 + 1));
      const processMemoryLimit = !cg?.limitsMemory;
      const { env, dropped } = sandboxEnv({ scratch, interpreterBin: interp.binDir, extra: req.env });
      if (dropped.length) log.debug(`sandbox: dropped environment variables that may hold secrets or override the sandbox: ${dropped.join(', ')}`);
      // A result channel of its own (a pipe after the input descriptors, see ExecRequest): the
      // scratch folder exists only inside the sandbox, and the code's output cap must not cut results.
      const collect = req.collect ?? [];
      if (collect.length > 1) throw new SandboxError('Only one result channel can be collected per run.');
      let overlays = this.bwrap ? checkedOverlays(projectRoot, req.overlays ?? {}) : [];
      const setResultsFd = () => {
        if (collect.length) env[resultsFdVariable] = String(3 + (this.bwrap ? 1 + files.length + overlays.length : 0));
      };
      setResultsFd();
      const cwd = req.cwd === 'project' ? projectRoot : scratch;
      const program = [interp.executable, ...interpreterMemoryFlags(req.interpreter, execution.memoryMb, !processMemoryLimit), ...req.args];
      const inner =
        process.platform === 'win32'
          ? program
          : withRlimits(
              // Inside bubblewrap only system paths exist; prlimit is in util-linux, so under /usr.
              this.bwrap && this.prlimit && !isSystemPath(this.prlimit) ? undefined : this.prlimit,
              { cpuSeconds, fileSizeBytes: Math.max(64, execution.memoryMb) * mib, addressSpaceBytes: processMemoryLimit && req.interpreter === 'python' ? memoryBytes : undefined },
              program,
            );
      let [command, ...args] = inner as [string, ...string[]];
      let extraInputs: Uint8Array[] | undefined;
      if (this.bwrap) {
        const extra = (req.readOnly ?? []).map((p) => resolve(p)).filter((p) => isAbsolute(p) && !isSystemPath(p));
        if (extra.some((p) => exposesHome(p))) throw new SandboxError(`Cannot bind ${extra.find((p) => exposesHome(p))} into the sandbox: it would expose your whole home directory.`);
        const binds = [projectRoot, ...extra, ...interp.prefixes.filter((p) => !isSystemPath(p) && !exposesHome(p))];
        const masked = this.hiddenIn(projectRoot, binds);
        // A hidden file stays hidden: no overlay puts text back over a masked path.
        overlays = overlays.filter((o) => !masked.some((m) => o.path === m.path || o.path.startsWith(`${m.path}/`)));
        setResultsFd();
        const layout = { binds, masked, env, cwd, scratch, tmpSizeBytes: scratchBytes(execution.memoryMb), files: files.map((f) => f.path), seccompFd: 3, overlays: overlays.map((o) => o.path) };
        args = [...bwrapArgs(this.bwrap, layout), '--', command, ...args];
        command = this.bwrap.path;
        extraInputs = [this.seccomp!, ...files.map((f) => Buffer.from(f.text)), ...overlays.map((o) => Buffer.from(o.text))];
      } else if (io) {
        args = ['-c', 'o=$1; e=$2; shift 2; exec "$@" >"$o" 2>"$e"', 'critic-io', join(io, 'stdout'), join(io, 'stderr'), command, ...args];
        command = '/bin/sh';
      }
      log.debug(`sandbox (${this.isolation}${cg ? `, cgroups ${support.describe}` : ''}): ${printable(command, args)}`);
      // bubblewrap passes on every descriptor it inherits; one Critic inherited from its own parent
      // (a terminal's, an editor's) would be a channel out of the sandbox. Only bash can close
      // descriptors above 9 by number; without it they stay open (logged).
      const closeFds = this.bwrap && this.bash;
      if (this.bwrap && !this.bash) log.debug('sandbox: no /bin/bash to close inherited descriptors before bubblewrap');
      if (cg || closeFds) {
        // Join the run's cgroups before bubblewrap starts, so every process of the run is counted and can be killed.
        const files = cg?.procsFiles ?? [];
        const keep = 3 + (extraInputs?.length ?? 0) + collect.length;
        const closeScript = closeFds ? `for f in /proc/$$/fd/*; do n=\${f##*/}; if [ "$n" -ge ${keep} ] 2>/dev/null; then eval "exec $n>&-"; fi; done; ` : '';
        const joinScript = `${closeScript}n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || { echo "critic-sandbox: cannot join cgroup $1" >&2; exit 125; }; shift; n=$((n-1)); done; exec "$@"`;
        // --norc: bash reads ~/.bashrc when its stdin is a socket (as for sshd), and ours is one.
        args = [...(closeFds ? ['--norc', '--noprofile'] : []), '-c', joinScript, 'critic-sandbox', String(files.length), ...files, command, ...args];
        command = closeFds ? this.bash! : '/bin/sh';
      }

      // Without bubblewrap a process that called setsid escapes the process-group kill; the cgroup
      // still has it. Fires just after the exec port's own timeout.
      let deadlinePassed = false;
      killTimer = setTimeout(() => {
        deadlinePassed = true;
        killCgroups();
      }, req.timeoutMs + 200);
      req.signal?.addEventListener('abort', killCgroups, { once: true });
      let r: ExecResult;
      try {
        r = await exec.run({
          command,
          args,
          // The sandbox's working directory exists only inside it.
          cwd: this.bwrap ? '/' : cwd,
          env: this.bwrap ? { PATH: '/usr/bin:/bin' } : env,
          input: req.input,
          timeoutMs: req.timeoutMs,
          signal: req.signal,
          maxOutputBytes: execution.maxOutputBytes,
          extraInputs,
          extraOutputs: collect.length,
          maxExtraOutputBytes: collectedMaxBytes,
        });
      } catch (err) {
        if (req.signal?.aborted) throw new AbortError();
        throw new SandboxError(`The sandbox could not start ${command} (${(err as Error).message}).`);
      }
      if (r.exitCode === 125 && r.stderr.startsWith('critic-sandbox: ')) throw new SandboxError(r.stderr.trim().split('\n')[0]!);
      if (this.bwrap && r.exitCode === 1 && !r.stdout && /^bwrap: /.test(r.stderr)) {
        throw new SandboxError(`The sandbox could not start: ${r.stderr.trim().split('\n')[0]}`);
      }
      if (io) {
        const [o, e] = await Promise.all([readCapped(join(io, 'stdout'), execution.maxOutputBytes), readCapped(join(io, 'stderr'), execution.maxOutputBytes)]);
        r = { ...r, stdout: o.text + r.stdout, stderr: e.text + r.stderr, truncated: r.truncated || o.truncated || e.truncated };
      }
      const tripped = cg ? await cg.tripped() : { memory: false, processes: false };
      const status = normaliseStatus(r.exitCode, r.signal, Boolean(this.bwrap));
      const limitHit = classifyLimit({
        ...status,
        stderr: r.stderr,
        timedOut: r.timedOut || deadlinePassed,
        truncated: r.truncated,
        durationMs: r.durationMs,
        cpuSeconds,
        kind: req.interpreter,
        cgroupMemory: tripped.memory,
        cgroupProcesses: tripped.processes,
        processMemoryLimit,
        scratchCapped: Boolean(this.bwrap),
      });
      const collected = collect.length ? { [collect[0]!]: r.extraOutputs?.[0] ?? '' } : undefined;
      return {
        ...status,
        stdout: r.stdout,
        stderr: r.stderr,
        durationMs: r.durationMs,
        isolation: this.isolation,
        ...(limitHit ? { limitHit } : {}),
        truncated: r.truncated,
        ...(collected ? { collected } : {}),
        ...(req.overlays && Object.keys(req.overlays).length ? { overlaid: overlays.length === Object.keys(req.overlays).length } : {}),
      };
    } finally {
      clearTimeout(killTimer);
      req.signal?.removeEventListener('abort', killCgroups);
      await cg?.remove();
      if (!this.bwrap) await rm(scratch, { recursive: true, force: true, maxRetries: 3 });
      if (io) await rm(io, { recursive: true, force: true });
    }
  }
}

/** Reads at most `cap` bytes of a file the program wrote its output to. */
async function readCapped(file: string, cap: number, flags: string | number = 'r'): Promise<{ text: string; truncated: boolean; found?: boolean }> {
  let fh;
  try {
    fh = await open(file, flags);
  } catch {
    return { text: '', truncated: false };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { text: '', truncated: false };
    const size = st.size;
    const buf = Buffer.alloc(Math.min(size, cap));
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return { text: buf.subarray(0, bytesRead).toString('utf8'), truncated: size > cap, found: true };
  } finally {
    await fh.close();
  }
}

/** The request's overlays: existing files inside the project only (anything else is refused). */
function checkedOverlays(projectRoot: string, overlays: Record<string, string>): { path: string; text: string }[] {
  return Object.entries(overlays).map(([p, text]) => {
    const path = resolve(p);
    if (!path.startsWith(projectRoot + sep) || !existsSync(path)) throw new SandboxError(`Refusing to overlay ${p}: only existing files inside the project can be shown with unsaved text.`);
    return { path, text };
  });
}

/** The request's files at their place in the scratch dir; a path that would land outside it is refused. */
function checkedFiles(scratch: string, files: Record<string, string>): { path: string; text: string }[] {
  return Object.entries(files).map(([rel, text]) => {
    const path = normalize(join(scratch, rel));
    if (isAbsolute(rel) || !path.startsWith(scratch + sep)) throw new SandboxError(`Refusing to write ${rel}: sandbox files must stay inside the scratch directory.`);
    return { path, text };
  });
}

/** Limits-only: the files go to the host scratch dir. */
async function writeFiles(files: { path: string; text: string }[]): Promise<void> {
  for (const { path, text } of files) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
}

/**
 * The cap of the sandbox's /tmp (scratch dir included): a quarter of the memory limit, because
 * tmpfs pages are memory, charged to the run's memory cgroup; a run that fills it gets ENOSPC
 * rather than being killed for memory it did not ask for.
 */
export function scratchBytes(memoryMb: number): number {
  return Math.max(8, Math.floor(memoryMb / 4)) * mib;
}

/** The command for the debug log: quoted, long arguments (inline code) shortened. */
function printable(command: string, args: string[]): string {
  const show = (a: string) => {
    const s = a.length > 160 ? `${a.slice(0, 160)}…(${a.length} chars)` : a;
    return /^[\w@%+=:,./-]+$/.test(s) ? s : JSON.stringify(s);
  };
  return [command, ...args].map(show).join(' ');
}
