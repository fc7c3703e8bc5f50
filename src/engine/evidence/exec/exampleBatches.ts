/**
 * Runs a file's examples in as few sandbox runs as possible: one batch for all of them, and when a
 * batch is cut short (timeout, limit, crash) by one example, another batch for the examples that
 * had not run yet, so one infinite loop does not hide everyone else's results. Both the Python and
 * the JS runner speak the same line protocol (see protocol.ts):
 *   start/pass/fail/raise {test, i, …} · done {test} · import {exc, msg, frames} · crash · end
 */
import { throwIfAborted } from '../../abort.js';
import type { LimitHit, Sandbox, SandboxRunRequest, SandboxRunResult } from '../../sandbox/types.js';
import { CoverageTable } from './coverageCollector.js';
import { collectResults, frames, int, markedEvents, newMarker, readsOf, runnerEvents, str, type Frame } from './protocol.js';

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
  /** 1-based lines of the file under critique the example ran, when coverage was recorded. */
  lines?: number[];
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

/**
 * Where a file's batches stand after some runs were made elsewhere (a batch of many modules in
 * one process, pythonExampleBatch.ts): the outcomes so far, the blocks already reported, the runs
 * spent and what they read. `runExampleBatches` carries on from there.
 */
export interface BatchState {
  outcomes: ExampleOutcome[];
  skip: string[];
  batches: number;
  reads: { paths: Set<string>; known: boolean };
}

/** How a run stopped when it did not reach `end`: what the sandbox (or a batch's parent) saw. */
export interface RunStop {
  kind: 'timeout' | 'limit' | 'crashed';
  limit?: LimitHit;
  exit: string;
}

export function newBatchState(): BatchState {
  return { outcomes: [], skip: [], batches: 0, reads: { paths: new Set(), known: true } };
}

/** Runs the batches and collects every example's outcome, and what the runs read. */
export async function runExampleBatches(opts: BatchOptions, state: BatchState = newBatchState()): Promise<BatchesResult> {
  const result = await runBatches(opts, state);
  return finish(result, state);
}

/** The result with what the runs read, when every run said. */
export function finish(result: BatchesResult, state: BatchState): BatchesResult {
  return state.reads.known ? { ...result, reads: [...state.reads.paths] } : result;
}

async function runBatches(opts: BatchOptions, state: BatchState): Promise<BatchesResult> {
  while (state.batches < opts.maxBatches) {
    throwIfAborted(opts.signal);
    const marker = newMarker();
    const res = await opts.sandbox.run({ ...opts.request(state.skip, marker), ...collectResults });
    const stop: RunStop = {
      kind: res.limitHit === 'timeout' ? 'timeout' : res.limitHit ? 'limit' : 'crashed',
      limit: res.limitHit,
      exit: `${exitOf(res)}${res.stderr.trim() ? `: ${lastLines(res.stderr)}` : ''}`,
    };
    const done = absorbRun(state, runnerEvents(res, marker), stop);
    if (done) return done;
  }
  return { outcomes: state.outcomes, batches: state.batches, incomplete: true };
}

/**
 * Takes one run's events into the state. Returns the file's result when nothing is left to run
 * (the run ended, the module failed, or the run stopped where a retry cannot help), or undefined
 * when another run should carry on after the example that stopped this one.
 */
export function absorbRun(state: BatchState, events: readonly Record<string, unknown>[], stop: RunStop): BatchesResult | undefined {
  const { outcomes, skip, reads } = state;
  state.batches++;
  const batches = state.batches;
  let current: Record<string, unknown> | undefined;
  let anyStarted = false;
  const batchReads = readsOf(events);
  if (batchReads) for (const p of batchReads) reads.paths.add(p);
  else reads.known = false;
  const coverage = new CoverageTable();
  for (const ev of events) {
    if (coverage.add(ev)) continue;
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
        lines: coverage.linesOf(ev),
      });
    } else if (t === 'done') {
      if (!skip.includes(test)) skip.push(test);
    } else if (t === 'crash') {
      // The runner itself failed on this block (not an example): report it on the block's first example.
      outcomes.push({ test, i: 0, status: 'error', exc: str(ev.exc), msg: str(ev.msg), frames: frames(ev.frames) });
    } else if (t === 'import') {
      return { outcomes, batches, incomplete: false, moduleProblem: { kind: 'import', exc: str(ev.exc), msg: str(ev.msg), frames: frames(ev.frames) } };
    } else if (t === 'end') {
      return { outcomes, batches, incomplete: false };
    }
  }
  const { kind, limit, exit } = stop;
  if (!current) {
    // Stopped before the first example (while importing) or between blocks: nothing to retry around.
    if (!anyStarted) return { outcomes, batches, incomplete: false, moduleProblem: { kind, frames: [], limit, exit } };
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
    limit,
    exit,
  });
  if (!skip.includes(test)) skip.push(test);
  return undefined;
}

/** Where a module stands after a batch of many modules: finished (`done`), or a state to carry on from. */
export interface BatchSeed {
  state: BatchState;
  done?: BatchesResult;
}

/**
 * Each module's seed from a many-module batch's result stream: the batch's own `exit {i, how, code}`
 * events (under `marker`) say how each module's turn ended, its own events (under `markers[i]`)
 * what it reported. A module the batch cannot vouch for (no exit, a crash, a limit, an early exit)
 * gets undefined and runs again on its own. `timeoutExit` is how the batch stops a hung module.
 */
export function batchSeeds(stream: string, marker: string, markers: readonly string[], timeoutExit: string): Array<BatchSeed | undefined> {
  const exits = new Map<number, Record<string, unknown>>();
  for (const ev of markedEvents(stream, marker)) {
    const i = int(ev.i);
    if (str(ev.t) === 'exit' && i !== undefined && !exits.has(i)) exits.set(i, ev);
  }
  return markers.map((m, i) => {
    const exit = exits.get(i);
    if (!exit) return undefined;
    const events = markedEvents(stream, m);
    const state = newBatchState();
    if (exit.how === 'timeout') {
      const done = absorbRun(state, events, { kind: 'timeout', limit: 'timeout', exit: timeoutExit });
      return { state, ...(done ? { done } : {}) };
    }
    // A clean exit that reached the end (or the import failure) is final; anything else is not vouched for.
    if (exit.how !== 'exit' || exit.code !== 0 || !events.some((e) => e.t === 'end' || e.t === 'import')) return undefined;
    const done = absorbRun(state, events, { kind: 'crashed', exit: 'exited early' });
    return done ? { state, done } : undefined;
  });
}
