/**
 * Answers of the per-process probes (which interpreter a shim starts, the interpreter's identity
 * inside the sandbox, what bubblewrap can do here), kept on disk so a fresh CLI process does not
 * pay them again: each costs an interpreter or sandbox start (together about 0.5 s).
 *
 * An entry records the files its answer depends on (the interpreter binary, the shim, version
 * files, PATH folders) with their size, modification time and inode, and is used only while they
 * are unchanged; the key holds everything else (the Critic build, the environment that steers
 * version managers). The folder is the user's (owner-only permissions); an entry that is not a
 * regular file of ours, not private, or not well-formed is ignored: the disk is input too.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, statSync, type Stats } from 'node:fs';
import { chmod, lstat, mkdir, open, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../types.js';

const formatVersion = 1;
const maxEntryBytes = 256 * 1024;

export interface ProbeCacheOptions {
  /** The folder for entries (created owner-only). */
  dir: string;
  /** The Critic build: entries of another build are never used. */
  salt: string;
  log?: Logger;
}

const statPrint = (st: Stats) => `${st.size}:${st.mtimeMs}:${st.ino}`;

/** `size:mtime:inode` of a path, and of its target when it is a symlink (a venv's python), or `missing`. */
export function fileFingerprint(path: string): string {
  let link: Stats;
  try {
    link = lstatSync(path);
  } catch {
    return 'missing';
  }
  if (!link.isSymbolicLink()) return statPrint(link);
  try {
    return `${statPrint(link)}>${statPrint(statSync(path))}`;
  } catch {
    return `${statPrint(link)}>missing`;
  }
}

const ownUid = () => (typeof process.getuid === 'function' ? process.getuid() : undefined);

export class ProbeCache {
  private dirChecked: Promise<boolean> | undefined;

  constructor(private readonly options: ProbeCacheOptions) {}

  private fileOf(name: string, key: string): string {
    return join(this.options.dir, `${name}-${key}.json`);
  }

  private keyOf(name: string, parts: readonly unknown[]): string {
    return createHash('sha256').update(JSON.stringify([formatVersion, this.options.salt, name, ...parts])).digest('hex').slice(0, 40);
  }

  /**
   * The remembered answer for `name` and `parts`, when its entry is ours, well-formed (`check`
   * returns the value or undefined) and every file it depends on is unchanged.
   */
  async get<T>(name: string, parts: readonly unknown[], check: (v: unknown) => T | undefined): Promise<T | undefined> {
    const key = this.keyOf(name, parts);
    const file = this.fileOf(name, key);
    try {
      const st = await lstat(file);
      const uid = ownUid();
      if (!st.isFile() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o077) !== 0 || st.size > maxEntryBytes) return undefined;
      const fh = await open(file, 'r');
      let text: string;
      try {
        text = await fh.readFile('utf8');
      } finally {
        await fh.close();
      }
      const entry = JSON.parse(text) as { version?: unknown; key?: unknown; files?: unknown; value?: unknown };
      if (entry.version !== formatVersion || entry.key !== key || !Array.isArray(entry.files)) return undefined;
      for (const f of entry.files) {
        if (!Array.isArray(f) || f.length !== 2 || typeof f[0] !== 'string' || typeof f[1] !== 'string') return undefined;
        if (fileFingerprint(f[0]) !== f[1]) return undefined;
      }
      return check(entry.value);
    } catch {
      return undefined;
    }
  }

  /** Remembers an answer with the files it depends on; failures are only logged. */
  async set(name: string, parts: readonly unknown[], value: unknown, files: readonly string[]): Promise<void> {
    const key = this.keyOf(name, parts);
    try {
      if (!(await this.ensureDir())) return;
      const file = this.fileOf(name, key);
      const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
      const entry = { version: formatVersion, key, files: [...new Set(files)].map((f) => [f, fileFingerprint(f)]), value };
      await writeFile(tmp, JSON.stringify(entry), { mode: 0o600, flag: 'wx' });
      await rename(tmp, file);
    } catch (err) {
      this.options.log?.debug(`probe cache: could not write ${this.options.dir}: ${(err as Error).message}`);
    }
  }

  /** The folder exists, is a real directory of ours and private (made so when we created it). */
  private ensureDir(): Promise<boolean> {
    this.dirChecked ??= (async () => {
      const dir = this.options.dir;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const st = await lstat(dir);
      const uid = ownUid();
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) return false;
      if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
      return true;
    })().catch(() => false);
    return this.dirChecked;
  }
}
