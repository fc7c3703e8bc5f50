/**
 * A unified diff of two versions of one file, as `git diff` prints it (`--- a/path`, `+++ b/path`,
 * `@@` hunks with 3 lines of context), so users and tools (`git apply`, `patch -p1`) read it as usual.
 * The edit script is jsdiff's Myers diff (O((n+m)·d)); only the headers are formatted here.
 */
import { structuredPatch, type StructuredPatchHunk } from 'diff';

export interface UnifiedDiffOptions {
  /** Path shown in the headers (relative, with `/`), without the `a/` and `b/` prefixes. */
  path: string;
  /** Lines of unchanged context around each change (default 3). */
  context?: number;
}

/**
 * Beyond this many inserted plus removed lines the minimal diff is not searched for (its cost grows
 * with n·d): the changed middle is shown as one replacement, which patch applies just the same.
 */
const maxEditLength = 4_000;

const noNewline = '\\ No newline at end of file';

/** `a` and `b` split into lines that keep their `\n`, as jsdiff's hunks count them. */
function linesOf(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** One hunk replacing everything between the common first and last lines, with context around it. */
function replacementHunk(oldText: string, newText: string, context: number): StructuredPatchHunk {
  const a = linesOf(oldText);
  const b = linesOf(newText);
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const from = Math.max(0, pre - context);
  const after = Math.min(suf, context);
  const lines = [
    ...a.slice(from, pre).map((l) => ` ${l}`),
    ...a.slice(pre, a.length - suf).map((l) => `-${l}`),
    ...b.slice(pre, b.length - suf).map((l) => `+${l}`),
    ...a.slice(a.length - suf, a.length - suf + after).map((l) => ` ${l}`),
  ].flatMap((l) => (l.endsWith('\n') ? [l.slice(0, -1)] : [l, noNewline]));
  return { oldStart: from + 1, oldLines: a.length - suf + after - from, newStart: from + 1, newLines: b.length - suf + after - from, lines };
}

function range(start: number, count: number): string {
  // A hunk that adds to or removes from nothing names the line before it (0 at the top).
  const first = count === 0 ? start - 1 : start;
  return count === 1 ? `${first}` : `${first},${count}`;
}

/** The unified diff from `oldText` to `newText`; '' when they are equal. */
export function unifiedDiff(oldText: string, newText: string, opts: UnifiedDiffOptions): string {
  if (oldText === newText) return '';
  const context = opts.context ?? 3;
  const patch = structuredPatch('', '', oldText, newText, '', '', { context, maxEditLength });
  const hunks = patch ? patch.hunks : [replacementHunk(oldText, newText, context)];
  const out = [`--- ${diffPath('a/', opts.path)}`, `+++ ${diffPath('b/', opts.path)}`];
  for (const h of hunks) out.push(`@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`, ...h.lines);
  return `${out.join('\n')}\n`;
}

/** `a/path`, or git's C-quoted form when the name has a quote, backslash or control character (a newline would split the header). */
function diffPath(prefix: string, path: string): string {
  if (!/["\\\x00-\x1f\x7f]/.test(path)) return `${prefix}${path}`;
  return JSON.stringify(`${prefix}${path}`);
}
