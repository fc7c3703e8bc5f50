/**
 * What `critic diff` and the editor's Source Control commands need from git: the changed lines,
 * and the content to critique (the staged blob for staged changes). Shared, so the pre-commit
 * hook and the editor agree.
 */
import { basename, dirname, join } from 'node:path';
import { parseNameStatusZ, parseUnifiedDiff, wholeFile, type FileChanges } from './diff.js';
import type { LineRange } from './findings.js';
import { editedLines } from './lineDiff.js';
import type { ExecPort } from './types.js';

/** The empty tree: what a repository without commits is compared against. */
const emptyTree = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

export class GitError extends Error {
  override name = 'GitError';
}

/** Asked about something git does not have (no repository, an unknown revision): a usage error in the CLI. */
export class GitUsageError extends GitError {
  override name = 'GitUsageError';
}

/**
 * The repository's own configuration is input, not instructions: `.git/config` and
 * `.gitattributes` of a cloned repository can name programs git would run on a plain `git diff`
 * (an fsmonitor hook, external diff and textconv drivers, hooks). These settings switch them off.
 */
const untrustedRepoSafety = ['-c', 'core.fsmonitor=false', '-c', 'core.hooksPath=/dev/null', '-c', 'diff.external=', '-c', 'core.pager=cat'];

async function git(exec: ExecPort, cwd: string, args: string[]): Promise<string> {
  let r;
  try {
    r = await exec.run({ command: 'git', args: ['-c', 'core.quotePath=false', ...untrustedRepoSafety, ...args], cwd, timeoutMs: 60_000 });
  } catch (err) {
    throw new GitError(`could not run git (${(err as Error).message}); install git to use "critic diff"`);
  }
  if (r.exitCode !== 0) throw new GitError(r.stderr.trim().split('\n')[0] || `git ${args[2] ?? args[0]} failed`);
  return r.stdout;
}

export async function gitRoot(exec: ExecPort, cwd: string): Promise<string> {
  try {
    return (await git(exec, cwd, ['rev-parse', '--show-toplevel'])).trim();
  } catch (err) {
    if (err instanceof GitError && /not a git repository/i.test(err.message)) {
      throw new GitUsageError('not inside a git repository: "critic diff" compares against git; use "critic check <paths>" instead');
    }
    throw err;
  }
}

export interface ChangedFile extends FileChanges {
  /** Absolute path in the working tree. */
  absPath: string;
  /** The content to critique: the staged blob for --staged, else the working tree file. */
  readContent: () => Promise<string>;
}

export async function changedFiles(
  exec: ExecPort,
  root: string,
  mode: { staged: boolean; base?: string },
  readWorkingTree: (path: string) => Promise<string>,
): Promise<ChangedFile[]> {
  const hasHead = await git(exec, root, ['rev-parse', '--verify', '--quiet', 'HEAD']).then(
    () => true,
    () => false,
  );
  const common = ['diff', '--no-color', '--no-ext-diff', '--no-textconv', '--unified=0', '--no-renames', '--diff-filter=ACMRT'];
  let args: string[];
  if (mode.staged) args = [...common, '--cached', ...(hasHead ? [] : [emptyTree])];
  else if (mode.base) {
    const base = mode.base;
    await git(exec, root, ['rev-parse', '--verify', '--quiet', `${base}^{commit}`]).catch(() => {
      throw new GitUsageError(`unknown revision "${base}" for --base`);
    });
    args = [...common, '--merge-base', base];
  } else args = [...common, hasHead ? 'HEAD' : emptyTree];
  // File names come from NUL-separated plumbing: any name (newline, quote, tab, non-UTF-8 escapes) is exact.
  const names = parseNameStatusZ(await git(exec, root, [...args, '-z', '--name-status', '--']));
  const files = parseUnifiedDiff(await git(exec, root, [...args, '--']), names);
  const out: ChangedFile[] = files.map((f) => ({
    ...f,
    absPath: join(root, f.path),
    readContent: mode.staged ? () => git(exec, root, ['cat-file', 'blob', `:${f.path}`]) : () => readWorkingTree(join(root, f.path)),
  }));
  if (!mode.staged) {
    // New files git does not track yet are changes too (all their lines).
    const untracked = (await git(exec, root, ['ls-files', '--others', '--exclude-standard', '-z'])).split('\0').filter(Boolean);
    for (const path of untracked) {
      const absPath = join(root, path);
      out.push({ ...wholeFile(path), absPath, readContent: () => readWorkingTree(absPath) });
    }
  }
  return out;
}

/**
 * The lines of `text` (a file's current content, saved or not) that differ from its committed
 * version: what the editor's user changed, where a failing test is first looked for. Undefined
 * outside git, for a file git does not track, or when git cannot answer.
 */
export async function uncommittedEdits(exec: ExecPort, path: string, text: string): Promise<LineRange[] | undefined> {
  try {
    // `HEAD:./name` is relative to cwd; cat-file prints the blob as stored (no textconv, no filters).
    const committed = await git(exec, dirname(path), ['cat-file', 'blob', `HEAD:./${basename(path)}`]);
    return editedLines(committed, text);
  } catch {
    return undefined;
  }
}
