/** The contract every evidence tool implements. */
import type { CriticConfig } from '../config.js';
import type { Range, RawFinding } from '../findings.js';
import type { LanguageId } from '../languages.js';
import type { ParsedFile } from '../syntax/syntaxService.js';
import type { EngineContext } from '../types.js';

/** One document under critique. */
export interface SourceDocument {
  /** Absolute path. */
  path: string;
  text: string;
  language: LanguageId;
  /** The folder holding `.critic.json`, else the git root, else the file's folder. */
  projectRoot: string;
  /** Host document version, when the host has one. */
  version?: number;
}

/**
 * A piece of executed evidence, passing or not (a docstring example, a test, a probe). Failing
 * records also become findings; passing ones inform the model and the rewrite verification.
 */
export interface EvidenceRecord {
  kind: 'example' | 'test' | 'probe';
  /** Qualified name of the unit the evidence is about. */
  unit: string;
  status: 'passed' | 'failed' | 'error' | 'timeout' | 'limit';
  /** What ran: the example's source, the test's name, the probe call. */
  subject: string;
  expected?: string;
  actual?: string;
  /** Where the example or test is written. */
  file: string;
  range: Range;
}

export interface ToolOutput {
  findings: RawFinding[];
  records?: EvidenceRecord[];
  /** Related tests: how many test files were found related, of how many candidates the runner would collect. */
  discovery?: { testFiles: number; candidates: number };
  /**
   * True when the language's own parser (TypeScript's, ruff's) read the whole document: its
   * verdict on syntax replaces tree-sitter's, which recovers differently and lags the language.
   */
  parsedByLanguage?: boolean;
  /** Things the user should know once (a cause shared by many files, with its fix). */
  notices?: Array<{ tool: string; message: string }>;
}

/**
 * What a tool may use beyond the document: the lines edited since the last complete check (0-based,
 * inclusive, in the current text), and where to report a first answer for just those lines
 * (TypeScript's region check) before the whole-file one its `run` resolves with.
 */
export interface RunHints {
  edited?: ReadonlyArray<{ start: number; end: number }>;
  partial?(out: RegionOutput): void;
}

/**
 * A tool's answer for a region only: its findings there (and anywhere its syntax check saw), and
 * the ranges it checked. Its earlier findings outside `ranges` are still its best word until `run`
 * resolves; syntax errors were checked for the whole document.
 */
export interface RegionOutput {
  findings: RawFinding[];
  ranges: Range[];
}

/** Thrown by a tool that cannot run at all (not installed, broken configuration). */
export class ToolUnavailableError extends Error {
  constructor(
    readonly tool: string,
    message: string,
  ) {
    super(message);
    this.name = 'ToolUnavailableError';
  }
}

export interface EvidenceTool {
  /** Stable id, also the `source` of its findings: `syntax`, `typescript`, `ruff`, `eslint`, … */
  readonly id: string;
  appliesTo(doc: SourceDocument, config: CriticConfig): boolean;
  run(doc: SourceDocument, parsed: ParsedFile, signal: AbortSignal, hints?: RunHints): Promise<ToolOutput>;
  /** Whether `run` may answer `parsedByLanguage` (tree-sitter's syntax errors wait for it). */
  readonly parsesLanguage?: boolean;
  /**
   * Starts, off the caller's path, the one-time work `run` will need for this document (loading a
   * compiler, parsing its libraries) while the engine parses the document; never throws (`run`
   * reports any failure).
   */
  warmUp?(doc: SourceDocument): void;
  /** Frees warm state (language services, wasm instances). */
  dispose?(): void | Promise<void>;
  /**
   * Hint that these documents are about to be checked together (one CLI run, one staged diff), so
   * a tool that batches across files can start one run for all of them; `run` then awaits its share.
   */
  prefetch?(docs: readonly SourceDocument[]): void;
}

export type EvidenceToolFactory = (ctx: EngineContext) => EvidenceTool;
