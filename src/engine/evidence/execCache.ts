/**
 * Remembers execution results so unchanged code is not run again: an in-memory LRU plus, when the
 * host gives a folder (the CLI passes the user cache folder, e.g. `~/.cache/critic`), one JSON file per entry.
 * Keys are sha256 hashes over everything the result depends on (file text, related test texts,
 * interpreter identity, tool id, relevant settings); see `execCacheKey`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProbeCache } from '../sandbox/probeCache.js';
import type { Logger } from '../types.js';
import type { ToolOutput } from './tool.js';
import { fingerprintPlanReads, isReadFingerprint, ReadChecks, readsUnchanged, withSignatures, type PlanReads, type ReadFingerprints } from './readSet.js';
import { Lru } from '../lru.js';

export interface ExecCacheOptions {
  /** Entries kept in memory (default 256). */
  capacity?: number;
  /** Folder for the on-disk copy; none keeps the cache in memory only. */
  dir?: string;
  /** Mixed into every key: the host's build identity, so results from another Critic build are never reused. */
  salt?: string;
  log?: Logger;
}

export interface ExecCacheStats {
  hits: number;
  misses: number;
  /** Hits served from disk (a subset of `hits`). */
  diskHits: number;
  size: number;
}

const formatVersion = 2;
/** Read sets at least this long are stored once, apart from the entries naming them. */
const sharedReadsMin = 16;

/** A stable sha256 over the parts (order matters; objects are serialised with sorted keys). */
export function execCacheKey(parts: readonly unknown[]): string {
  const h = createHash('sha256');
  h.update(`critic-exec-cache-v${formatVersion}`);
  for (const p of parts) h.update('\0').update(stableJson(p));
  return h.digest('hex');
}

function stableJson(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  // A key holding undefined is no key, as in JSON: `{ id, pytest: undefined }` (a fresh probe)
  // and `{ id }` (the same answer read back from disk) made two keys, and every first cached
  // check of a JS project after a cold one ran its tests again.
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
    .join(',')}}`;
}

function isToolOutput(v: unknown): v is ToolOutput {
  return typeof v === 'object' && v !== null && Array.isArray((v as ToolOutput).findings);
}

/** The execution result cache shared by the examples and related-tests tools. */
interface Entry {
  value: ToolOutput;
  /** What the run read, checked on every hit: a change in any of them makes the entry stale. */
  reads?: ReadFingerprints;
  /** A link entry (see `link`): the result's key; its `value` is empty. */
  link?: string;
}

export class ExecCache {
  private readonly entries: Lru<string, Entry>;
  /** Link entries (`link`), apart so they neither count as results nor push results out. */
  private readonly links: Lru<string, Entry>;
  /** Read sets stored apart (`persistReads`), by digest; undefined for one that could not be read. */
  private readonly readSets = new Lru<string, ReadFingerprints | undefined>(64);
  private hitCount = 0;
  private missCount = 0;
  private diskHitCount = 0;

  private salted(key: string): string {
    return this.options.salt ? createHash('sha256').update(`${this.options.salt}\0${key}`).digest('hex') : key;
  }

  constructor(private readonly options: ExecCacheOptions = {}) {
    this.entries = new Lru(Math.max(1, options.capacity ?? 256));
    this.links = new Lru(Math.max(1, options.capacity ?? 256));
    // The probes' answers live next to the results, under the same build salt (sandbox/probeCache.ts).
    if (options.dir) this.probes = new ProbeCache({ dir: join(options.dir, 'probes'), salt: options.salt ?? '', log: options.log });
  }

  /** Where the sandbox remembers its probes across processes; only with an on-disk cache. */
  readonly probes?: ProbeCache;

  /**
   * The cached output for `key`, or undefined (counted as a miss). An entry whose recorded reads
   * changed since it was stored is stale: dropped and counted as a miss. Returns a copy. `checks`
   * is the check's memo of stats and hashes, shared by all its lookups (readSet.ts).
   */
  async get(key: string, checks: ReadChecks = new ReadChecks()): Promise<ToolOutput | undefined> {
    key = this.salted(key);
    let entry = this.entries.get(key);
    const fromDisk = !entry;
    entry ??= await this.readDisk(key);
    if (entry?.link) entry = undefined; // a link is never a result
    if (entry && (!entry.reads || (await readsUnchanged(entry.reads, checks)))) {
      // Reads confirmed by hashing that can now vouch by their stat: stored, so the next check only stats them.
      const signed = entry.reads && (await withSignatures(entry.reads, checks));
      if (signed) {
        entry = { ...entry, reads: signed };
        await this.persist(key, entry);
      }
      this.remember(key, entry);
      this.hitCount++;
      if (fromDisk) this.diskHitCount++;
      return structuredClone(entry.value);
    }
    if (entry) {
      this.entries.delete(key);
      this.options.log?.debug('execution cache: an entry is stale (a file the run read has changed)');
    }
    this.missCount++;
    return undefined;
  }

  /**
   * Stores a result in memory and, when a folder was given, on disk (failures to write are only
   * logged), with the fingerprints of what the run read when the tool knows them.
   */
  async set(key: string, value: ToolOutput, reads?: ReadFingerprints): Promise<void> {
    key = this.salted(key);
    const entry: Entry = { value: structuredClone(value), ...(reads ? { reads } : {}) };
    this.remember(key, entry);
    await this.persist(key, entry);
  }

  private async persist(key: string, entry: Entry): Promise<void> {
    if (!this.options.dir) return;
    try {
      await mkdir(this.options.dir, { recursive: true });
      const { reads, ...rest } = entry;
      // The files of one check share most of what they read (one test session, one recording of
      // their planning): a long read set is stored once and named by its digest.
      const readsId = reads && reads.length >= sharedReadsMin ? await this.persistReads(reads) : undefined;
      await this.writeAtomic(this.fileOf(key), JSON.stringify({ version: formatVersion, key, ...rest, ...(readsId ? { readsId } : reads ? { reads } : {}) }));
    } catch (err) {
      this.options.log?.debug(`execution cache: could not write ${this.options.dir}: ${(err as Error).message}`);
    }
  }

  /** Write then rename, so a concurrent reader never sees half a file. */
  private async writeAtomic(file: string, text: string): Promise<void> {
    const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, text);
    await rename(tmp, file);
  }

  private async persistReads(reads: ReadFingerprints): Promise<string> {
    const text = JSON.stringify(reads);
    const id = createHash('sha256').update(text).digest('hex');
    if (!this.readSets.has(id)) {
      this.readSets.set(id, reads);
      await this.writeAtomic(this.fileOf(`reads-${id}`), `{"version":${formatVersion},"id":"${id}","reads":${text}}`);
    }
    return id;
  }

  /** A stored read set by its digest (one object for every entry that names it). */
  private loadReads(id: string): ReadFingerprints | undefined {
    if (!/^[0-9a-f]{64}$/.test(id)) return undefined;
    if (this.readSets.has(id)) return this.readSets.get(id);
    let reads: ReadFingerprints | undefined;
    try {
      const data = JSON.parse(readFileSync(this.fileOf(`reads-${id}`), 'utf8')) as { version?: unknown; id?: unknown; reads?: unknown };
      const list = data.reads;
      if (data.version === formatVersion && data.id === id && Array.isArray(list) && list.every(isReadFingerprint) && createHash('sha256').update(JSON.stringify(list)).digest('hex') === id) reads = list as ReadFingerprints;
    } catch {
      reads = undefined;
    }
    this.readSets.set(id, reads);
    return reads;
  }

  /**
   * The result key that planning these inputs (`front`: what is known before any file is read)
   * came to last time, while everything the planning read is unchanged: a cached check then skips
   * planning (test discovery, parsing, bundling) and goes straight to the result. Not counted in
   * the stats.
   */
  async linked(front: string, checks: ReadChecks = new ReadChecks()): Promise<string | undefined> {
    const key = this.salted(execCacheKey(['link', front]));
    const entry = this.links.get(key) ?? (await this.readDisk(key));
    if (!entry?.link || !entry.reads || !(await readsUnchanged(entry.reads, checks))) return undefined;
    const signed = await withSignatures(entry.reads, checks);
    const kept = signed ? { ...entry, reads: signed } : entry;
    if (signed) await this.persist(key, kept);
    this.links.set(key, kept);
    return entry.link;
  }

  /** The cached result that planning `front` came to last time (see `linked`), if it is still cached. */
  async viaLink(front: string, checks: ReadChecks = new ReadChecks()): Promise<ToolOutput | undefined> {
    const key = await this.linked(front, checks);
    return key ? this.get(key, checks) : undefined;
  }

  /**
   * Links `front` to `key` when what planning read (`seen`, from `recordingFs`) can be
   * fingerprinted: nothing outside the project, nothing changed since planning read it.
   */
  async linkPlan(front: string, key: string, seen: PlanReads, projectRoot: string, checks: ReadChecks = new ReadChecks()): Promise<void> {
    try {
      const reads = await fingerprintPlanReads(seen, projectRoot, checks);
      if (reads) await this.link(front, key, reads);
    } catch (err) {
      // Only a shortcut for the next check is lost; callers may leave this running unawaited.
      this.options.log?.debug(`execution cache: could not link a plan: ${(err as Error).message}`);
    }
  }

  /** Remembers that planning `front` came to the result key `key`, having read `reads` (and nothing outside them). */
  async link(front: string, key: string, reads: ReadFingerprints): Promise<void> {
    const salted = this.salted(execCacheKey(['link', front]));
    const entry: Entry = { value: { findings: [] }, reads, link: key };
    this.links.set(salted, entry);
    await this.persist(salted, entry);
  }

  get stats(): ExecCacheStats {
    return { hits: this.hitCount, misses: this.missCount, diskHits: this.diskHitCount, size: this.entries.size };
  }

  /** Forgets the in-memory entries (the disk copy stays). */
  clear(): void {
    this.entries.clear();
    this.links.clear();
  }

  private remember(key: string, value: Entry): void {
    this.entries.set(key, value);
  }

  private fileOf(key: string): string {
    return join(this.options.dir!, `${key}.json`);
  }

  private async readDisk(key: string): Promise<Entry | undefined> {
    if (!this.options.dir) return undefined;
    try {
      // Synchronously: a cached check reads one small entry per file and tool, and a thread-pool
      // round trip per read was a good part of what it cost over --no-exec.
      const data: unknown = JSON.parse(readFileSync(this.fileOf(key), 'utf8'));
      const entry = data as { version?: unknown; key?: unknown; value?: unknown; reads?: unknown; link?: unknown };
      if (entry.version !== formatVersion || entry.key !== key || !isToolOutput(entry.value)) return undefined;
      const { readsId } = entry as { readsId?: unknown };
      // A shared read set by its digest (checked when loaded), or the entry's own, checked here.
      const shared = typeof readsId === 'string';
      const reads = shared ? this.loadReads(readsId) : entry.reads;
      if (shared ? !reads : reads !== undefined && !(Array.isArray(reads) && reads.every(isReadFingerprint))) return undefined;
      if (entry.link !== undefined && typeof entry.link !== 'string') return undefined;
      return { value: entry.value, ...(reads ? { reads: reads as ReadFingerprints } : {}), ...(typeof entry.link === 'string' ? { link: entry.link } : {}) };
    } catch {
      return undefined;
    }
  }
}
