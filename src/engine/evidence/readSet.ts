/**
 * What a run read, as content fingerprints: the runners report every file and folder the code
 * opened or listed (an audit hook in Python, node:fs wrappers in JS), and a cached result is used
 * again only while each of those inside the project is unchanged. This covers a module's whole
 * import closure and the data files it reads without knowing in advance what it will touch.
 *
 * Checking a read set must be cheap, since a fully cached check does nothing else: each entry
 * also carries the path's stat signature (size, mtime and ctime in ns, inode) when it was taken,
 * and an unchanged signature stands for unchanged content without reading the file (what git's
 * index does). A signature is only recorded for a path last changed well before it was taken, so
 * a write in the same timestamp tick as the fingerprint cannot hide behind an equal signature.
 * One `ReadChecks` per check memoises stats and hashes, so the files every cached result read
 * (shared test sessions, `__init__.py`, the project folder) are looked at once, not once per entry.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readdirSync, readFileSync, statSync, type BigIntStats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { FileSystemPort } from '../types.js';

/** `[path, fingerprint, stat signature?]`; a folder's path ends with `/`. */
export type ReadFingerprint = [string, string] | [string, string, string];
export type ReadFingerprints = ReadFingerprint[];

/** Reads beyond this many are not fingerprinted: such a result is simply not cached. */
export const maxFingerprintedReads = 5000;
/**
 * What planning may have looked at before it is fingerprinted at all: planning many files of one
 * check together records every candidate test name and module path of all of them (about 40 per
 * file, nearly all absent), most of which one folder listing then vouches for; the stored read set
 * is held to `maxFingerprintedReads`.
 */
export const maxPlanObservations = 100_000;

const missing = '-';

/**
 * A folder's listing: the CLI's own cache (node_modules/.cache), git's bookkeeping and Python's
 * bytecode folder appearing is no change a run could see through a listing that matters (none is
 * an importable name; the project's own `pytest` run writes `__pycache__` next to every test).
 */
const unlisted = new Set(['node_modules', '.git', '__pycache__']);
const listingPrint = (names: readonly string[]) => `d:${createHash('sha256').update(names.filter((n) => !unlisted.has(n)).sort().join('\0')).digest('hex')}`;
/** A path changed less than this before its stat is hashed every time (coarse file-system clocks). */
const racyMs = 2000n;

/** Files below this size are fingerprinted with synchronous reads. */
const syncReadBytes = 1024n * 1024n;

/** The stat of a path (a folder's ends with `/`), following symlinks; undefined when missing. */
function statNow(path: string): BigIntStats | undefined {
  try {
    return statSync(path.endsWith('/') ? path.slice(0, -1) : path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

/** Whether a stored read-set entry is well-formed (entries come from disk, which is input too). */
export function isReadFingerprint(r: unknown): r is ReadFingerprint {
  return Array.isArray(r) && (r.length === 2 || r.length === 3) && r.every((x) => typeof x === 'string');
}

function signatureOf(st: BigIntStats): string {
  return `${st.isDirectory() ? 'd' : st.isFile() ? 'f' : 'o'}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${st.ino}`;
}

/** The signature when it may vouch for the content later: the path last changed well before `now`. */
function trustedSignature(st: BigIntStats, nowMs: bigint): string | undefined {
  const changed = st.mtimeNs > st.ctimeNs ? st.mtimeNs : st.ctimeNs;
  return changed / 1_000_000n + racyMs < nowMs ? signatureOf(st) : undefined;
}

/**
 * Stats and fingerprints taken during one check, each once. Not for longer: a file may change
 * between two checks, and a memo that outlived them would hide it.
 */
export class ReadChecks {
  private readonly stats = new Map<string, Promise<BigIntStats | undefined>>();
  private readonly prints = new Map<string, Promise<{ print: string; signature?: string }>>();

  /** Verdicts of `readsUnchanged` and results of `withSignatures`, per read-set object. */
  readonly verdicts = new WeakMap<ReadFingerprints, Promise<boolean>>();
  readonly signed = new WeakMap<ReadFingerprints, Promise<ReadFingerprints | undefined>>();

  /** `f()` for `reads`, once per check. */
  once<T>(memo: WeakMap<ReadFingerprints, Promise<T>>, reads: ReadFingerprints, f: () => Promise<T>): Promise<T> {
    let v = memo.get(reads);
    if (!v) memo.set(reads, (v = f()));
    return v;
  }

  /** `now`: the clock that decides whether a path changed long enough ago (a test may move it). */
  constructor(private readonly now: () => number = Date.now) {}

  /** The stat of a path (following symlinks), undefined when it is missing; a folder's path ends with `/`. */
  stat(path: string): Promise<BigIntStats | undefined> {
    let v = this.stats.get(path);
    if (!v) this.stats.set(path, (v = Promise.resolve(statNow(path))));
    return v;
  }

  /** The content fingerprint and, when it may vouch for it later, the signature taken before reading. */
  fingerprint(path: string): Promise<{ print: string; signature?: string }> {
    let v = this.prints.get(path);
    if (!v) this.prints.set(path, (v = this.take(path)));
    return v;
  }

  private async take(path: string): Promise<{ print: string; signature?: string }> {
    const nowMs = BigInt(Math.floor(this.now()));
    const st = await this.stat(path);
    if (!st) return { print: missing };
    // Taken before reading: a change after it shows in the next signature.
    const signature = trustedSignature(st, nowMs);
    const withSig = (print: string) => (signature ? { print, signature } : { print });
    try {
      if (path.endsWith('/')) {
        if (!st.isDirectory()) return { print: missing };
        return withSig(listingPrint(readdirSync(path.slice(0, -1))));
      }
      if (!st.isFile()) return { print: st.isDirectory() ? 'dir' : 'other' };
      // Small files synchronously (most of a read set: a thread-pool round trip costs more than
      // the read); a large data file a run opened is read without holding the thread.
      const bytes = st.size < syncReadBytes ? readFileSync(path) : await readFile(path);
      return withSig(`f:${createHash('sha256').update(bytes).digest('hex')}`);
    } catch {
      return { print: missing };
    }
  }
}

/**
 * The fingerprints of the reads inside `projectRoot` (the rest — the interpreter, the system —
 * is covered by the interpreter's identity). A compiled `__pycache__/x.*.pyc` stands for its
 * source `x.py` too, since Python re-reads the source only when it notices the change.
 * Undefined when there are too many to be worth it. Taken fresh (after a run, not from a memo).
 */
export async function fingerprintReads(paths: readonly string[], projectRoot: string, checks: ReadChecks = new ReadChecks()): Promise<ReadFingerprints | undefined> {
  const root = resolve(projectRoot);
  const inside = new Set<string>();
  for (const p of paths) {
    const dir = p.endsWith('/');
    const abs = resolve(p) + (dir ? '/' : '');
    if (abs !== `${root}/` && !abs.startsWith(root + sep)) continue;
    inside.add(abs);
    // `mod.cpython-311.pyc`, `mod.cpython-311-pytest-9.0.3.pyc` (a module name has no dot).
    const pyc = /^([^.]+)\..+\.pyc$/.exec(basename(abs));
    if (pyc && isBytecode(abs)) inside.add(join(dirname(dirname(abs)), `${pyc[1]}.py`));
  }
  if (inside.size > maxFingerprintedReads) return undefined;
  const sorted = [...inside].sort();
  const prints = await Promise.all(sorted.map((p) => checks.fingerprint(p)));
  // A bytecode file the run looked for and did not find: one written later (by the project's own
  // pytest) is checked by Python against its source, which the set holds, so it changes nothing.
  return sorted.flatMap((p, i): ReadFingerprint[] => {
    const { print, signature } = prints[i]!;
    if (print === missing && isBytecode(p)) return [];
    return [signature ? [p, print, signature] : [p, print]];
  });
}

const isBytecode = (path: string) => path.endsWith('.pyc') && basename(dirname(path)) === '__pycache__';

/**
 * Whether every fingerprinted read still has the same content (or is still missing); `checks`
 * shares the stats and hashes with the other lookups of the same check.
 */
export function readsUnchanged(reads: ReadFingerprints, checks: ReadChecks = new ReadChecks()): Promise<boolean> {
  // Entries naming one stored read set share one array (execCache.ts): checked once per check.
  return checks.once(checks.verdicts, reads, () => checkReads(reads, checks));
}

async function checkReads(reads: ReadFingerprints, checks: ReadChecks): Promise<boolean> {
  // Stats first, all at once (most paths are shared with the check's other lookups, memoised),
  // then hashes only where a signature is missing or no longer holds.
  const stats = await Promise.all(reads.map((r) => (r.length === 3 ? checks.stat(r[0]) : undefined)));
  const rest = reads.filter((r, i) => !(r.length === 3 && stats[i] && signatureOf(stats[i]) === r[2]));
  if (rest.length === 0) return true;
  const prints = await Promise.all(rest.map((r) => checks.fingerprint(r[0])));
  return rest.every((r, i) => prints[i]!.print === r[1]);
}

/**
 * The same reads with a signature added where the content was confirmed by hashing and the path
 * is now old enough to vouch for it, so the next check need not hash it again; undefined when
 * nothing could be added. Only call after `readsUnchanged` said true with the same `checks`.
 */
export function withSignatures(reads: ReadFingerprints, checks: ReadChecks): Promise<ReadFingerprints | undefined> {
  return checks.once(checks.signed, reads, () => addSignatures(reads, checks));
}

async function addSignatures(reads: ReadFingerprints, checks: ReadChecks): Promise<ReadFingerprints | undefined> {
  let added = false;
  const out = await Promise.all(
    reads.map(async (r): Promise<ReadFingerprint> => {
      if (r.length === 3) return r;
      const { print, signature } = await checks.fingerprint(r[0]);
      if (!signature || print !== r[1]) return r;
      added = true;
      return [r[0], r[1], signature];
    }),
  );
  return added ? out : undefined;
}

/** What planning saw of a path, to check against the path's fingerprint (readSet entries). */
type Seen = (print: string) => boolean;
/** What planning read through a `recordingFs`, by path. */
export type PlanReads = Map<string, Seen[]>;


/**
 * A file-system port that remembers every path it was asked about: what planning a run read
 * (files, existence checks, folder listings), to fingerprint it as a read set, and what it saw
 * there, so a file that changed while the check ran is not linked to a key made from its old text.
 */
export function recordingFs(fs: FileSystemPort): { fs: FileSystemPort; seen: PlanReads; also(paths: readonly string[]): void } {
  const seen = new Map<string, Seen[]>();
  const note = (path: string, s: Seen) => {
    recorded.set(seen, (recorded.get(seen) ?? 0) + 1);
    const list = seen.get(path);
    if (list) list.push(s);
    else seen.set(path, [s]);
  };
  return {
    seen,
    // Read elsewhere (esbuild reads for itself): fingerprinted as they are when linked.
    also: (paths) => {
      for (const p of paths) if (!seen.has(p)) seen.set(p, []);
      recorded.set(seen, (recorded.get(seen) ?? 0) + 1);
    },
    fs: {
      readFile: async (p) => {
        try {
          const text = await fs.readFile(p);
          const print = `f:${createHash('sha256').update(text).digest('hex')}`;
          note(resolve(p), (now) => now === print);
          return text;
        } catch (err) {
          note(resolve(p), (now) => !now.startsWith('f:'));
          throw err;
        }
      },
      exists: async (p) => {
        const yes = await fs.exists(p);
        note(resolve(p), (now) => (now !== missing) === yes);
        return yes;
      },
      readdir: async (p) => {
        const entries = await fs.readdir(p);
        const print = entries && listingPrint(entries.map((e) => e.name));
        note(`${resolve(p)}/`, (now) => (print ? now === print : now === missing));
        return entries;
      },
    },
  };
}

/**
 * The fingerprints of what planning read, or undefined when it looked outside the project (a read
 * set covers only the project, so such a plan is worked out again every time) or when a path is
 * no longer as planning saw it.
 */
export function fingerprintPlanReads(seen: PlanReads, projectRoot: string, checks: ReadChecks = new ReadChecks()): Promise<ReadFingerprints | undefined> {
  // The files of a check planned together share one recording (sharedTestSessions.ts): their
  // links all cover the same reads, fingerprinted once while nothing more was recorded.
  const version = recorded.get(seen) ?? 0;
  const last = lastPrints.get(seen);
  if (last && last.version === version && last.root === projectRoot && last.checks === checks) return last.prints;
  const prints = fingerprintSeen(seen, projectRoot, checks);
  lastPrints.set(seen, { version, root: projectRoot, checks, prints });
  return prints;
}

/** How many observations each recording holds (its version), and its last fingerprints. */
const recorded = new WeakMap<PlanReads, number>();
const lastPrints = new WeakMap<PlanReads, { version: number; root: string; checks: ReadChecks; prints: Promise<ReadFingerprints | undefined> }>();

async function fingerprintSeen(seen: PlanReads, projectRoot: string, checks: ReadChecks): Promise<ReadFingerprints | undefined> {
  const root = resolve(projectRoot);
  const outside = [...seen.keys()].some((p) => p !== `${root}/` && p !== root && !p.startsWith(root + sep));
  if (outside || seen.size > maxPlanObservations) return undefined;
  // Any memo of the check will do: each print is compared with what planning saw, so the link
  // only ever says "with these contents, this key".
  const entries = [...seen];
  const prints = await Promise.all(entries.map(([path]) => checks.fingerprint(path)));
  const out = new Map<string, ReadFingerprint>();
  for (let i = 0; i < entries.length; i++) {
    const [path, views] = entries[i]!;
    const { print, signature } = prints[i]!;
    if (!views.every((v) => v(print))) return undefined;
    if (print === missing && isBytecode(path)) continue; // as in fingerprintReads
    out.set(path, signature ? [path, print, signature] : [path, print]);
  }
  // Most of what planning asks about does not exist (candidate test names, module files in each
  // sys.path folder): the listing of the nearest folder that does, which lacks the next name,
  // vouches for all of them with one entry.
  const absent = entries.filter(([path], i) => prints[i]!.print === missing && !path.endsWith('/')).map(([path]) => path);
  const folders = await Promise.all(absent.map((path) => nearestListing(path, root, checks)));
  const listings = await Promise.all(folders.map((f) => (f && !out.has(f) ? checks.fingerprint(f) : undefined)));
  absent.forEach((path, i) => {
    const folder = folders[i];
    if (!folder) return;
    const listed = listings[i];
    if (listed && !out.has(folder)) {
      if (listed.print === missing) return;
      out.set(folder, listed.signature ? [folder, listed.print, listed.signature] : [folder, listed.print]);
    }
    if (out.has(folder)) out.delete(path);
  });
  if (out.size > maxFingerprintedReads) return undefined;
  return [...out.values()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The nearest existing folder above a missing path, inside `root`, as a listing path (`dir/`). */
async function nearestListing(path: string, root: string, checks: ReadChecks): Promise<string | undefined> {
  let below = path;
  let dir = dirname(path);
  while (dir === root || dir.startsWith(root + sep)) {
    const st = await checks.stat(dir);
    // A listing leaves out node_modules, .git and __pycache__, so it cannot vouch for their absence.
    if (st) return st.isDirectory() && !unlisted.has(basename(below)) ? `${dir}/` : undefined;
    if (dir === root) return undefined;
    below = dir;
    dir = dirname(dir);
  }
  return undefined;
}
