/**
 * Maps the lines of one version of a file onto another (the staged blob onto the working file):
 * a line diff by the longest common subsequence of lines, after trimming the common head and
 * tail. A finding of the staged version moves to the working file only when the lines it is about
 * — its whole unit, when the unit is known — are there unchanged; otherwise it stays on the
 * read-only staged view. Pure code, unit-tested.
 */
import type { Finding, Range } from '../engine/findings.js';
import type { CodeUnit } from '../engine/syntax/units.js';

/** Beyond this many differing lines on each side the middle is not aligned (nothing there maps). */
const maxMiddle = 3_000;

function linesOf(text: string): string[] {
  return text.replace(/\r\n/g, '\n').split('\n');
}

/** For each line of `from`, its line in `to` when it is part of the common subsequence. */
export function mapLines(from: string, to: string): Array<number | undefined> {
  const a = linesOf(from);
  const b = linesOf(to);
  const map: Array<number | undefined> = new Array(a.length).fill(undefined);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) {
    map[head] = head;
    head++;
  }
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) {
    map[a.length - 1 - tail] = b.length - 1 - tail;
    tail++;
  }
  const n = a.length - head - tail;
  const m = b.length - head - tail;
  if (n === 0 || m === 0 || n > maxMiddle || m > maxMiddle) return map;
  // LCS lengths of suffixes, one row per line of `a` (n·m small numbers).
  const width = m + 1;
  const lcs = new Uint16Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] = a[head + i] === b[head + j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[head + i] === b[head + j]) {
      map[head + i] = head + j;
      i++;
      j++;
    } else if (lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!) i++;
    else j++;
  }
  return map;
}

/** The lines start..end mapped as one unchanged block (consecutive in the target), or undefined. */
function mapBlock(map: ReadonlyArray<number | undefined>, start: number, end: number): number | undefined {
  const first = map[start];
  if (first === undefined) return undefined;
  for (let line = start; line <= end; line++) if (map[line] !== first + (line - start)) return undefined;
  return first - start;
}

function shift(r: Range, by: number): Range {
  return { start: { line: r.start.line + by, character: r.start.character }, end: { line: r.end.line + by, character: r.end.character } };
}

export interface MappedFindings {
  /** Findings moved onto the working file's lines. */
  mapped: Finding[];
  /** Findings whose lines (or unit) differ in the working file. */
  unmapped: Finding[];
}

/**
 * Splits the staged version's findings into those that correspond to lines of the working file
 * (moved there) and the rest. `units` are the staged version's units: a finding in a function maps
 * only when the whole function is unchanged, so a fix elsewhere in it is not hidden.
 */
export function mapFindings(findings: readonly Finding[], units: readonly CodeUnit[], map: ReadonlyArray<number | undefined>, file: string): MappedFindings {
  const mapped: Finding[] = [];
  const unmapped: Finding[] = [];
  for (const f of findings) {
    const unit = f.unit === '<module>' ? undefined : units.find((u) => u.name === f.unit && u.range.start.line <= f.range.start.line && f.range.end.line <= u.range.end.line);
    const block = unit ? { start: unit.range.start.line, end: unit.range.end.line } : { start: f.range.start.line, end: f.range.end.line };
    const by = mapBlock(map, block.start, block.end);
    if (by === undefined) {
      unmapped.push(f);
      continue;
    }
    const related = f.related.map((r) => {
      if (r.file !== file) return r;
      const to = mapBlock(map, r.range.start.line, r.range.end.line);
      return to === undefined ? r : { ...r, range: shift(r.range, to) };
    });
    mapped.push({ ...f, range: shift(f.range, by), related });
  }
  return { mapped, unmapped };
}
