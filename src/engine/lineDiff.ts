/**
 * The lines a text's author changed against an earlier version (the committed file, when the
 * editor's buffer is critiqued): what `git diff -U0` would mark, computed in-process because the
 * buffer may be unsaved. The edit script is jsdiff's Myers diff, as for rewrites' diffs.
 */
import { structuredPatch } from 'diff';
import type { LineRange } from './findings.js';

/** Beyond this many inserted plus removed lines the middle between the common head and tail is taken as one edit. */
const maxEditLength = 4_000;

const withoutCr = (text: string): string => text.replace(/\r\n/g, '\n');

/**
 * Changed lines of `after` (0-based, inclusive ranges) against `before`. A hunk that adds or
 * replaces lines marks those; one that only removes marks the lines on each side of the gap (a
 * dropped statement leaves no line of its own).
 */
export function editedLines(before: string, after: string): LineRange[] {
  const a = withoutCr(before);
  const b = withoutCr(after);
  if (a === b) return [];
  const count = b.split('\n').length;
  const patch = structuredPatch('', '', a, b, '', '', { context: 0, maxEditLength });
  const out: LineRange[] = [];
  const add = (start: number, end: number) => {
    const from = Math.max(0, start);
    const to = Math.min(count - 1, end);
    if (from > to) return;
    const last = out[out.length - 1];
    if (last && from <= last.end + 1) last.end = Math.max(last.end, to);
    else out.push({ start: from, end: to });
  };
  if (!patch) {
    const x = a.split('\n');
    const y = b.split('\n');
    let head = 0;
    while (head < x.length && head < y.length && x[head] === y[head]) head++;
    let tail = 0;
    while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
    add(head, Math.max(head, y.length - 1 - tail));
    return out;
  }
  // jsdiff's newStart is 1-based; for a removal it is the line after the gap.
  for (const h of patch.hunks) {
    if (h.newLines) add(h.newStart - 1, h.newStart + h.newLines - 2);
    else add(h.newStart - 2, h.newStart - 1);
  }
  return out;
}
