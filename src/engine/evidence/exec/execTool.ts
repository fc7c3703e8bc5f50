/** What the execution tools (examples, related tests) share: their dependencies and guards. */
import type { Range, RawFinding } from '../../findings.js';
import type { Sandbox, SandboxUnavailable } from '../../sandbox/types.js';
import type { CodeUnit } from '../../syntax/units.js';
import type { ExecCache } from '../execCache.js';
import { ToolUnavailableError, type SourceDocument } from '../tool.js';
import { execRules, lineRange } from './executedFindings.js';

/** What the execution tools are given by whoever builds them (the CLI, the extension, tests). */
export interface ExecToolDeps {
  /** Where untrusted code runs; a `SandboxUnavailable` makes the tool report itself unavailable. */
  sandbox: Sandbox | SandboxUnavailable;
  /** Optional result cache shared by the execution tools. */
  cache?: ExecCache;
}

/** At most this many sandbox runs per file for examples: one batch plus retries around examples that stopped it. */
export const maxExampleBatches = 3;

/** Returns the sandbox, or throws the ToolUnavailableError the pipeline reports once. */
export function usableSandbox(tool: string, sandbox: Sandbox | SandboxUnavailable): Sandbox {
  if (sandbox.isolation === 'none') throw new ToolUnavailableError(tool, (sandbox as SandboxUnavailable).reason);
  return sandbox as Sandbox;
}

/**
 * Runs a tool's body, turning "cannot run here" errors of the sandbox (no interpreter, sandbox
 * failed to start) into ToolUnavailableError; the code's own failures never arrive as errors.
 */
export async function asUnavailable<T>(tool: string, body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const name = (err as Error | undefined)?.name;
    if (name === 'InterpreterNotFoundError' || name === 'SandboxError') throw new ToolUnavailableError(tool, (err as Error).message);
    throw err;
  }
}

/**
 * Whether a result may be cached: not when a run was stopped by time, a limit or a crash, which
 * depend on the machine's load as much as on the code (these machines are shared and noisy).
 */
export function cacheable(findings: readonly RawFinding[]): boolean {
  return !findings.some((f) => f.rule === execRules.timeout || f.rule === execRules.limit || f.rule === execRules.crashed);
}

/** Files that have no run-time code: declaration files and stubs. */
export function isDeclarationFile(doc: SourceDocument): boolean {
  return /\.d\.[cm]?ts$|\.pyi$/.test(doc.path);
}

/**
 * A place for module-level findings that the pipeline will not attribute to a function: the first
 * non-blank line outside every function and class (line 0 as a last resort).
 */
export function moduleRange(text: string, units: readonly CodeUnit[]): Range {
  const lines = text.split('\n');
  const covered = (l: number) => units.some((u) => u.kind !== 'module' && u.range.start.line <= l && l <= u.range.end.line);
  for (let l = 0; l < lines.length; l++) if (lines[l]!.trim() && !covered(l)) return lineRange(text, l);
  return lineRange(text, 0);
}

/**
 * `f`, started on the first call; every call returns that first call's promise (a plan's cache
 * link: started when its run starts, awaited before its output is returned).
 */
export function once(f: () => Promise<void>): () => Promise<void> {
  let started: Promise<void> | undefined;
  return () => (started ??= f());
}
