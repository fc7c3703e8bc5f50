/**
 * Re-anchors a verified rewrite after the document changed elsewhere: the rewrite replaced text
 * inside one unit; if that unit's text is still in the document, unchanged, the same replacement
 * is made where the unit now is. If the unit itself changed, the verification no longer speaks
 * for it and the rewrite is dropped. Pure code, unit-tested.
 */

export interface AnchoredRewrite {
  /** The document text the rewrite was made for. */
  before: string;
  /** The whole document with the rewrite. */
  after: string;
  /** Offsets of the rewritten unit in `before`. */
  unitStart: number;
  unitEnd: number;
}

/** The smallest single replacement that turns `before` into `after`. */
export function minimalReplacement(before: string, after: string): { start: number; end: number; text: string } {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let endB = before.length;
  let endA = after.length;
  while (endB > start && endA > start && before[endB - 1] === after[endA - 1]) {
    endB--;
    endA--;
  }
  return { start, end: endB, text: after.slice(start, endA) };
}

/**
 * `current` with the rewrite applied to the unit where it is now, or undefined when the unit is
 * not in `current` unchanged (exactly once, or nearest its old place when repeated), or the
 * rewrite reached outside its unit.
 */
export function reanchorRewrite(rewrite: AnchoredRewrite, current: string): string | undefined {
  if (current === rewrite.before) return rewrite.after;
  const { before, unitStart, unitEnd } = rewrite;
  if (unitStart < 0 || unitEnd > before.length || unitStart >= unitEnd) return undefined;
  const r = minimalReplacement(before, rewrite.after);
  if (r.start < unitStart || r.end > unitEnd) return undefined;
  const unitText = before.slice(unitStart, unitEnd);
  let best: number | undefined;
  for (let at = current.indexOf(unitText); at >= 0; at = current.indexOf(unitText, at + 1)) {
    if (best === undefined || Math.abs(at - unitStart) < Math.abs(best - unitStart)) best = at;
  }
  if (best === undefined) return undefined;
  const offset = best - unitStart;
  return current.slice(0, r.start + offset) + r.text + current.slice(r.end + offset);
}

/** The offset of a 0-based line/character position in `text` (clamped to the text). */
export function offsetOf(text: string, position: { line: number; character: number }): number {
  let offset = 0;
  for (let line = 0; line < position.line; line++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  const lineEnd = text.indexOf('\n', offset);
  return Math.min(offset + position.character, lineEnd < 0 ? text.length : lineEnd);
}
