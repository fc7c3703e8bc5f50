/**
 * Per-process limits (rlimits, interpreter flags) and the reading of a finished run: which limit,
 * if any, stopped it.
 *
 * What enforces what:
 * - wall clock: the exec port's timeout kills the process group; bubblewrap's PID namespace and
 *   --die-with-parent take every descendant with it.
 * - CPU time: RLIMIT_CPU via prlimit (soft → SIGXCPU, hard one second later → SIGKILL).
 * - memory: the run's cgroup when there is one. Without it Python gets RLIMIT_AS (it raises
 *   MemoryError) and Node gets `--max-old-space-size` (Node cannot start under RLIMIT_AS or
 *   RLIMIT_DATA at any size, and the heap flag does not cover Buffers: the timeout is the only
 *   bound on those).
 * - processes: the run's pids cgroup. RLIMIT_NPROC is per user and ignored for root, so without
 *   a cgroup a fork loop is contained only by the PID namespace and the wall clock.
 * - file size: RLIMIT_FSIZE, so one runaway file cannot fill the disk under the scratch dir.
 * - scratch space: with bubblewrap, /tmp (scratch included) is a size-capped tmpfs: ENOSPC.
 */
import { availableParallelism, constants } from 'node:os';
import type { LimitHit } from './types.js';

export interface RlimitPlan {
  cpuSeconds: number;
  fileSizeBytes: number;
  /** RLIMIT_AS; only for Python and only when no memory cgroup applies. */
  addressSpaceBytes?: number;
}

/** Wraps a command so it starts under the planned rlimits (prlimit, or POSIX sh's ulimit where prlimit is missing). */
export function withRlimits(prlimitPath: string | undefined, plan: RlimitPlan, command: string[]): string[] {
  if (prlimitPath) {
    const a = [prlimitPath, `--cpu=${plan.cpuSeconds}:${plan.cpuSeconds + 1}`, `--fsize=${plan.fileSizeBytes}`, '--core=0'];
    if (plan.addressSpaceBytes) a.push(`--as=${plan.addressSpaceBytes}`);
    return [...a, '--', ...command];
  }
  const steps = [`ulimit -t ${plan.cpuSeconds}`, 'ulimit -c 0'];
  if (plan.addressSpaceBytes) steps.push(`ulimit -v ${Math.floor(plan.addressSpaceBytes / 1024)}`);
  return ['/bin/sh', '-c', `${steps.join(' && ')} && exec "$@"`, 'critic-limits', ...command];
}

/** Interpreter flags that stand in for a missing memory cgroup. */
export function interpreterMemoryFlags(kind: 'python' | 'node', memoryMb: number, cgroupLimitsMemory: boolean): string[] {
  if (kind === 'node' && !cgroupLimitsMemory) return [`--max-old-space-size=${Math.max(16, memoryMb)}`];
  return [];
}

/** Tasks (threads count too) the sandbox itself and an idle interpreter use, on top of `maxProcesses`. */
export function taskOverhead(kind: 'python' | 'node'): number {
  // bubblewrap's outer process and its PID-1 init; Node starts 7 threads and libuv adds 4 on first use.
  return 2 + (kind === 'node' ? 16 : 2);
}

const signalNames = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/**
 * bubblewrap reports a child killed by signal N as exit code 128+N; turn that back into a signal
 * so results look the same with and without bubblewrap.
 */
export function normaliseStatus(exitCode: number | null, signal: string | null, viaBwrap: boolean): { exitCode: number | null; signal: string | null } {
  if (viaBwrap && signal === null && exitCode !== null && exitCode > 128 && signalNames.has(exitCode - 128)) {
    return { exitCode: null, signal: signalNames.get(exitCode - 128)! };
  }
  return { exitCode, signal };
}

export interface RunFacts {
  exitCode: number | null;
  signal: string | null;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
  cpuSeconds: number;
  kind: 'python' | 'node';
  /** From the run's cgroups. */
  cgroupMemory: boolean;
  cgroupProcesses: boolean;
  /** A per-process memory fallback (RLIMIT_AS / heap flag) applied. */
  processMemoryLimit: boolean;
  /** The scratch space is a size-capped tmpfs (bubblewrap), so ENOSPC means the code filled it. */
  scratchCapped?: boolean;
}

/** Which limit stopped the run; resource limits are checked before the timeout because they trip first. */
export function classifyLimit(f: RunFacts): LimitHit | undefined {
  const tail = f.stderr.slice(-4096);
  if (f.cgroupMemory) return 'memory';
  if (f.kind === 'node' && /JavaScript heap out of memory|Reached heap limit/.test(tail)) return 'memory';
  if (f.kind === 'python' && f.processMemoryLimit && /^MemoryError\b/m.test(tail)) return 'memory';
  if (f.cgroupProcesses) return 'processes';
  if (f.signal === 'SIGXCPU') return 'cpu';
  // A program that ignores SIGXCPU is SIGKILLed at the hard limit; only CPU time explains that
  // when neither the clock nor the memory cgroup did it.
  if (f.signal === 'SIGKILL' && !f.timedOut && f.durationMs * availableParallelism() >= (f.cpuSeconds + 1) * 900) return 'cpu';
  if (f.timedOut) return 'timeout';
  if (f.scratchCapped && f.exitCode !== 0 && /No space left on device|ENOSPC/.test(tail)) return 'disk';
  // RLIMIT_FSIZE: a file (or, without bubblewrap, the captured output) grew past the cap.
  if (f.signal === 'SIGXFSZ') return 'output';
  if (f.truncated) return 'output';
  return undefined;
}
