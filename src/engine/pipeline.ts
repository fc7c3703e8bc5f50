/**
 * The engine's main path: document → units → evidence → findings. Hosts call `check` per
 * document; tools run in parallel, and `onProgress` lets a host show each tool's findings as
 * soon as they exist instead of waiting for the slowest.
 */
import { isAbortError, throwIfAborted } from './abort.js';
import {
  compareFindings,
  fingerprintOf,
  mergeDuplicates,
  rangesOverlap,
  type Finding,
  type LineRange,
  type Range,
  type RawFinding,
} from './findings.js';
import type { EvidenceRecord, EvidenceTool, RunHints, SourceDocument, ToolOutput } from './evidence/tool.js';
import { executionSummary, type ExecutionSummary } from './executionSummary.js';
import { ToolUnavailableError } from './evidence/tool.js';
import { isSuppressed, parseSuppressions } from './suppressions.js';
import { SyntaxService, type ParsedFile } from './syntax/syntaxService.js';
import { enclosingUnit, moduleUnitName, unitsTouchingLines, type CodeUnit } from './syntax/units.js';
import type { ModelStage, ModelStats } from './critique/types.js';
import { firstLine } from './text.js';
import { placeOnChange } from './changePlacement.js';
import type { EngineContext } from './types.js';
import type { ToolNotice } from './notices.js';

interface Placing {
  parsed: ParsedFile;
  suppressions: ReturnType<typeof parseSuppressions>;
  lines: string[];
  /** The language's own parser: still running, or done and read the whole document. */
  languageParser: { pending: number; parsed: boolean };
}

export type { LineRange } from './findings.js';

export interface CheckOptions {
  signal?: AbortSignal;
  /** Diff mode: report only findings on these lines (executed findings: on units touching them). */
  changedLines?: readonly LineRange[];
  /**
   * The lines the change under critique edited (0-based, inclusive), when it is known but every
   * finding is wanted (`critic check` on a file with uncommitted lines): a failing test whose run
   * went through an edited function is placed on the edit. Default: `changedLines`.
   */
  changed?: readonly LineRange[];
  /**
   * Lines edited since the last complete check (0-based, inclusive, in this text). A tool that can
   * check a region first (TypeScript, on large files) reports it through `onProgress` with `region` set.
   */
  edited?: readonly LineRange[];
  /** Called whenever a tool finishes, with everything found so far (before the model answers). */
  onProgress?: (partial: CheckResult) => void;
  /** Ask the critic model too (default: when the engine has one). */
  model?: boolean;
  /** The document's diff hunks, shown to the model when reviewing changes. */
  diffHunk?: string;
  /** Called when the check enters a phase (static tools, then execution in the sandbox, then the model), for status items. */
  onPhase?: (phase: CheckPhase) => void;
}

/** What a running check is waiting for: static tools, the sandbox (examples, tests), or the model. */
export type CheckPhase = 'tools' | 'execution' | 'model';

/** The tools whose work is running the project's code (the `execution` phase). */
const executionTools = new Set(['examples', 'tests']);

// Re-exported for the hosts that import it from here.
export type { ToolNotice };

export interface CheckResult {
  file: string;
  findings: Finding[];
  units: CodeUnit[];
  records: EvidenceRecord[];
  /** Findings hidden by `critic-ignore` comments or rules set to `off`. */
  suppressed: number;
  /** Milliseconds per tool (and `parse`). */
  timings: Record<string, number>;
  /** Tools that could not run for this document. */
  notices: ToolNotice[];
  /** What the model stage did, when it ran. */
  modelStats?: ModelStats;
  /** What was executed (examples, tests, probes) and which functions nothing reached; set when the check completes. */
  execution?: ExecutionSummary;
  /**
   * Set on a progress report that holds one tool's region answer: that tool's findings are final
   * only inside `ranges` (its syntax errors for the whole document); outside, its previous ones stand.
   */
  region?: { tool: string; ranges: Range[] };
}

export interface EngineOptions {
  /** The critic model stage; without it the engine reports tool evidence only. */
  modelStage?: ModelStage;
  /** Share a syntax service with tools that parse other files (related tests). */
  syntax?: SyntaxService;
}

export class Engine {
  readonly syntax: SyntaxService;

  constructor(
    readonly ctx: EngineContext,
    private readonly tools: readonly EvidenceTool[],
    readonly options: EngineOptions = {},
  ) {
    this.syntax = options.syntax ?? new SyntaxService(ctx.assets);
  }

  /** Whether a critic model is configured. */
  get hasModel(): boolean {
    return this.options.modelStage !== undefined;
  }

  /** Critiques one document with every applicable tool. */
  async check(doc: SourceDocument, opts: CheckOptions = {}): Promise<CheckResult> {
    const signal = opts.signal ?? new AbortController().signal;
    const started = performance.now();
    const tools = this.tools.filter((t) => t.appliesTo(doc, this.ctx.config));
    // A cold TypeScript parses its libraries while tree-sitter's wasm compiles in the background.
    for (const t of tools) t.warmUp?.(doc);
    const parsed = await this.syntax.analyse(doc.path, doc.text, doc.language, signal);
    const result: CheckResult = {
      file: doc.path,
      findings: [],
      units: parsed.units,
      records: [],
      suppressed: 0,
      timings: { parse: performance.now() - started },
      notices: [],
    };
    const raw: RawFinding[] = [];
    // Per-document inputs of `finish`, which runs again whenever a tool or the model adds findings.
    const languageParser = { pending: tools.filter((t) => t.parsesLanguage).length, parsed: false };
    // The phase is `tools` while any static tool runs, then `execution` while examples or tests do.
    let staticPending = tools.filter((t) => !executionTools.has(t.id)).length;
    let executionPending = tools.length - staticPending;
    opts.onPhase?.(staticPending > 0 || !executionPending ? 'tools' : 'execution');
    const placing: Placing = { parsed, suppressions: parseSuppressions(parsed.comments), lines: doc.text.split('\n'), languageParser };
    // Whether the host has already been shown everything the tools produced.
    let reported = false;
    let discovery: ToolOutput['discovery'];
    await Promise.all(
      tools.map(async (tool) => {
        const t0 = performance.now();
        try {
          const output = await tool.run(doc, parsed, signal, this.hints(tool, placing, raw, result, opts));
          throwIfAborted(signal);
          if (output.parsedByLanguage) languageParser.parsed = true;
          result.notices.push(...(output.notices ?? []));
          raw.push(...output.findings);
          result.records.push(...(output.records ?? []));
          if (output.discovery) discovery = output.discovery;
        } catch (err) {
          if (isAbortError(err) || signal.aborted) return;
          reported = false;
          if (err instanceof ToolUnavailableError) {
            result.notices.push({ tool: err.tool, message: err.message });
          } else {
            this.ctx.log.error(`${tool.id} failed on ${doc.path}`, err);
            result.notices.push({ tool: tool.id, message: `${tool.id} failed on ${doc.path}: ${firstLine(err)}` });
          }
          return;
        } finally {
          result.timings[tool.id] = performance.now() - t0;
          if (tool.parsesLanguage) languageParser.pending--;
          if (executionTools.has(tool.id)) executionPending--;
          else if (--staticPending === 0 && executionPending > 0 && !signal.aborted) opts.onPhase?.('execution');
        }
        if (opts.onProgress) {
          this.finish(placing, raw, result, opts);
          opts.onProgress({ ...result, findings: [...result.findings], notices: [...result.notices] });
          reported = true;
        }
      }),
    );
    throwIfAborted(signal);
    if (!reported) this.finish(placing, raw, result, opts);
    const stage = this.options.modelStage;
    if (stage && opts.model !== false) {
      // Hosts show the tool evidence now (each tool already reported it as it finished); the
      // model's reading follows when it is ready.
      if (!reported) opts.onProgress?.({ ...result, findings: [...result.findings], notices: [...result.notices] });
      const units = modelTargets(parsed.units, opts.changedLines);
      if (units.length) {
        const t0 = performance.now();
        opts.onPhase?.('model');
        const out = await stage.run({ doc, parsed, units, findings: result.findings, records: result.records, diffHunk: opts.diffHunk, signal });
        throwIfAborted(signal);
        raw.push(...out.findings);
        result.records.push(...out.records);
        result.notices.push(...out.notices);
        result.modelStats = out.stats;
        result.timings.model = performance.now() - t0;
        this.finish(placing, raw, result, opts);
      }
    }
    result.execution = executionSummary(parsed.units, result.records, discovery);
    result.timings.total = performance.now() - started;
    return result;
  }

  /** What a tool may use besides the document: the edited lines, and a way to report its region answer first. */
  private hints(tool: EvidenceTool, placing: Placing, raw: readonly RawFinding[], result: CheckResult, opts: CheckOptions): RunHints | undefined {
    const onProgress = opts.onProgress;
    if (!opts.edited?.length || !onProgress) return undefined;
    return {
      edited: opts.edited,
      partial: (out) => {
        // Placed like final findings (units, suppressions, fingerprints) on a copy: the region
        // answer is replaced by the tool's whole-file one.
        const view: CheckResult = { ...result, findings: [], notices: [...result.notices] };
        this.finish(placing, [...raw, ...out.findings], view, opts);
        onProgress({ ...view, region: { tool: tool.id, ranges: out.ranges } });
      },
    };
  }

  /** Places raw findings in units, applies rule settings and suppressions, fingerprints, merges. */
  private finish({ parsed, suppressions, lines, languageParser }: Placing, raw: readonly RawFinding[], result: CheckResult, opts: CheckOptions): void {
    const seen = new Map<string, number>();
    const placed: Finding[] = [];
    let suppressed = 0;
    // When tree-sitter and the language's parser disagree, the language wins: tree-sitter's
    // syntax errors are shown only when no such parser could read the document.
    // When both report a syntax error, the cascade rule below picks one as before.
    const languageSyntax = raw.some((r) => r.source !== 'syntax' && isSyntaxFinding(r));
    const holdBack = languageParser.pending > 0 || (languageParser.parsed && !languageSyntax);
    const treeSitterSyntax = holdBack ? raw.filter((r) => r.source === 'syntax' && isSyntaxFinding(r)) : [];
    const changed = opts.changed ?? opts.changedLines;
    const found = raw
      .filter((r) => !treeSitterSyntax.includes(r))
      .map((r) => {
        const moved = changed ? placeOnChange(r, parsed.units, changed, lines) : r;
        if (moved !== r && r.executed) retarget(result.records, r.executed, enclosingUnit(parsed.units, moved.range).name);
        return moved;
      })
      .filter((r) => !r.executed?.onlyOnChange);
    for (const { executed: _, ...r } of found.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character)) {
      const setting = this.ctx.config.rules[r.rule];
      if (setting === 'off' || isSuppressed(r, suppressions)) {
        suppressed++;
        continue;
      }
      const unit = enclosingUnit(parsed.units, r.range);
      if (opts.changedLines && !touchesChanges(r, unit, opts.changedLines)) continue;
      const flagged = lines.slice(r.range.start.line, Math.min(r.range.end.line, r.range.start.line + 2) + 1).join('\n');
      const key = `${r.rule}\0${unit.name}\0${flagged.replace(/\s+/g, ' ')}`;
      const occurrence = seen.get(key) ?? 0;
      seen.set(key, occurrence + 1);
      placed.push({
        ...r,
        level: setting ?? r.level,
        unit: unit.name,
        fingerprint: fingerprintOf(r.rule, unit.name, flagged, occurrence),
        related: r.related ?? [],
      });
    }
    result.findings = mergeDuplicates(firstSyntaxError(placed)).sort(compareFindings);
    result.suppressed = suppressed;
  }

  /** Forgets a document's cached tree. */
  drop(path: string): void {
    this.syntax.drop(path);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.tools.map((t) => t.dispose?.()));
    await this.syntax.dispose();
  }
}

/**
 * The units a model critiques: functions and methods (a nested function goes with its parent;
 * a class is critiqued whole only when it has no methods), limited to those the focus lines
 * touch; the module when nothing else is there.
 */
function modelTargets(units: readonly CodeUnit[], focus: readonly LineRange[] | undefined): CodeUnit[] {
  const candidates = focus ? unitsTouchingLines(units, focus) : units.filter((u) => u.kind !== 'module');
  const inside = (u: CodeUnit, o: CodeUnit) => o !== u && o.startIndex <= u.startIndex && u.endIndex <= o.endIndex;
  const functions = candidates.filter((u) => u.kind !== 'class');
  const targets = [
    ...functions.filter((u) => !functions.some((o) => inside(u, o))),
    ...candidates.filter((c) => c.kind === 'class' && !units.some((u) => u.kind !== 'class' && inside(u, c))),
  ];
  if (targets.length) return targets.sort((a, b) => a.startIndex - b.startIndex);
  return focus && focus.length === 0 ? [] : units.filter((u) => u.kind === 'module');
}

/** Whether a finding reports a parse failure (whose followers are usually a cascade of it). */
function isSyntaxFinding(f: Pick<Finding, 'rule'>): boolean {
  if (f.rule.startsWith('syntax-') || f.rule === 'ruff-syntax' || f.rule === 'eslint-parse') return true;
  // TypeScript's scanner and parser diagnostics are numbered 1000–1199.
  const ts = /^ts-(\d+)$/.exec(f.rule);
  return ts !== null && Number(ts[1]) >= 1000 && Number(ts[1]) < 1200;
}

/**
 * One broken bracket makes every parser report a cascade of errors after it. Keep only the
 * first syntax error of the file, preferring the language's own parser (ruff, TypeScript) to
 * tree-sitter's recovery, which is a fallback for when those did not run.
 */
function firstSyntaxError(findings: Finding[]): Finding[] {
  const syntax = findings.filter(isSyntaxFinding);
  if (syntax.length <= 1) return findings;
  const authoritative = syntax.filter((f) => f.source !== 'syntax');
  const pool = authoritative.length ? authoritative : syntax;
  const keep = pool.reduce((a, b) => (compareFindings(b, a) < 0 ? b : a));
  return findings.filter((f) => !isSyntaxFinding(f) || f === keep);
}

/** The evidence record of a failing test placed on the change: now about the edited unit (the summary counts it there). */
function retarget(records: EvidenceRecord[], executed: NonNullable<RawFinding['executed']>, unit: string): void {
  const from = executed.unit ?? moduleUnitName;
  const i = records.findIndex((x) => x.kind === 'test' && x.subject === executed.test && x.unit === from);
  if (i >= 0) records[i] = { ...records[i]!, unit };
}

function touchesChanges(finding: RawFinding, unit: CodeUnit, changed: readonly LineRange[]): boolean {
  // An executed failure is caused by the unit's code, not by the line its name is on.
  const range = finding.tier === 'executed' && unit.kind !== 'module' ? unit.range : finding.range;
  return changed.some((c) => rangesOverlap(range, { start: { line: c.start, character: 0 }, end: { line: c.end, character: Number.MAX_SAFE_INTEGER } }));
}
