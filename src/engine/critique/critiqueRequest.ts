/**
 * What one critique request holds: a batch of units of one file, the context they use, the
 * evidence about them and the diff hunks that touch them — every text redacted, so quotes anchor
 * against exactly what the model saw.
 */
import { relative, sep } from 'node:path';
import { isAbortError } from '../abort.js';
import type { Finding } from '../findings.js';
import type { EvidenceRecord, SourceDocument } from '../evidence/tool.js';
import { buildCritiquePrompt, evidenceFromFinding, evidenceFromRecord, requestFor, type EvidenceItem, type PromptUnit } from '../model/prompt.js';
import type { ModelRequest } from '../model/provider.js';
import { redactedSlice, type Redaction } from '../model/redact.js';
import { redactOutgoing } from '../model/secretVault.js';
import { packContext } from '../syntax/contextPack.js';
import type { SyntaxService } from '../syntax/syntaxService.js';
import type { CodeUnit } from '../syntax/units.js';
import type { Logger } from '../types.js';

/** Units of one file are sent together until their text reaches about this many lines. */
export const batchLines = 200;

function lineCount(u: CodeUnit): number {
  return u.range.end.line - u.range.start.line + 1;
}

/**
 * Groups units (in file order) into batches of about `maxLines` lines, so a file of small
 * functions costs a few requests instead of one per function; a unit longer than that goes alone.
 */
export function batchUnits(units: readonly CodeUnit[], maxLines = batchLines): CodeUnit[][] {
  const batches: CodeUnit[][] = [];
  let current: CodeUnit[] = [];
  let lines = 0;
  for (const u of [...units].sort((a, b) => a.startIndex - b.startIndex)) {
    const n = lineCount(u);
    if (current.length && lines + n > maxLines) {
      batches.push(current);
      current = [];
      lines = 0;
    }
    current.push(u);
    lines += n;
  }
  if (current.length) batches.push(current);
  return batches;
}

/**
 * The hunks of a unified diff whose new-side lines touch the units (with the file header lines),
 * so each batch sees only its own changes. A diff without hunk headers is kept whole.
 */
export function hunksTouching(diff: string, units: readonly CodeUnit[]): string | undefined {
  const lines = diff.split('\n');
  const header: string[] = [];
  const hunks: Array<{ start: number; end: number; lines: string[] }> = [];
  for (const line of lines) {
    const h = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (h) {
      const start = Number(h[1]);
      const count = h[2] === undefined ? 1 : Number(h[2]);
      hunks.push({ start, end: start + Math.max(count, 1) - 1, lines: [line] });
    } else if (hunks.length) hunks[hunks.length - 1]!.lines.push(line);
    else header.push(line);
  }
  if (hunks.length === 0) return diff.trim() ? diff : undefined;
  // Hunk lines are 1-based; unit ranges 0-based.
  const kept = hunks.filter((h) => units.some((u) => h.start <= u.range.end.line + 1 && u.range.start.line + 1 <= h.end));
  if (kept.length === 0) return undefined;
  return [...header.filter((l) => l.trim()), ...kept.flatMap((h) => h.lines)].join('\n');
}

/** A text that leaves the machine, with the number of secrets taken out of it. */
function redacted(text: string, count: { n: number }): string {
  const r = redactOutgoing(text);
  count.n += r.count;
  return r.text;
}

/** Evidence about the units `about` accepts: tool and executed findings (never model ones) and run records. */
export function evidenceFor(about: (unit: string) => boolean, findings: readonly Finding[], records: readonly EvidenceRecord[], count: { n: number }): EvidenceItem[] {
  const items: EvidenceItem[] = [];
  // Failing evidence first: the item list is capped, and failures are what the model must explain.
  const failing = (r: EvidenceRecord) => (r.status === 'passed' ? 1 : 0);
  for (const r of [...records].filter((r) => about(r.unit)).sort((a, b) => failing(a) - failing(b))) {
    const item = evidenceFromRecord(r);
    if (item.kind !== 'run') continue;
    items.push({
      ...item,
      subject: redacted(item.subject, count),
      expected: item.expected === undefined ? undefined : redacted(item.expected, count),
      actual: item.actual === undefined ? undefined : redacted(item.actual, count),
    });
  }
  for (const f of findings) {
    if (f.tier === 'model' || !about(f.unit)) continue;
    items.push(evidenceFromFinding({ ...f, message: redacted(f.message, count) }));
  }
  return items;
}

/** The unit as the model sees it: its redacted text from its first character. */
export function promptUnit(u: CodeUnit, redaction: Redaction): PromptUnit {
  return { name: u.name, text: redactedSlice(redaction, u.startIndex, u.endIndex), startLine: u.range.start.line + 1 };
}

/** The secrets inside the units' spans (each counted once per request that carries it). */
export function secretsIn(units: readonly CodeUnit[], redaction: Redaction): number {
  return redaction.replacements.filter((r) => units.some((u) => r.start < u.endIndex && u.startIndex < r.end)).length;
}

/** Packed context (imports, called signatures, class outline), redacted; '' when packing fails. */
export async function redactedContext(
  syntax: SyntaxService,
  doc: SourceDocument,
  units: readonly CodeUnit[],
  count: { n: number },
  log: Logger,
  signal?: AbortSignal,
): Promise<string> {
  try {
    const packed = await packContext(syntax, doc, units, signal);
    return redacted(packed.text, count);
  } catch (err) {
    if (isAbortError(err) || signal?.aborted) throw err;
    // The critique is still worth having without context.
    log.debug(`model: no context for ${doc.path}: ${(err as Error).message}`);
    return '';
  }
}

/** The path shown to the model and in diffs: relative to the project when inside it, with `/`. */
export function displayPath(doc: SourceDocument): string {
  const rel = relative(doc.projectRoot, doc.path);
  return (rel && !rel.startsWith('..') ? rel : doc.path).split(sep).join('/');
}

export interface CritiqueRequestInput {
  syntax: SyntaxService;
  doc: SourceDocument;
  redaction: Redaction;
  units: readonly CodeUnit[];
  /** Tool and executed findings of the document. */
  findings: readonly Finding[];
  records: readonly EvidenceRecord[];
  diffHunk?: string;
  maxFindingsPerUnit: number;
  log: Logger;
  signal: AbortSignal;
}

/** The critique request for one batch, and how many secrets were kept out of it. */
export async function critiqueRequest(input: CritiqueRequestInput): Promise<{ request: ModelRequest; redactedSecrets: number }> {
  const { doc, units, redaction } = input;
  const count = { n: secretsIn(units, redaction) };
  const names = new Set(units.map((u) => u.name));
  const context = await redactedContext(input.syntax, doc, units, count, input.log, input.signal);
  const diff = input.diffHunk ? hunksTouching(input.diffHunk, units) : undefined;
  const prompt = buildCritiquePrompt({
    language: doc.language,
    file: displayPath(doc),
    units: units.map((u) => promptUnit(u, redaction)),
    context,
    evidence: evidenceFor((u) => names.has(u), input.findings, input.records, count),
    diffHunk: diff === undefined ? undefined : redacted(diff, count),
    // The prompt states this budget per unit, and the engine enforces it per unit too.
    maxFindings: input.maxFindingsPerUnit,
  });
  return { request: requestFor('critique', prompt, { signal: input.signal }), redactedSecrets: count.n };
}
