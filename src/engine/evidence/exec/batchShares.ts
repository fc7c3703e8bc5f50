/**
 * What the example tools' `prefetch` shares (Python and JS): work out every prefetched file's run
 * (its cache key first: cached files stay out), run the uncached ones in a few batch runs, chunked
 * per project so two runs go at once, and hand each file its share when `run` asks for it. A file
 * whose text changed since the prefetch, or that the batch could not vouch for, runs on its own.
 */
import { abortable } from '../../abort.js';
import type { Logger } from '../../types.js';
import type { SourceDocument } from '../tool.js';
import type { BatchSeed } from './exampleBatches.js';
import { ReadChecks } from '../readSet.js';

/** Files per batch run at most, and batch runs at once. */
const batchChunk = 40;
const batchRuns = 2;

export interface Prepared {
  /** A cached result: nothing to run. */
  hit?: unknown;
}

export interface Share<P> {
  prep: P;
  seed?: BatchSeed;
  /**
   * One memo of stats and hashes, taken after the batch runs, for fingerprinting what each of its
   * files read: they read mostly the same files (their package, its helpers), hashed once.
   */
  after?: ReadChecks;
}

export class BatchShares<P extends Prepared> {
  private readonly shares = new Map<string, { text: string; ready: Promise<Share<P> | undefined> }>();
  private readonly disposed = new AbortController();

  constructor(
    private readonly log: Logger,
    private readonly what: string,
  ) {}

  /** Whether `path` was prefetched and not yet taken. */
  has(path: string): boolean {
    return this.shares.has(path);
  }

  /**
   * Prepares every document (undefined: nothing to run), then runs the uncached ones in chunks;
   * `runChunk` answers a seed per item, or undefined where the item must run on its own.
   */
  start(docs: readonly SourceDocument[], prepare: (doc: SourceDocument, signal: AbortSignal) => Promise<P | undefined>, runChunk: (items: Array<{ doc: SourceDocument; prep: P }>, signal: AbortSignal) => Promise<Array<BatchSeed | undefined>>): void {
    const signal = this.disposed.signal;
    const preps = docs.map((doc) => prepare(doc, signal).catch(() => undefined));
    const seeds = this.run(docs, preps, runChunk, signal).then((all) => ({ all, after: new ReadChecks() }));
    docs.forEach((doc, i) => {
      const ready = Promise.all([preps[i]!, seeds]).then(([prep, { all, after }]) => (prep ? { prep, seed: all.get(doc.path), after } : undefined));
      this.shares.set(doc.path, { text: doc.text, ready: ready.catch(() => undefined) });
    });
  }

  /** The document's share (once), when it was prefetched with this very text. */
  async take(doc: SourceDocument, signal: AbortSignal): Promise<Share<P> | undefined> {
    const share = this.shares.get(doc.path);
    if (!share || share.text !== doc.text) return undefined;
    this.shares.delete(doc.path);
    return abortable(share.ready, signal);
  }

  dispose(): void {
    this.disposed.abort();
    this.shares.clear();
  }

  private async run(docs: readonly SourceDocument[], preps: Promise<P | undefined>[], runChunk: (items: Array<{ doc: SourceDocument; prep: P }>, signal: AbortSignal) => Promise<Array<BatchSeed | undefined>>, signal: AbortSignal): Promise<Map<string, BatchSeed>> {
    const seeds = new Map<string, BatchSeed>();
    const ready = await Promise.all(preps);
    const byRoot = new Map<string, Array<{ doc: SourceDocument; prep: P }>>();
    docs.forEach((doc, i) => {
      const prep = ready[i];
      if (prep && prep.hit === undefined) byRoot.set(doc.projectRoot, [...(byRoot.get(doc.projectRoot) ?? []), { doc, prep }]);
    });
    // One batch per project (the sandbox binds one project root); a lone file gains nothing from a batch.
    const chunks: Array<Array<{ doc: SourceDocument; prep: P }>> = [];
    for (const group of byRoot.values()) {
      if (group.length < 2) continue;
      const size = Math.min(batchChunk, Math.ceil(group.length / batchRuns));
      for (let i = 0; i < group.length; i += size) chunks.push(group.slice(i, i + size));
    }
    if (!chunks.length) return seeds;
    const started = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        try {
          const out = await runChunk(chunk, signal);
          out.forEach((seed, i) => seed && seeds.set(chunk[i]!.doc.path, seed));
        } catch (err) {
          this.log.debug(`${this.what}: a batch of ${chunk.length} files failed (${(err as Error).message}); they run one by one`);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(batchRuns, chunks.length) }, worker));
    const files = chunks.reduce((n, c) => n + c.length, 0);
    this.log.debug(`${this.what}: ${files} file(s) in ${chunks.length} batch run(s), ${seeds.size} answered, ${Date.now() - started} ms`);
    return seeds;
  }
}
