/**
 * What a run read, as content fingerprints: the runners report every file and folder the code
 * opened or listed (an audit hook in Python, node:fs wrappers in JS), and a cached result is used
 * again only while each of those inside the project is unchanged. This covers a module's whole
 * import closure and the data files it reads without knowing in advance what it will touch.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';

/** `[path, fingerprint]` pairs; a folder's path ends with `/`. */
export type ReadFingerprints = Array<[string, string]>;

/** Reads beyond this many are not fingerprinted: such a result is simply not cached. */
export const maxFingerprintedReads = 5000;

const missing = '-';

async function fingerprint(path: string): Promise<string> {
  try {
    if (path.endsWith('/')) {
      // The CLI's own cache (node_modules/.cache) and git's bookkeeping appearing is no change a
      // run could see through a listing that matters (neither is an importable name).
      const names = (await readdir(path.slice(0, -1))).filter((n) => n !== 'node_modules' && n !== '.git');
      return `d:${createHash('sha256').update(names.sort().join('\0')).digest('hex')}`;
    }
    const st = await stat(path);
    if (!st.isFile()) return st.isDirectory() ? 'dir' : 'other';
    return `f:${createHash('sha256').update(await readFile(path)).digest('hex')}`;
  } catch {
    return missing;
  }
}

/**
 * The fingerprints of the reads inside `projectRoot` (the rest — the interpreter, the system —
 * is covered by the interpreter's identity). A compiled `__pycache__/x.*.pyc` stands for its
 * source `x.py` too, since Python re-reads the source only when it notices the change.
 * Undefined when there are too many to be worth it.
 */
export async function fingerprintReads(paths: readonly string[], projectRoot: string): Promise<ReadFingerprints | undefined> {
  const root = resolve(projectRoot);
  const inside = new Set<string>();
  for (const p of paths) {
    const dir = p.endsWith('/');
    const abs = resolve(p) + (dir ? '/' : '');
    if (abs !== `${root}/` && !abs.startsWith(root + sep)) continue;
    inside.add(abs);
    const pyc = /^(.+)\.[^./]+\.pyc$/.exec(basename(abs));
    if (pyc && basename(dirname(abs)) === '__pycache__') inside.add(join(dirname(dirname(abs)), `${pyc[1]}.py`));
  }
  if (inside.size > maxFingerprintedReads) return undefined;
  const sorted = [...inside].sort();
  const prints = await Promise.all(sorted.map(fingerprint));
  return sorted.map((p, i) => [p, prints[i]!]);
}

/** Whether every fingerprinted read still has the same content (or is still missing). */
export async function readsUnchanged(reads: ReadFingerprints): Promise<boolean> {
  const now = await Promise.all(reads.map(([p]) => fingerprint(p)));
  return reads.every(([, was], i) => now[i] === was);
}
