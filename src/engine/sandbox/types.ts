/** The contract of the sandbox that runs untrusted code (the code under critique, its tests, probes). */

export type Isolation = 'bubblewrap' | 'limits-only';

export type LimitHit = 'timeout' | 'memory' | 'processes' | 'cpu' | 'output';

export interface SandboxRunRequest {
  /** Which interpreter to start; the sandbox finds it on PATH and binds its installation read-only. */
  interpreter: 'python' | 'node';
  /** Arguments after the interpreter, e.g. `['-c', code]` or `['run_examples.py']` (relative to the scratch dir). */
  args: string[];
  /** Bound read-only at the same absolute path, so imports of the project work. */
  projectRoot: string;
  /** Files written into the fresh scratch directory before the run (relative path → content). */
  files?: Record<string, string>;
  /** Working directory: the scratch directory (default) or the project root (read-only). */
  cwd?: 'scratch' | 'project';
  /** Extra environment on top of the scrubbed allow-list (e.g. PYTHONPATH); never secrets. */
  env?: Record<string, string>;
  input?: string;
  /** Wall-clock limit for the whole run. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface SandboxRunResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  isolation: Isolation;
  /** Set when the run was stopped by a limit (the first one that tripped). */
  limitHit?: LimitHit;
  /** Output beyond the configured cap was dropped. */
  truncated: boolean;
}

export interface Sandbox {
  readonly isolation: Isolation;
  run(req: SandboxRunRequest): Promise<SandboxRunResult>;
}

/** Returned instead of a Sandbox when execution cannot (or must not) happen, with the reason to tell the user once. */
export interface SandboxUnavailable {
  readonly isolation: 'none';
  readonly reason: string;
}
