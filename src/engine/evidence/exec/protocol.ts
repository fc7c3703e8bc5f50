/**
 * How runner scripts inside the sandbox talk back: one JSON object per line on a result channel of
 * their own — the sandbox's result pipe (`collect`, written synchronously, so neither the code's
 * output cap nor writes pending at exit can cut results short), or a results file in a scratch
 * folder that a sandbox without that pipe reads back — each prefixed with a random marker chosen for that run.
 * The code under critique shares the process, so nothing is trusted: lines without the marker are
 * ignored, and every field read from a result line is checked for its type before use.
 */
import { randomBytes } from 'node:crypto';
import type { SandboxRunResult } from '../../sandbox/types.js';

/** The settings file every runner reads (and deletes) from its scratch folder. */
export const runnerConfigFile = 'critic_config.json';

/** The file every runner appends its marked result lines to (next to itself). */
export const runnerResultsFile = 'critic_results.jsonl';

/** What a runner's request adds so its results file is read back. */
export const collectResults = { collect: [runnerResultsFile] } as const;

/** The marked events of a run: from the results file, or stdout for a sandbox that cannot read files back. */
export function runnerEvents(res: SandboxRunResult, marker: string): Record<string, unknown>[] {
  // A shared test session is read once per file it ran for: its lines are parsed once. (Readers
  // copy an event before changing it.)
  const known = parsedRuns.get(res);
  if (known?.marker === marker) return known.events;
  const events = markedEvents(res.collected?.[runnerResultsFile] ?? res.stdout, marker);
  parsedRuns.set(res, { marker, events });
  return events;
}

const parsedRuns = new WeakMap<SandboxRunResult, { marker: string; events: Record<string, unknown>[] }>();

/** A fresh marker for one sandbox run; long and random enough that the code cannot guess it. */
export function newMarker(): string {
  return `@@critic-${randomBytes(12).toString('hex')}@@`;
}

/**
 * The JSON objects of the marked lines in `stdout`, in order. The marker may appear mid-line
 * when the code wrote a partial line just before; whatever precedes it is the code's and dropped.
 */
export function markedEvents(stdout: string, marker: string): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  for (const line of stdout.split('\n')) {
    const at = line.lastIndexOf(marker);
    if (at < 0) continue;
    try {
      const value: unknown = JSON.parse(line.slice(at + marker.length));
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) events.push(value as Record<string, unknown>);
    } catch {
      /* a line cut short by the output cap or the kill */
    }
  }
  return events;
}

/** `v` when it is a string (fields of result lines are untrusted). */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** `v` when it is an integer. */
export function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

/** A stack frame a runner reported: absolute file and 1-based line. */
export interface Frame {
  file: string;
  line: number;
}

/** The well-formed frames of an untrusted `frames` field. */
export function frames(v: unknown): Frame[] {
  if (!Array.isArray(v)) return [];
  const out: Frame[] = [];
  for (const f of v) {
    if (typeof f !== 'object' || f === null) continue;
    const file = str((f as Record<string, unknown>).file);
    const line = int((f as Record<string, unknown>).line);
    if (file !== undefined && line !== undefined && line > 0) out.push({ file: normaliseFramePath(file), line });
  }
  return out;
}

/** Stack traces name files as paths or `file://` URLs (Node with source maps); compare them as paths. */
export function normaliseFramePath(file: string): string {
  if (!file.startsWith('file://')) return file;
  try {
    return decodeURIComponent(new URL(file).pathname);
  } catch {
    return file;
  }
}

/** Frames parsed from a V8 stack string (`at f (/abs/file.ts:3:9)`), innermost first. */
export function v8Frames(stack: string | undefined): Frame[] {
  if (!stack) return [];
  const out: Frame[] = [];
  for (const m of stack.matchAll(/^\s*at (?:.*?\()?((?:file:\/\/)?\/[^():]*?):(\d+):\d+\)?\s*$/gm)) {
    out.push({ file: normaliseFramePath(m[1]!), line: Number(m[2]) });
  }
  return out;
}

/**
 * The paths a run reported reading (its `reads` event), or undefined when it reported none or
 * too many: then nothing is known about what the result depends on.
 */
export function readsOf(events: readonly Record<string, unknown>[]): string[] | undefined {
  const ev = events.find((e) => e.t === 'reads');
  if (!ev || ev.complete !== true || !Array.isArray(ev.paths)) return undefined;
  return ev.paths.filter((p): p is string => typeof p === 'string');
}
