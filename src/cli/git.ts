/** git for `critic diff`: the engine's git helpers, with "asked for something git lacks" as a usage error (exit 2). */
import { changedFiles as engineChangedFiles, gitRoot as engineGitRoot, GitUsageError, type ChangedFile } from '../engine/git.js';
import type { ExecPort } from '../engine/types.js';
import { UsageError } from './args.js';

export { GitError } from '../engine/git.js';
export type { ChangedFile };

async function asUsage<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof GitUsageError) throw new UsageError(err.message);
    throw err;
  }
}

export function gitRoot(exec: ExecPort, cwd: string): Promise<string> {
  return asUsage(() => engineGitRoot(exec, cwd));
}

export function changedFiles(...args: Parameters<typeof engineChangedFiles>): Promise<ChangedFile[]> {
  return asUsage(() => engineChangedFiles(...args));
}
