/** The git pre-commit hook that runs `critic diff --staged`; never overwrites someone else's hook. Pure node code. */
import { chmod, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

const marker = '# critic-pre-commit-hook v1';

export const preCommitHookText = `#!/bin/sh
${marker} (installed by the Critic VS Code extension; delete this file to remove it)
# Critiques the staged changes before each commit; \`git commit --no-verify\` skips it.
exec npx --no-install critic diff --staged
`;

export type HookOutcome =
  | { status: 'installed' | 'unchanged'; path: string }
  /** A hook that Critic did not write is there: left alone. */
  | { status: 'foreign'; path: string };

/** Installs the hook in `hooksDir` (from `git rev-parse --git-path hooks`, which honours core.hooksPath). */
export async function installPreCommitHook(hooksDir: string): Promise<HookOutcome> {
  const path = join(hooksDir, 'pre-commit');
  let current: string | undefined;
  try {
    current = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (current !== undefined && !current.includes(marker)) return { status: 'foreign', path };
  if (current === preCommitHookText) {
    await chmod(path, 0o755);
    return { status: 'unchanged', path };
  }
  await mkdir(hooksDir, { recursive: true });
  await writeFile(path, preCommitHookText, { mode: 0o755 });
  await chmod(path, 0o755);
  return { status: 'installed', path };
}
