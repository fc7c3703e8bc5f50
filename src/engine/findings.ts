/**
 * The Finding: the one shape every evidence tool, the critic model and the hosts agree on.
 * It is SARIF-shaped (see sarif.ts) but uses 0-based lines and UTF-16 columns internally,
 * like VS Code; conversions to 1-based happen only at the output edge.
 */
import { createHash } from 'node:crypto';

/** 0-based, inclusive line range. */
export interface LineRange {
  start: number;
  end: number;
}

export const tiers = ['executed', 'tool', 'model'] as const;
export type Tier = (typeof tiers)[number];

export const levels = ['error', 'warning', 'note'] as const;
export type Level = (typeof levels)[number];

/** Thresholds for `--fail-on`; `never` never fails. */
export const failOnValues = ['error', 'warning', 'note', 'never'] as const;
export type FailOn = (typeof failOnValues)[number];

export interface Position {
  /** 0-based line. */
  line: number;
  /** 0-based column in UTF-16 code units. */
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface RelatedLocation {
  file: string;
  range: Range;
  message: string;
}

export interface Finding {
  /** Rule identifier without the `critic/` prefix, e.g. `ts-2339`, `ruff-F821`, `syntax-error`. */
  rule: string;
  level: Level;
  message: string;
  /** Absolute path of the file the finding is in. */
  file: string;
  range: Range;
  /** Qualified name of the enclosing code unit, e.g. `Cart.total`, or `<module>`. */
  unit: string;
  tier: Tier;
  /** 0..1; deterministic tools report 1. */
  confidence: number;
  /** The tool that reported it (`typescript`, `ruff`, `eslint`, `syntax`, …). */
  source: string;
  /** Stable across edits above the finding; filled in by the pipeline. */
  fingerprint: string;
  related: RelatedLocation[];
  /** Other tools that reported the same problem on the same span (after merging). */
  alsoReportedBy?: string[];
  /** Link to documentation of the rule, when the tool has one. */
  helpUri?: string;
  /**
   * For a call that ran and misbehaved (an example, a probe): the call, what was expected and
   * what happened, in full — the message quotes them shortened; hovers show them as fields.
   */
  evidence?: CallEvidence;
}

export interface CallEvidence {
  call: string;
  expected?: string;
  actual?: string;
}

/** A finding as a tool produces it, before the pipeline places it in a unit and fingerprints it. */
export type RawFinding = Omit<Finding, 'unit' | 'fingerprint' | 'related'> & {
  related?: RelatedLocation[];
  /**
   * For a failing test with line coverage: the lines of the file (1-based) its run executed, and
   * the finding's message as an error on the code reads (a note's reason for not counting it left
   * out). The pipeline places it on what the change under critique edited (CheckOptions.changed)
   * when the run executed that; it never reaches the hosts.
   */
  executed?: {
    lines: readonly number[];
    message: string;
    /** Shown only when placed on the change (a test related through another module, whose failure is that module's otherwise). */
    onlyOnChange?: boolean;
    /** The unit the evidence alone placed it in (none: the test calls nothing the file defines). */
    unit?: string;
    /** The test's name, as its evidence record's `subject`. */
    test: string;
  };
};

const levelRank: Record<Level, number> = { error: 3, warning: 2, note: 1 };

export function levelAtLeast(level: Level, threshold: FailOn): boolean {
  if (threshold === 'never') return false;
  return levelRank[level] >= levelRank[threshold];
}

export function compareLevel(a: Level, b: Level): number {
  return levelRank[a] - levelRank[b];
}

export function comparePositions(a: Position, b: Position): number {
  return a.line - b.line || a.character - b.character;
}

export function rangesOverlap(a: Range, b: Range): boolean {
  // Empty ranges (a caret) overlap a range they touch.
  return comparePositions(a.start, b.end) <= 0 && comparePositions(b.start, a.end) <= 0;
}

export function rangeContains(outer: Range, inner: Range): boolean {
  return comparePositions(outer.start, inner.start) <= 0 && comparePositions(inner.end, outer.end) <= 0;
}

/** Orders findings by file, then position, then severity (most severe first). */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    comparePositions(a.range.start, b.range.start) ||
    compareLevel(b.level, a.level) ||
    (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)
  );
}

/**
 * A fingerprint that survives edits elsewhere in the file: it hashes the rule, the unit and the
 * whitespace-normalised text of the flagged lines, never line numbers. `occurrence` tells apart
 * identical findings in the same unit.
 */
export function fingerprintOf(rule: string, unit: string, flaggedText: string, occurrence: number): string {
  const normalised = flaggedText.replace(/\s+/g, ' ').trim();
  return createHash('sha256').update(`${rule}\0${unit}\0${normalised}\0${occurrence}`).digest('hex').slice(0, 32);
}

const tierRank: Record<Tier, number> = { executed: 3, tool: 2, model: 1 };

/**
 * Merges findings that different tools report for the same problem: same file, same tier,
 * same start line and overlapping spans. The survivor keeps the highest level, the strongest
 * evidence and the narrowest range; the others are listed in `alsoReportedBy`.
 */
export function mergeDuplicates(findings: Finding[]): Finding[] {
  const sorted = [...findings].sort(compareFindings);
  const out: Finding[] = [];
  for (const f of sorted) {
    const twin = out.find(
      (g) =>
        g.file === f.file &&
        g.source !== f.source &&
        !(g.alsoReportedBy ?? []).includes(f.source) &&
        g.tier === f.tier &&
        g.range.start.line === f.range.start.line &&
        rangesOverlap(g.range, f.range),
    );
    if (!twin) {
      out.push({ ...f, related: [...f.related] });
      continue;
    }
    const keepNew = compareLevel(f.level, twin.level) > 0 || tierRank[f.tier] > tierRank[twin.tier];
    const winner = keepNew ? { ...f, related: [...f.related] } : twin;
    const loser = keepNew ? twin : f;
    winner.alsoReportedBy = [...new Set([...(winner.alsoReportedBy ?? []), loser.source, ...(loser.alsoReportedBy ?? [])])];
    winner.related.push(...loser.related);
    winner.confidence = Math.max(winner.confidence, loser.confidence);
    if (keepNew) out[out.indexOf(twin)] = winner;
  }
  return out;
}

export interface Summary {
  error: number;
  warning: number;
  note: number;
  files: number;
}

export function summarise(findings: Finding[], files: number): Summary {
  const s: Summary = { error: 0, warning: 0, note: 0, files };
  for (const f of findings) s[f.level]++;
  return s;
}
