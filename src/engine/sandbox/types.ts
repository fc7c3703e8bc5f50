/** The contract of the sandbox that runs untrusted code (the code under critique, its tests, probes). */
import type { ResolvedInterpreter } from './interpreters.js';
import type { ProbeCache } from './probeCache.js';

export type Isolation = 'bubblewrap' | 'limits-only';

/** `disk`: the code filled the sandbox's size-capped scratch space (ENOSPC). */
export type LimitHit = 'timeout' | 'memory' | 'processes' | 'cpu' | 'output' | 'disk';

export interface SandboxRunRequest {
  /** Which interpreter to start; the sandbox finds it on PATH and binds its installation read-only. */
  interpreter: 'python' | 'node';
  /** Arguments after the interpreter, e.g. `['-c', code]` or `['run_examples.py']` (relative to the scratch dir). */
  args: string[];
  /** Bound read-only at the same absolute path, so imports of the project work. */
  projectRoot: string;
  /**
   * More host folders bound read-only at the same path (e.g. the node_modules holding the
   * project's ESLint when it is installed outside the project). System folders need none.
   */
  readOnly?: string[];
  /** Files created in the fresh scratch directory before the run (relative path → content); with bubblewrap they exist only inside the sandbox. */
  files?: Record<string, string>;
  /**
   * Files of the project (absolute paths inside projectRoot) that the run sees with this text
   * instead of what is saved: an unsaved editor buffer, for runners that load files from disk
   * (vitest, jest). Bubblewrap only (a read-only bind of the text over the file); without it the
   * run sees the saved files and `SandboxRunResult.overlaid` is false.
   */
  overlays?: Record<string, string>;
  /** Working directory: the scratch directory (default) or the project root (read-only). */
  cwd?: 'scratch' | 'project';
  /** Extra environment on top of the scrubbed allow-list (e.g. PYTHONPATH); never secrets. */
  env?: Record<string, string>;
  input?: string;
  /**
   * A result channel for the runner (at most one name): a pipe whose descriptor number the program
   * finds in the environment variable `CRITIC_RESULTS_FD` (resultsFdVariable). What it writes
   * there comes back as `collected[name]`, capped at `collectedMaxBytes` and never counted
   * against the code's output cap; it streams, so results written before a timeout survive it.
   */
  collect?: readonly string[];
  /** Wall-clock limit for the whole run. */
  timeoutMs: number;
  /** CPU-time limit per process in seconds (default: the timeout in whole seconds + 1). */
  cpuSeconds?: number;
  /** Processes the runner itself adds on top of the code's allowance (a batch's parent: 1). */
  extraTasks?: number;
  signal?: AbortSignal;
}

export interface SandboxRunResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  isolation: Isolation;
  /**
   * Set when a limit tripped (the first one): the run was stopped by it, or for `output`, output
   * beyond the cap was dropped while the program ran on.
   */
  limitHit?: LimitHit;
  /** Output beyond the configured cap was dropped. */
  truncated: boolean;
  /** The `collect` files that existed after the run, by name. */
  collected?: Record<string, string>;
  /** Whether the request's `overlays` were applied (false without bubblewrap). */
  overlaid?: boolean;
}

/** At most this much of each collected file is read back. */
export const collectedMaxBytes = 64 * 1024 * 1024;

/** The environment variable that names the result channel's descriptor inside the sandbox. */
export const resultsFdVariable = 'CRITIC_RESULTS_FD';

/** What actually enforces the memory and process limits on this machine (see limits.ts). */
export interface LimitEnforcement {
  /** `cgroup`: whole run; `rlimit`: per process (Python RLIMIT_AS, Node heap size only). */
  memory: 'cgroup' | 'rlimit';
  /** `cgroup`: pids.max; `pid-namespace`: no count limit, but every process dies with the run; `none`: limits-only without cgroups. */
  processes: 'cgroup' | 'pid-namespace' | 'none';
}

export interface Sandbox {
  readonly isolation: Isolation;
  /** Optional: how limits are enforced here, for diagnostics (`critic doctor`, logs, tests). */
  readonly enforcement?: LimitEnforcement;
  run(req: SandboxRunRequest): Promise<SandboxRunResult>;
  /** Optional: the real interpreter a run starts for a project (what identity probes are keyed by). */
  resolve?(kind: 'python' | 'node', projectRoot: string): Promise<ResolvedInterpreter>;
  /** Optional: where probe answers are remembered across processes. */
  readonly probes?: ProbeCache;
}

/** Returned instead of a Sandbox when execution cannot (or must not) happen, with the reason to tell the user once. */
export interface SandboxUnavailable {
  readonly isolation: 'none';
  readonly reason: string;
}
