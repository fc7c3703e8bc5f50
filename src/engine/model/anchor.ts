/**
 * Quote anchoring and the precision rules for model findings.
 *
 * A model finding must quote the code it is about. The quote is looked up in the unit's text
 * (exactly, then ignoring whitespace differences); a quote that is not in the code is a
 * hallucination and the finding is dropped. The located span becomes the finding's range, which is
 * what makes diagnostics land on the right characters.
 */
import type { Level, Position, Range, Tier } from '../findings.js';
import { rangesOverlap } from '../findings.js';
import type { Redaction } from './redact.js';
import { toOriginalOffset, toRedactedOffset } from './redact.js';

/** Where to look for a quote. Offsets are UTF-16 indices into `documentText` (tree-sitter's `startIndex`/`endIndex`). */
export interface AnchorInput {
  /** The document as it is on disk or in the editor (not redacted). */
  documentText: string;
  unitStart: number;
  unitEnd: number;
  /**
   * When the model saw a redacted copy: `redactSecrets(documentText)`. The quote is searched in
   * `redaction.text` and the span mapped back to `documentText`.
   */
  redaction?: Redaction;
}

/** How the quote was found: verbatim, after collapsing or removing whitespace, or around an ellipsis (`...`). */
export type AnchorMatch = 'exact' | 'whitespace' | 'elided';

export interface QuoteAnchor {
  /** The quote's span in the original document (0-based lines, UTF-16 characters). */
  range: Range;
  /** Offsets of the span in the original document. */
  start: number;
  end: number;
  /** False when the quote was not in the unit but elsewhere in the document (nearest occurrence). */
  inUnit: boolean;
  match: AnchorMatch;
}

/** Quotes with fewer non-space characters than this match too much to mean anything. */
export const minQuoteChars = 3;

interface Span {
  start: number;
  end: number;
}

function isSpace(code: number): boolean {
  if (code === 32 || (code >= 9 && code <= 13)) return true;
  return code > 127 && /\s/.test(String.fromCharCode(code));
}

/** `text[from..to)` with whitespace runs collapsed to one space (or dropped), plus each kept char's offset. */
function squeeze(text: string, from: number, to: number, dropAll: boolean): { norm: string; map: number[] } {
  const chars: string[] = [];
  const map: number[] = [];
  let inSpace = false;
  for (let i = from; i < to; i++) {
    const ch = text[i]!;
    if (isSpace(ch.charCodeAt(0))) {
      if (!dropAll && !inSpace) {
        chars.push(' ');
        map.push(i);
      }
      inSpace = true;
    } else {
      chars.push(ch);
      map.push(i);
      inSpace = false;
    }
  }
  return { norm: chars.join(''), map };
}

function squeezeQuote(quote: string, dropAll: boolean): string {
  return dropAll ? quote.replace(/\s+/g, '') : quote.replace(/\s+/g, ' ').trim();
}

/** All occurrences of `quote` in `text[from..to)`, with the first matching strategy that finds any. */
function occurrences(quote: string, text: string, from: number, to: number): { spans: Span[]; match: AnchorMatch } {
  const exact: Span[] = [];
  for (let i = text.indexOf(quote, from); i >= 0 && i + quote.length <= to; i = text.indexOf(quote, i + 1)) {
    exact.push({ start: i, end: i + quote.length });
  }
  if (exact.length) return { spans: exact, match: 'exact' };
  for (const dropAll of [false, true]) {
    const q = squeezeQuote(quote, dropAll);
    if (!q) continue;
    const { norm, map } = squeeze(text, from, to, dropAll);
    const spans: Span[] = [];
    for (let i = norm.indexOf(q); i >= 0; i = norm.indexOf(q, i + 1)) {
      spans.push({ start: map[i]!, end: map[i + q.length - 1]! + 1 });
    }
    if (spans.length) return { spans, match: 'whitespace' };
  }
  return { spans: [], match: 'exact' };
}

/** `first ... last`: each piece found in order; the span runs from the first piece to the last. */
function elided(quote: string, text: string, from: number, to: number): Span | null {
  const pieces = quote.split(/\s*(?:\.\.\.|…)\s*/).filter((p) => p.trim());
  // `for x in xs: ...` elides the end: one piece is enough when an ellipsis was really there.
  if (pieces.length === 0 || (pieces.length === 1 && pieces[0]!.trim() === quote.trim()) || pieces.some((p) => p.replace(/\s/g, '').length < minQuoteChars)) return null;
  let at = from;
  let start = -1;
  for (const piece of pieces) {
    const found = occurrences(piece, text, at, to).spans[0];
    if (!found) return null;
    if (start < 0) start = found.start;
    at = found.end;
  }
  return { start, end: at };
}

/** The quote without decoration models add: surrounding backticks or a Markdown fence. */
function undecorate(quote: string): string {
  const t = quote.trim();
  const fenced = /^```[\w+-]*[ \t]*\r?\n([\s\S]*?)\r?\n?```$/.exec(t);
  if (fenced) return fenced[1]!;
  const ticked = /^`([^`]+)`$/.exec(t);
  return ticked ? ticked[1]! : t;
}

/** `12: `, `12 | `, `L12 `, `12.\t`: a line-number gutter models copy from the numbered prompt or an editor. */
const lineNumberPrefix = /^[ \t]*(?:L|line[ \t]*)?\d+[ \t]*(?:[:|.)\]][ \t]?|\t|[ \t](?=[ \t]))/i;

/** The quote without a line-number gutter, when every non-blank line has one; else undefined. */
function withoutLineNumbers(quote: string): string | undefined {
  const lines = quote.split(/\r?\n/);
  const numbered = lines.filter((l) => l.trim() !== '');
  if (!numbered.length || !numbered.every((l) => lineNumberPrefix.test(l))) return undefined;
  return lines.map((l) => l.replace(lineNumberPrefix, '')).join('\n').replace(/^[ \t]+/, '');
}

/** The quote as given, then without decoration, then without a line-number gutter (most literal first). */
function quoteVariants(quote: string): string[] {
  const plain = undecorate(quote);
  const variants = [quote, plain, withoutLineNumbers(plain)].filter((q): q is string => q !== undefined);
  return [...new Set(variants)];
}

/** Finds `quote` in `text[from..to)`: the first occurrence, or null. */
export function findQuote(quote: string, text: string, from = 0, to = text.length): (Span & { match: AnchorMatch }) | null {
  for (const q of quoteVariants(quote)) {
    if (q.replace(/\s/g, '').length < minQuoteChars) continue;
    const { spans, match } = occurrences(q, text, from, to);
    if (spans[0]) return { ...spans[0], match };
    const e = elided(q, text, from, to);
    if (e) return { ...e, match: 'elided' };
  }
  return null;
}

/**
 * Locates a finding's quote and returns its range in the original document, or null when the quote
 * is too short or not in the code (a hallucinated finding: drop it). The occurrence inside the unit
 * wins; otherwise the occurrence nearest to the unit elsewhere in the document (`inUnit: false`).
 */
export function anchorQuote(quote: string, input: AnchorInput): QuoteAnchor | null {
  const { documentText, redaction } = input;
  const text = redaction ? redaction.text : documentText;
  const unitStart = redaction ? toRedactedOffset(redaction, input.unitStart, 'start') : input.unitStart;
  const unitEnd = redaction ? toRedactedOffset(redaction, input.unitEnd, 'end') : input.unitEnd;
  let found: (Span & { match: AnchorMatch }) | null = findQuote(quote, text, unitStart, unitEnd);
  let inUnit = true;
  if (!found) {
    inUnit = false;
    for (const q of quoteVariants(quote)) {
      if (q.replace(/\s/g, '').length < minQuoteChars) continue;
      const { spans, match } = occurrences(q, text, 0, text.length);
      const distance = (s: Span) => (s.end <= unitStart ? unitStart - s.end : s.start >= unitEnd ? s.start - unitEnd : 0);
      const nearest = spans.sort((a, b) => distance(a) - distance(b))[0];
      if (nearest) {
        found = { ...nearest, match };
        break;
      }
    }
  }
  if (!found) return null;
  const start = redaction ? toOriginalOffset(redaction, found.start, 'start') : found.start;
  const end = redaction ? toOriginalOffset(redaction, found.end, 'end') : found.end;
  return { range: rangeOfOffsets(documentText, start, end), start, end, inUnit, match: found.match };
}

/** 0-based line and UTF-16 character of an offset; `\r\n`, `\n` and `\r` all end a line, as in VS Code. */
export function positionAt(text: string, offset: number): Position {
  const at = Math.max(0, Math.min(offset, text.length));
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < at; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: at - lineStart };
}

export function rangeOfOffsets(text: string, start: number, end: number): Range {
  return { start: positionAt(text, start), end: positionAt(text, end) };
}

/** What `applyBudget` needs: findings from the model (`severity`) or already-built Findings (`level`). */
export interface Budgeted {
  confidence: number;
  severity?: Level;
  level?: Level;
  /** Findings of different units get separate budgets; absent means one unit. */
  unit?: string;
}

export interface BudgetOptions {
  maxPerUnit: number;
  minConfidence: number;
}

const severityRank: Record<Level, number> = { error: 3, warning: 2, note: 1 };

/**
 * Precision over volume: drops findings below the confidence floor, then keeps each unit's top
 * `maxPerUnit` by confidence, then severity (input order breaks ties). Returns them in that ranking.
 */
export function applyBudget<T extends Budgeted>(findings: readonly T[], options: BudgetOptions): T[] {
  const groups = new Map<string | undefined, Array<{ f: T; i: number }>>();
  findings.forEach((f, i) => {
    if (!(f.confidence >= options.minConfidence)) return;
    const g = groups.get(f.unit) ?? [];
    g.push({ f, i });
    groups.set(f.unit, g);
  });
  const rank = (f: T) => severityRank[f.severity ?? f.level ?? 'note'] ?? 0;
  const out: T[] = [];
  for (const g of groups.values()) {
    g.sort((a, b) => b.f.confidence - a.f.confidence || rank(b.f) - rank(a.f) || a.i - b.i);
    out.push(...g.slice(0, Math.max(0, options.maxPerUnit)).map((x) => x.f));
  }
  return out;
}

/**
 * The level of a model finding: the model's reading alone is at most a warning; a model `error`
 * stays an error only when tool or executed evidence reports a problem on an overlapping span.
 */
export function levelForModelFinding(severity: Level, corroborated: boolean): Level {
  if (severity === 'error') return corroborated ? 'error' : 'warning';
  return severity;
}

/** True when a `tool` or `executed` finding in the same file overlaps the range. */
export function isCorroborated(
  target: { file: string; range: Range },
  evidence: ReadonlyArray<{ file: string; range: Range; tier: Tier }>,
): boolean {
  return evidence.some((e) => e.tier !== 'model' && e.file === target.file && rangesOverlap(e.range, target.range));
}
