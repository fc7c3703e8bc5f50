/**
 * Leftovers of a Critic process that was killed (SIGKILL leaves no chance to clean up): the
 * limits-only sandbox's scratch and output folders on the host, named `critic-run-<pid>-…` and
 * `critic-io-<pid>-…`. Removed when a later Critic creates its sandbox and the pid is gone.
 * (With bubblewrap nothing of a run is on the host: its scratch is a tmpfs inside the sandbox.)
 */
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

const ours = /^critic-(run|io)-(\d+)-[A-Za-z0-9]+$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the pid exists (another user's process that reused it).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the stale folders in `dir` (the temp folder); never follows a symlink, never throws. */
export async function removeStaleTempDirs(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = ours.exec(name);
    if (!m || Number(m[2]) === process.pid || alive(Number(m[2]))) continue;
    const path = join(dir, name);
    try {
      const st = await lstat(path);
      if (!st.isDirectory() || (typeof process.getuid === 'function' && st.uid !== process.getuid())) continue;
      await rm(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      /* gone or not ours */
    }
  }
  return removed;
}
