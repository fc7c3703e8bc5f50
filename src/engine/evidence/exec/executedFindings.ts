/** Shapes shared by the execution tools: rule ids, finding construction and message text. */
import type { ExecutionConfig } from '../../config.js';
import type { Range, RawFinding, RelatedLocation } from '../../findings.js';
import type { LimitHit } from '../../sandbox/types.js';

export const execRules = {
  doctestFailed: 'doctest-failed',
  testFailed: 'test-failed',
  importFailed: 'exec-import-failed',
  timeout: 'exec-timeout',
  limit: 'exec-limit',
  crashed: 'exec-crashed',
  /** A test file that could not even be loaded for reasons outside the file under critique. */
  testLoadFailed: 'test-load-failed',
} as const;

/** An `executed`-tier error: the code was run and misbehaved, so the evidence is certain. */
export function executedError(source: string, rule: string, message: string, file: string, range: Range, related: RelatedLocation[] = []): RawFinding {
  return { rule, level: 'error', message, file, range, tier: 'executed', confidence: 1, source, related };
}


/** The range of a line's text without its indentation (0-based line). */
export function lineRange(text: string, line: number): Range {
  const lines = text.split('\n');
  const content = (lines[line] ?? '').replace(/\r$/, '');
  const start = content.length - content.trimStart().length;
  return { start: { line, character: start }, end: { line, character: content.trimEnd().length } };
}

/** Seconds for messages: `5 s`, `0.5 s`. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1))} s`;
}

/** What tripped, in words the user can act on (which setting raises it). */
export function limitDescription(limit: LimitHit, execution: ExecutionConfig): string {
  switch (limit) {
    case 'memory':
      return `exceeded the memory limit of ${execution.memoryMb} MB (execution.memoryMb)`;
    case 'processes':
      return `exceeded the process limit of ${execution.maxProcesses} (execution.maxProcesses)`;
    case 'cpu':
      return 'exceeded the CPU time limit';
    case 'output':
      return `printed more than ${Math.round(execution.maxOutputBytes / 1024)} KB (execution.maxOutputBytes)`;
    case 'timeout':
      return 'ran out of time';
    case 'disk':
      return `filled the sandbox's scratch space of ${Math.max(8, Math.floor(execution.memoryMb / 4))} MB (a quarter of execution.memoryMb)`;
  }
}

/** The last line of a Python traceback (`ValueError: bad`), when `text` holds one. */
export function tracebackSummary(text: string): string | undefined {
  if (!text.includes('Traceback (most recent call last)')) return undefined;
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1];
}
