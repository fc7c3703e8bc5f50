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

/** Parses `git diff --unified=0` output. Deletions mark the lines around where text was removed. */
export function parseUnifiedDiff(diff: string): FileChanges[] {
  const files: FileChanges[] = [];
  let current: FileChanges | undefined;
  let fromNothing = false;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) {
      current = undefined;
      fromNothing = false;
      continue;
    }
    if (line.startsWith('+++ ')) {
      const target = line.slice(4).trim();
      if (target === '/dev/null') {
        current = undefined; // a deleted file has nothing left to critique
        continue;
      }
      current = { path: unquote(target).replace(/^b\//, ''), lines: [], added: fromNothing };
      files.push(current);
      continue;
    }
    if (line.startsWith('--- ')) {
      fromNothing = line.slice(4).trim() === '/dev/null';
      continue;
    }
    const hunk = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/.exec(line);
    if (hunk && current) {
      const oldCount = hunk[1] === undefined ? 1 : Number(hunk[1]);
      const start = Number(hunk[2]);
      const count = hunk[3] === undefined ? 1 : Number(hunk[3]);
      if (count > 0) current.lines.push({ start: start - 1, end: start + count - 2 });
      else if (oldCount > 0) current.lines.push({ start: Math.max(0, start - 1), end: start });
    }
  }
  return files;
}

/** Changes of a file that is entirely new: every line. */
export function wholeFile(path: string): FileChanges {
  return { path, lines: [{ start: 0, end: Number.MAX_SAFE_INTEGER }], added: true };
}
