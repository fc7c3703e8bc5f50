// What the sandboxed code left running on the host.
import { readdirSync, readFileSync } from 'node:fs';

/** Host pids whose command line contains `marker` (processes started by sandboxed code). */
export function processesMentioning(marker) {
  const found = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) found.push(pid);
    } catch {
      /* exited */
    }
  }
  return found;
}
