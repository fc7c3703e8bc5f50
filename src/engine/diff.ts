/** Reading unified diffs (as `git diff -U0` prints them) into changed line ranges per file. */
import type { LineRange } from './pipeline.js';

export interface FileChanges {
  /** Path relative to the repository root, as git prints it (new side). */
  path: string;
  /** Changed lines on the new side, 0-based and inclusive. */
  lines: LineRange[];
  /** The file is new (or, for untracked files, not yet known to git). */
  added: boolean;
}

function unquote(p: string): string {
  if (!p.startsWith('"')) return p;
  // git C-quotes unusual paths; JSON covers its escapes except octal bytes.
  const bytes = p.slice(1, -1).replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
  try {
    return Buffer.from(JSON.parse(`"${bytes.replace(/"/g, '\\"')}"`), 'latin1').toString('utf8');
  } catch {
    return p.slice(1, -1);
  }
}

/**
 * Parses `git diff --unified=0` output. Deletions mark the lines around where text was removed.
 *
 * `paths`, when given, are the files of the same diff in order, from NUL-separated plumbing
 * (`git diff -z --name-status`): section i (one per `diff --git` line) is `paths[i]`, so a file
 * name with a newline, quote or tab is exact. `+++`/`---`/`@@` lines count only in a section's
 * header: with -U0 every content line starts with `+`, `-`, ` ` or `\`, and an added line
 * `++ x` (shown as `+++ x`) must never start a file of its own.
 */
export function parseUnifiedDiff(diff: string, paths?: readonly string[]): FileChanges[] {
  const files: FileChanges[] = [];
  let current: FileChanges | undefined;
  let fromNothing = false;
  let inHeader = false;
  let section = -1;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) {
      current = undefined;
      fromNothing = false;
      inHeader = true;
      section++;
      continue;
    }
    if (inHeader && line.startsWith('+++ ')) {
      const target = line.slice(4).replace(/\t$/, '');
      if (target === '/dev/null') {
        current = undefined; // a deleted file has nothing left to critique
        continue;
      }
      const path = paths ? paths[section] : unquote(target).replace(/^b\//, '');
      if (path === undefined) continue;
      current = { path, lines: [], added: fromNothing };
      files.push(current);
      continue;
    }
    if (inHeader && line.startsWith('--- ')) {
      fromNothing = line.slice(4).replace(/\t$/, '') === '/dev/null';
      continue;
    }
    const hunk = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (hunk) {
      inHeader = false;
      if (!current) continue;
      const oldCount = hunk[1] === undefined ? 1 : Number(hunk[1]);
      const start = Number(hunk[2]);
      const count = hunk[3] === undefined ? 1 : Number(hunk[3]);
      if (count > 0) current.lines.push({ start: start - 1, end: start + count - 2 });
      else if (oldCount > 0) current.lines.push({ start: Math.max(0, start - 1), end: start });
    }
  }
  return files;
}

/** The paths of `git diff -z --name-status --no-renames` output (`M\0path\0A\0path\0…`), in order. */
export function parseNameStatusZ(out: string): string[] {
  const fields = out.split('\0');
  const paths: string[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (!fields[i]) break;
    paths.push(fields[i + 1]!);
  }
  return paths;
}

/** Changes of a file that is entirely new: every line. */
export function wholeFile(path: string): FileChanges {
  return { path, lines: [{ start: 0, end: Number.MAX_SAFE_INTEGER }], added: true };
}
