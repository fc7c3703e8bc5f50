/**
 * A unified diff of two versions of one file, as `git diff` prints it (`--- a/path`, `+++ b/path`,
 * `@@` hunks with 3 lines of context), so users and tools (`git apply`, `patch -p1`) read it as usual.
 */

export interface UnifiedDiffOptions {
  /** Path shown in the headers (relative, with `/`), without the `a/` and `b/` prefixes. */
  path: string;
  /** Lines of unchanged context around each change (default 3). */
  context?: number;
}

type Op = { kind: ' ' | '-' | '+'; text: string; oldLine: number; newLine: number };

/** Above this many cells the middle is shown as one replacement instead of a minimal diff. */
const maxLcsCells = 4_000_000;

function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === '') return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith('\n');
  const lines = (finalNewline ? text.slice(0, -1) : text).split('\n');
  return { lines, finalNewline };
}

/**
 * Edit script between the line arrays: common prefix and suffix first (a rewrite changes one
 * unit, so the middle is small), then a longest-common-subsequence table over the middle.
 */
function editScript(a: readonly string[], b: readonly string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
  const ops: Op[] = [];
  for (let i = 0; i < pre; i++) ops.push({ kind: ' ', text: a[i]!, oldLine: i, newLine: i });
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const n = am.length;
  const m = bm.length;
  if (n * m > maxLcsCells) {
    am.forEach((text, i) => ops.push({ kind: '-', text, oldLine: pre + i, newLine: pre }));
    bm.forEach((text, j) => ops.push({ kind: '+', text, oldLine: pre + n, newLine: pre + j }));
  } else {
    // lcs[i][j] = length of the LCS of am[i..] and bm[j..], in one flat array.
    const lcs = new Uint32Array((n + 1) * (m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * (m + 1) + j] = am[i] === bm[j] ? lcs[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && am[i] === bm[j]) {
        ops.push({ kind: ' ', text: am[i]!, oldLine: pre + i, newLine: pre + j });
        i++;
        j++;
      } else if (j < m && (i === n || lcs[i * (m + 1) + j + 1]! >= lcs[(i + 1) * (m + 1) + j]!)) {
        ops.push({ kind: '+', text: bm[j]!, oldLine: pre + i, newLine: pre + j });
        j++;
      } else {
        ops.push({ kind: '-', text: am[i]!, oldLine: pre + i, newLine: pre + j });
        i++;
      }
    }
    // Show removals before additions within a changed run, as git does.
    for (let k = pre; k < ops.length; ) {
      if (ops[k]!.kind === ' ') {
        k++;
        continue;
      }
      let end = k;
      while (end < ops.length && ops[end]!.kind !== ' ') end++;
      const run = ops.slice(k, end);
      ops.splice(k, run.length, ...run.filter((o) => o.kind === '-'), ...run.filter((o) => o.kind === '+'));
      k = end;
    }
  }
  for (let k = 0; k < suf; k++) ops.push({ kind: ' ', text: a[a.length - suf + k]!, oldLine: 0, newLine: 0 });
  // Line numbers from the final order (reordering moved removals ahead of additions).
  let oldLine = 0;
  let newLine = 0;
  for (const o of ops) {
    o.oldLine = oldLine;
    o.newLine = newLine;
    if (o.kind !== '+') oldLine++;
    if (o.kind !== '-') newLine++;
  }
  return ops;
}

function range(start: number, count: number): string {
  // A hunk that adds to or removes from nothing names the line before it (0 at the top).
  const first = count === 0 ? start : start + 1;
  return count === 1 ? `${first}` : `${first},${count}`;
}

/** The unified diff from `oldText` to `newText`; '' when they are equal. */
export function unifiedDiff(oldText: string, newText: string, opts: UnifiedDiffOptions): string {
  if (oldText === newText) return '';
  const context = opts.context ?? 3;
  const a = splitLines(oldText);
  const b = splitLines(newText);
  // A last line without a newline equals only the other file's last line without one: mark it.
  const marked = (s: ReturnType<typeof splitLines>) => (s.finalNewline ? s.lines : [...s.lines.slice(0, -1), `${s.lines[s.lines.length - 1]}\u0000`]);
  const ops = editScript(marked(a), marked(b)).map((o) => ({ ...o, text: o.text.replace(/\u0000$/, '') }));
  const changed = ops.map((o, i) => (o.kind === ' ' ? -1 : i)).filter((i) => i >= 0);
  const out = [`--- ${diffPath('a/', opts.path)}`, `+++ ${diffPath('b/', opts.path)}`];
  let k = 0;
  while (k < changed.length) {
    // Changes closer than two contexts apart share a hunk.
    let last = k;
    while (last + 1 < changed.length && changed[last + 1]! - changed[last]! <= 2 * context + 1) last++;
    const from = Math.max(0, changed[k]! - context);
    const to = Math.min(ops.length - 1, changed[last]! + context);
    const slice = ops.slice(from, to + 1);
    const oldCount = slice.filter((o) => o.kind !== '+').length;
    const newCount = slice.filter((o) => o.kind !== '-').length;
    const first = ops[from]!;
    out.push(`@@ -${range(first.oldLine, oldCount)} +${range(first.newLine, newCount)} @@`);
    for (let i = from; i <= to; i++) {
      const o = ops[i]!;
      out.push(`${o.kind}${o.text}`);
      // The last line of a file without a final newline is marked, as diff does.
      const lastOld = o.kind !== '+' && o.oldLine === a.lines.length - 1 && !a.finalNewline;
      const lastNew = o.kind !== '-' && o.newLine === b.lines.length - 1 && !b.finalNewline;
      if ((o.kind === '-' && lastOld) || (o.kind === '+' && lastNew) || (o.kind === ' ' && (lastOld || lastNew))) out.push('\\ No newline at end of file');
    }
    k = last + 1;
  }
  return `${out.join('\n')}\n`;
}

/** `a/path`, or git's C-quoted form when the name has a quote, backslash or control character (a newline would split the header). */
function diffPath(prefix: string, path: string): string {
  if (!/["\\\x00-\x1f\x7f]/.test(path)) return `${prefix}${path}`;
  return JSON.stringify(`${prefix}${path}`);
}
