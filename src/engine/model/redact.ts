/**
 * Secret redaction for every text that leaves the machine (prompts to a critic model).
 *
 * Secrets are replaced by placeholders such as `<REDACTED:openai-key>` while the code around them
 * (quotes, variable names, URL shape, line count) stays intact, so the model still reads the code's
 * structure. Placeholders are never matched again: redacting twice is a no-op.
 *
 * Anchoring quotes: the model quotes the *redacted* text. Redact the whole document once, give the
 * model `redactedSlice(redaction, unit.startIndex, unit.endIndex)` for each unit, and pass the same
 * `redaction` to `anchorQuote` (anchor.ts), which searches the redacted text and maps the span back
 * through `replacements` with `toOriginalOffset`. A quote that covers part of a placeholder maps to
 * the whole original secret span.
 */
import { placeholder, placeholderPrefix, rules, type Candidate } from './secretRules.js';

/** One replaced secret: its span in the original text and the placeholder's span in the redacted text. */
export interface Replacement {
  start: number;
  end: number;
  redactedStart: number;
  redactedEnd: number;
  /** What was found: `openai-key`, `password`, `private-key`, … */
  kind: string;
}

export interface Redaction {
  text: string;
  /** How many secrets were replaced. */
  count: number;
  /** Sorted by position, non-overlapping. */
  replacements: Replacement[];
}

export { isSecretName } from './secretNames.js';
export { placeholder } from './secretRules.js';

export interface RedactOptions {
  /**
   * Secret values known from elsewhere (value → kind), replaced wherever they appear: a password
   * found in a test file is hidden in the test's output too. See secretVault.ts.
   */
  values?: ReadonlyMap<string, string>;
}

/** Every occurrence of each known value, longest values first (so a value inside another loses). */
function valueCandidates(text: string, values: ReadonlyMap<string, string>): Candidate[] {
  const out: Candidate[] = [];
  for (const [value, kind] of [...values].sort((x, y) => y[0].length - x[0].length)) {
    for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + value.length)) out.push({ start: at, end: at + value.length, kind });
  }
  return out;
}

/** The secret spans in `text`, before replacement: sorted, non-overlapping. */
export function findSecrets(text: string, opts: RedactOptions = {}): Candidate[] {
  const accepted: Candidate[] = [];
  const overlaps = (c: Candidate) => accepted.some((a) => c.start < a.end && a.start < c.end);
  for (const rule of rules) {
    for (const c of rule(text)) if (c.end > c.start && !overlaps(c)) accepted.push(c);
  }
  if (opts.values?.size) {
    for (const c of valueCandidates(text, opts.values)) if (!overlaps(c) && !text.slice(c.start, c.end).includes(placeholderPrefix)) accepted.push(c);
  }
  return accepted.sort((a, b) => a.start - b.start);
}

/** Replaces secrets in `text` with placeholders; see the module comment for anchoring. */
export function redactSecrets(text: string, opts: RedactOptions = {}): Redaction {
  const accepted = findSecrets(text, opts);
  if (accepted.length === 0) return { text, count: 0, replacements: [] };
  const parts: string[] = [];
  const replacements: Replacement[] = [];
  let last = 0;
  let length = 0;
  for (const c of accepted) {
    const before = text.slice(last, c.start);
    parts.push(before);
    length += before.length;
    const replacement = c.with ?? placeholder(c.kind);
    parts.push(replacement);
    replacements.push({ start: c.start, end: c.end, redactedStart: length, redactedEnd: length + replacement.length, kind: c.kind });
    length += replacement.length;
    last = c.end;
  }
  parts.push(text.slice(last));
  return { text: parts.join(''), count: replacements.length, replacements };
}

/**
 * Maps an offset in the redacted text back to the original. An offset inside a placeholder maps to
 * the secret's start (`bias: 'start'`) or end (`bias: 'end'`), so a span never cuts a secret in half.
 */
export function toOriginalOffset(redaction: Pick<Redaction, 'replacements'>, offset: number, bias: 'start' | 'end'): number {
  let delta = 0;
  for (const r of redaction.replacements) {
    if (offset <= r.redactedStart) break;
    if (offset < r.redactedEnd) return bias === 'start' ? r.start : r.end;
    delta = r.end - r.redactedEnd;
  }
  return offset + delta;
}

/** Maps an offset in the original text to the redacted text (the inverse of `toOriginalOffset`). */
export function toRedactedOffset(redaction: Pick<Redaction, 'replacements'>, offset: number, bias: 'start' | 'end'): number {
  let delta = 0;
  for (const r of redaction.replacements) {
    if (offset <= r.start) break;
    if (offset < r.end) return bias === 'start' ? r.redactedStart : r.redactedEnd;
    delta = r.redactedEnd - r.end;
  }
  return offset + delta;
}

/** The redacted text of an original span, e.g. a unit's `startIndex..endIndex`: what the model sees. */
export function redactedSlice(redaction: Redaction, start: number, end: number): string {
  return redaction.text.slice(toRedactedOffset(redaction, start, 'start'), toRedactedOffset(redaction, end, 'end'));
}
