/**
 * Moving ranges through text edits. VS Code does not move diagnostics when the text above them
 * changes, so the extension shifts the ranges of the findings it keeps itself. Pure code: the
 * controller converts VS Code's change events into `TextEdit`s.
 */
import { comparePositions, type Position, type Range } from '../engine/findings.js';
import type { LineRange } from '../engine/pipeline.js';

/** One replacement, in the coordinates of the text before it (like a content change event). */
export interface TextEdit {
  range: Range;
  text: string;
}

/** Where the end of `text` lands when it is inserted at `start`. */
function endOfInsertion(start: Position, text: string): Position {
  const lastBreak = text.lastIndexOf('\n');
  if (lastBreak < 0) return { line: start.line, character: start.character + text.length };
  const lines = text.split('\n').length - 1;
  return { line: start.line + lines, character: text.length - lastBreak - 1 };
}

/** A position after the edit (at or beyond its end) moved to the new text; one before it stays. */
export function shiftPosition(p: Position, edit: TextEdit): Position {
  if (comparePositions(p, edit.range.end) < 0) return p;
  const newEnd = endOfInsertion(edit.range.start, edit.text);
  if (p.line === edit.range.end.line) return { line: newEnd.line, character: newEnd.character + (p.character - edit.range.end.character) };
  return { line: p.line + (newEnd.line - edit.range.end.line), character: p.character };
}

/** Whether the edit changes text inside the range (touching its ends from outside does not count). */
export function editTouches(range: Range, edit: TextEdit): boolean {
  const { start, end } = edit.range;
  const empty = comparePositions(start, end) === 0;
  if (empty) return comparePositions(range.start, start) < 0 && comparePositions(start, range.end) < 0;
  return comparePositions(start, range.end) < 0 && comparePositions(range.start, end) < 0;
}

/** The range after the edit, or undefined when the edit changed text inside it. */
export function shiftRange(range: Range, edit: TextEdit): Range | undefined {
  if (editTouches(range, edit)) return undefined;
  const start = shiftPosition(range.start, edit);
  // Text typed right after a range is not part of it (its end stays); an empty range moves whole.
  const empty = comparePositions(range.start, range.end) === 0;
  const end = !empty && comparePositions(range.end, edit.range.start) <= 0 ? range.end : shiftPosition(range.end, edit);
  return { start, end };
}

/**
 * A range that contains the edit grows or shrinks with it (a function someone types in); one the
 * edit only partly covers is gone (undefined).
 */
export function resizeRange(range: Range, edit: TextEdit): Range | undefined {
  const contains = comparePositions(range.start, edit.range.start) <= 0 && comparePositions(edit.range.end, range.end) <= 0;
  if (contains) return { start: range.start, end: shiftPosition(range.end, edit) };
  return shiftRange(range, edit);
}

/** The lines (0-based, inclusive) the edit's new text occupies. */
export function linesAfterEdit(edit: TextEdit): LineRange {
  const end = endOfInsertion(edit.range.start, edit.text);
  return { start: edit.range.start.line, end: end.line };
}

/** Moves a line range through an edit: lines above stay, lines below move, an overlapped range covers the new text. */
export function shiftLines(lines: LineRange, edit: TextEdit): LineRange {
  const delta = endOfInsertion(edit.range.start, edit.text).line - edit.range.end.line;
  if (edit.range.end.line < lines.start) return { start: lines.start + delta, end: lines.end + delta };
  if (edit.range.start.line > lines.end) return lines;
  const inserted = linesAfterEdit(edit);
  return { start: Math.min(lines.start, inserted.start), end: Math.max(lines.end + delta, inserted.end) };
}

/**
 * What `critic.autoCheck: insertions` reacts to: one change that inserts several lines at once, as
 * a paste or an accepted completion does (typing adds one line at a time).
 */
export function isMultiLineInsertion(edit: TextEdit): boolean {
  const newLines = edit.text.split('\n').length - 1;
  const nonBlank = edit.text.split('\n').filter((l) => l.trim() !== '').length;
  return newLines >= 1 && nonBlank >= 2;
}

/** Sorted, merged line ranges. */
export function mergeLines(ranges: readonly LineRange[]): LineRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: LineRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}
