/**
 * Runs a file's examples in as few sandbox runs as possible: one batch for all of them, and when a
 * batch is cut short (timeout, limit, crash) by one example, another batch for the examples that
 * had not run yet, so one infinite loop does not hide everyone else's results. Both the Python and
 * the JS runner speak the same line protocol (see protocol.ts):
 *   start/pass/fail/raise {test, i, …} · done {test} · import {exc, msg, frames} · crash · end
 */
import { throwIfAborted } from '../../abort.js';
import type { LimitHit, Sandbox, SandboxRunRequest, SandboxRunResult } from '../../sandbox/types.js';
import { collectResults, frames, int, newMarker, readsOf, runnerEvents, str, type Frame } from './protocol.js';

export type ExampleStatus = 'passed' | 'failed' | 'error' | 'timeout' | 'limit' | 'crashed';

/** What happened to one example. */
export interface ExampleOutcome {
  /** The docstring / example block it belongs to (runner-defined name). */
  test: string;
  /** Index of the example in its block. */
  i: number;
  status: ExampleStatus;
  /** 0-based file line the runner reported, when it knows it. */
  line?: number;
  src?: string;
  want?: string;
  got?: string;
  exc?: string;
  msg?: string;
  /** Frames inside the file under critique, innermost last. */
  frames: Frame[];
  limit?: LimitHit;
  /** For crashes: how the process ended. */
  exit?: string;
  /** Set when expected and actual output differ only in whitespace: both exactly. */
  whitespace?: { want: string; got: string };
}

/** A failure that stopped the module before any example ran. */
export interface ModuleProblem {
  kind: 'import' | 'timeout' | 'limit' | 'crashed';
  exc?: string;
  msg?: string;
  frames: Frame[];
  limit?: LimitHit;
  exit?: string;
}

export interface BatchesResult {
  outcomes: ExampleOutcome[];
  moduleProblem?: ModuleProblem;
  /** Sandbox runs it took. */
  batches: number;
  /** Examples were left unrun because the batch budget was spent. */
  incomplete: boolean;
  /** Every path the runs read (see readSet.ts); undefined when a run did not say. */
  reads?: string[];
}

export interface BatchOptions {
  sandbox: Sandbox;
  signal: AbortSignal;
  maxBatches: number;
  /** Builds one batch's request; `skip` lists blocks already reported. */
  request(skip: readonly string[], marker: string): SandboxRunRequest;
}

function exitOf(res: SandboxRunResult): string {
  if (res.signal) return `was killed by ${res.signal}`;
  return `exited with code ${res.exitCode ?? 'unknown'}`;
}

function lastLines(text: string, n = 3): string {
  return text.trim().split('\n').slice(-n).join(' ').slice(-400);
}

function whitespaceOf(v: unknown): ExampleOutcome['whitespace'] {
  if (typeof v !== 'object' || v === null) return undefined;
  const want = str((v as Record<string, unknown>).want);
  const got = str((v as Record<string, unknown>).got);
  return want !== undefined && got !== undefined ? { want, got } : undefined;
}

/** Runs the batches and collects every example's outcome, and what the runs read. */
export async function runExampleBatches(opts: BatchOptions): Promise<BatchesResult> {
  const reads: { paths: Set<string>; known: boolean } = { paths: new Set(), known: true };
  const result = await runBatches(opts, reads);
  return reads.known ? { ...result, reads: [...reads.paths] } : result;
}

async function runBatches(opts: BatchOptions, reads: { paths: Set<string>; known: boolean }): Promise<BatchesResult> {
  const outcomes: ExampleOutcome[] = [];
  const skip: string[] = [];
  let batches = 0;
  while (batches < opts.maxBatches) {
    throwIfAborted(opts.signal);
    const marker = newMarker();
    const res = await opts.sandbox.run({ ...opts.request(skip, marker), ...collectResults });
    batches++;
    let current: Record<string, unknown> | undefined;
    let ended = false;
    let anyStarted = false;
    const events = runnerEvents(res, marker);
    const batchReads = readsOf(events);
    if (batchReads) for (const p of batchReads) reads.paths.add(p);
    else reads.known = false;
    for (const ev of events) {
      const t = str(ev.t);
      const test = str(ev.test) ?? '';
      if (t === 'start') {
        current = ev;
        anyStarted = true;
      } else if (t === 'pass' || t === 'fail' || t === 'raise') {
        current = undefined;
        outcomes.push({
          test,
          i: int(ev.i) ?? -1,
          status: t === 'pass' ? 'passed' : t === 'fail' ? 'failed' : 'error',
          line: int(ev.line),
          src: str(ev.src),
          want: str(ev.want),
          got: str(ev.got),
          exc: str(ev.exc),
          msg: str(ev.msg),
          frames: frames(ev.frames),
          whitespace: whitespaceOf(ev.ws),
        });
      } else if (t === 'done') {
        if (!skip.includes(test)) skip.push(test);
      } else if (t === 'crash') {
        // The runner itself failed on this block (not an example): report it on the block's first example.
        outcomes.push({ test, i: 0, status: 'error', exc: str(ev.exc), msg: str(ev.msg), frames: frames(ev.frames) });
      } else if (t === 'import') {
        return { outcomes, batches, incomplete: false, moduleProblem: { kind: 'import', exc: str(ev.exc), msg: str(ev.msg), frames: frames(ev.frames) } };
      } else if (t === 'end') {
        ended = true;
      }
    }
    if (ended) return { outcomes, batches, incomplete: false };
    const kind = res.limitHit === 'timeout' ? 'timeout' : res.limitHit ? 'limit' : 'crashed';
    const exit = `${exitOf(res)}${res.stderr.trim() ? `: ${lastLines(res.stderr)}` : ''}`;
    if (!current) {
      // Stopped before the first example (while importing) or between blocks: nothing to retry around.
      if (!anyStarted) return { outcomes, batches, incomplete: false, moduleProblem: { kind, frames: [], limit: res.limitHit, exit } };
      return { outcomes, batches, incomplete: true };
    }
    const test = str(current.test) ?? '';
    outcomes.push({
      test,
      i: int(current.i) ?? -1,
      status: kind,
      line: int(current.line),
      src: str(current.src),
      want: str(current.want),
      frames: [],
      limit: res.limitHit,
      exit,
    });
    if (!skip.includes(test)) skip.push(test);
  }
  return { outcomes, batches, incomplete: true };
}
