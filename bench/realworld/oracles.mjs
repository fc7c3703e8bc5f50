// What the repository lists (repos.mjs, heldOutPython.mjs) share: how pytest runs as the oracle,
// and a sorted folder listing that is empty when the folder is missing.
import { readdirSync } from 'node:fs';

export const pytest = (args) => ({ cmd: 'python', args: ['-m', 'pytest', '-q', '-x', '-p', 'no:cacheprovider', ...args] });

export const list = (dir, re) => {
  try {
    return readdirSync(dir).filter((f) => re.test(f)).sort();
  } catch {
    return [];
  }
};
