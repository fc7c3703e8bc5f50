/**
 * From a member's critique answer to model findings: each quote is anchored in the batch's units
 * (quote, then comment), the precision budget is applied per unit, and the level follows the
 * evidence (a model-only finding is at most a warning).
 */
import { rangesOverlap, type Range, type RawFinding, type RelatedLocation, type Tier } from '../findings.js';
import { anchorQuote, applyBudget, isCorroborated, levelForModelFinding } from '../model/anchor.js';
import type { Redaction } from '../model/redact.js';
import type { Category, CritiqueAnswer, Severity } from '../model/schemas.js';
import type { CodeUnit } from '../syntax/units.js';
import { oneLine } from '../text.js';
import type { ModelStats } from './types.js';

/** The source of every critique finding; one source keeps the pipeline from merging a model with itself. */
export const modelSource = 'model';

/** Model messages are kept to one short paragraph. */
export const maxMessageChars = 400;

/** One anchored finding of one panel member. */
export interface Candidate {
  /** Index of the member in the panel (ids may repeat). */
  member: number;
  model: string;
  /** Qualified name of the unit the quote is in (the budget's key). */
  unit: string;
  range: Range;
  message: string;
  category: Category;
  severity: Severity;
  confidence: number;
}

/** Tool or executed evidence that can corroborate a model finding. */
export interface Evidence {
  file: string;
  range: Range;
  tier: Tier;
  rule: string;
  source: string;
  message: string;
  related?: readonly RelatedLocation[];
}

export interface AnchorContext {
  documentText: string;
  redaction: Redaction;
  units: readonly CodeUnit[];
}

/**
 * Anchors every finding of an answer in the units of its batch. A quote that is nowhere in the
 * document is a hallucination; one found only outside the units is about code not under critique.
 * Both are dropped and counted.
 */
export function anchorAnswer(answer: CritiqueAnswer, member: number, model: string, ctx: AnchorContext, stats: ModelStats): Candidate[] {
  const out: Candidate[] = [];
  for (const f of answer.findings) {
    let placed: { unit: CodeUnit; range: Range } | undefined;
    let elsewhere = false;
    for (const unit of ctx.units) {
      const a = anchorQuote(f.quote, { documentText: ctx.documentText, unitStart: unit.startIndex, unitEnd: unit.endIndex, redaction: ctx.redaction });
      if (!a) break; // Not in the document at all: no other unit will find it either.
      if (a.inUnit) {
        placed = { unit, range: a.range };
        break;
      }
      elsewhere = true;
    }
    if (!placed) {
      if (elsewhere) stats.outsideUnit++;
      else stats.hallucinated++;
      continue;
    }
    out.push({
      member,
      model,
      unit: placed.unit.name,
      range: placed.range,
      message: oneLine(f.message, maxMessageChars),
      category: f.category,
      severity: f.severity,
      confidence: f.confidence,
    });
  }
  return out;
}

/** Drops findings under the confidence floor and over each unit's budget, counting both. */
export function budgeted<T extends { confidence: number; severity: Severity; unit: string }>(
  candidates: readonly T[],
  options: { maxPerUnit: number; minConfidence: number },
  stats: ModelStats,
): T[] {
  const above = candidates.filter((c) => c.confidence >= options.minConfidence);
  stats.belowConfidenceFloor += candidates.length - above.length;
  const kept = applyBudget(above, options);
  stats.overBudget += above.length - kept.length;
  return kept;
}

/**
 * The evidence that corroborates a finding: tool or executed findings on an overlapping span, or
 * an executed finding whose related locations (the failing example, the line that raised) overlap
 * it, since executed findings sit on the unit's name rather than on the faulty line.
 */
export function corroboratingEvidence(target: { file: string; range: Range }, evidence: readonly Evidence[]): Evidence[] {
  return evidence.filter(
    (e) =>
      isCorroborated(target, [e]) ||
      (e.tier === 'executed' && (e.related ?? []).some((r) => r.file === target.file && rangesOverlap(r.range, target.range))),
  );
}

/** Extra text and locations a panel adds to a kept finding. */
export interface PanelNote {
  suffix: string;
  related: RelatedLocation[];
}

/** The RawFinding of a kept candidate. */
export function toRawFinding(c: Candidate, file: string, evidence: readonly Evidence[], panel?: PanelNote): RawFinding {
  const corroborating = corroboratingEvidence({ file, range: c.range }, evidence);
  const related: RelatedLocation[] = [
    ...corroborating.map((e) => ({ file: e.file, range: e.range, message: `corroborated by ${e.source} ${e.rule}: ${oneLine(e.message, 160)}` })),
    ...(panel?.related ?? []),
  ];
  return {
    rule: `model-${c.category}`,
    level: levelForModelFinding(c.severity, corroborating.length > 0),
    message: `${c.message}${panel?.suffix ?? ''}`,
    file,
    range: c.range,
    tier: 'model',
    confidence: c.confidence,
    source: modelSource,
    ...(related.length ? { related } : {}),
  };
}
