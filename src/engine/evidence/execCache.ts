/**
 * Remembers execution results so unchanged code is not run again: an in-memory LRU plus, when the
 * host gives a folder (the CLI passes the user cache folder, e.g. `~/.cache/critic`), one JSON file per entry.
 * Keys are sha256 hashes over everything the result depends on (file text, related test texts,
 * interpreter identity, tool id, relevant settings); see `execCacheKey`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../types.js';
import type { ToolOutput } from './tool.js';

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

const formatVersion = 1;

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
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
    .join(',')}}`;
}

function isToolOutput(v: unknown): v is ToolOutput {
  return typeof v === 'object' && v !== null && Array.isArray((v as ToolOutput).findings);
}

/** The execution result cache shared by the examples and related-tests tools. */
export class ExecCache {
  private readonly entries = new Map<string, ToolOutput>();
  private readonly capacity: number;
  private hitCount = 0;
  private missCount = 0;
  private diskHitCount = 0;

  private salted(key: string): string {
    return this.options.salt ? createHash('sha256').update(`${this.options.salt}\0${key}`).digest('hex') : key;
  }

  constructor(private readonly options: ExecCacheOptions = {}) {
    this.capacity = Math.max(1, options.capacity ?? 256);
  }

  /** The cached output for `key`, or undefined (counted as a miss). Returns a copy the caller may change. */
  async get(key: string): Promise<ToolOutput | undefined> {
    key = this.salted(key);
    const mem = this.entries.get(key);
    if (mem) {
      this.entries.delete(key);
      this.entries.set(key, mem);
      this.hitCount++;
      return structuredClone(mem);
    }
    const disk = await this.readDisk(key);
    if (disk) {
      this.remember(key, disk);
      this.hitCount++;
      this.diskHitCount++;
      return structuredClone(disk);
    }
    this.missCount++;
    return undefined;
  }

  /** Stores a result in memory and, when a folder was given, on disk (failures to write are only logged). */
  async set(key: string, value: ToolOutput): Promise<void> {
    key = this.salted(key);
    const copy = structuredClone(value);
    this.remember(key, copy);
    if (!this.options.dir) return;
    try {
      await mkdir(this.options.dir, { recursive: true });
      const file = this.fileOf(key);
      // Write then rename, so a concurrent reader never sees half a file.
      const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(tmp, JSON.stringify({ version: formatVersion, key, value: copy }));
      await rename(tmp, file);
    } catch (err) {
      this.options.log?.debug(`execution cache: could not write ${this.options.dir}: ${(err as Error).message}`);
    }
  }

  get stats(): ExecCacheStats {
    return { hits: this.hitCount, misses: this.missCount, diskHits: this.diskHitCount, size: this.entries.size };
  }

  /** Forgets the in-memory entries (the disk copy stays). */
  clear(): void {
    this.entries.clear();
  }

  private remember(key: string, value: ToolOutput): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  private fileOf(key: string): string {
    return join(this.options.dir!, `${key}.json`);
  }

  private async readDisk(key: string): Promise<ToolOutput | undefined> {
    if (!this.options.dir) return undefined;
    try {
      const data: unknown = JSON.parse(await readFile(this.fileOf(key), 'utf8'));
      const entry = data as { version?: unknown; key?: unknown; value?: unknown };
      if (entry.version !== formatVersion || entry.key !== key || !isToolOutput(entry.value)) return undefined;
      return entry.value;
    } catch {
      return undefined;
    }
  }
}
