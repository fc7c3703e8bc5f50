/**
 * The lines a text's author changed against an earlier version (the committed file, when the
 * editor's buffer is critiqued): what `git diff -U0` would mark, computed in-process because the
 * buffer may be unsaved.
 */
import type { LineRange } from './findings.js';

/** Past this many comparisons (the changed middle, after common head and tail) the middle is taken as one edit. */
const maxCells = 4_000_000;

const linesOf = (text: string): string[] => text.split('\n').map((l) => l.replace(/\r$/, ''));

/**
 * Changed lines of `after` (0-based, inclusive ranges), against `before`: lines of `after` that
 * are not in a longest common subsequence of the two, plus the lines on each side of a deletion
 * (a dropped statement leaves no line of its own).
 */
export function editedLines(before: string, after: string): LineRange[] {
  const a = linesOf(before);
  const b = linesOf(after);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  if (!x.length && !y.length) return [];
  const marked = new Set<number>();
  const deletionAt = (j: number) => {
    // Between line head+j-1 and head+j of `after`.
    for (const line of [head + j - 1, head + j]) if (line >= 0 && line < b.length) marked.add(line);
  };
  if (!y.length) deletionAt(0);
  else if (!x.length || x.length * y.length > maxCells) for (let j = 0; j < y.length; j++) marked.add(head + j);
  else {
    // dp[i][j]: length of a longest common subsequence of x[i..] and y[j..].
    const width = y.length + 1;
    const dp = new Uint32Array((x.length + 1) * width);
    for (let i = x.length - 1; i >= 0; i--) {
      for (let j = y.length - 1; j >= 0; j--) {
        dp[i * width + j] = x[i] === y[j] ? dp[(i + 1) * width + j + 1]! + 1 : Math.max(dp[(i + 1) * width + j]!, dp[i * width + j + 1]!);
      }
    }
    // Walk the alignment hunk by hunk (the unmatched lines between two matches), as `git diff -U0`
    // reports them: a hunk that adds lines marks those; one that only removes marks its neighbours.
    let i = 0;
    let j = 0;
    let from = 0;
    const flush = () => {
      if (j > from) for (let k = from; k < j; k++) marked.add(head + k);
      else deletionAt(j);
    };
    let open = false;
    while (i < x.length || j < y.length) {
      if (i < x.length && j < y.length && x[i] === y[j]) {
        if (open) flush();
        open = false;
        i++;
        j++;
        continue;
      }
      if (!open) {
        open = true;
        from = j;
      }
      if (j >= y.length || (i < x.length && dp[(i + 1) * width + j]! >= dp[i * width + j + 1]!)) i++;
      else j++;
    }
    if (open) flush();
  }
  const out: LineRange[] = [];
  for (const line of [...marked].sort((p, q) => p - q)) {
    const last = out[out.length - 1];
    if (last && line === last.end + 1) last.end = line;
    else out.push({ start: line, end: line });
  }
  return out;
}
