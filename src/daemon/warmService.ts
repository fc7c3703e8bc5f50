/**
 * What a warm Critic serves the CLI: `critic/check` of a batch of documents on an engine built from
 * exactly the inputs the CLI resolved (its configuration, trust and cache folder). Engines are kept
 * per input key, so the TypeScript program, ruff, the grammars and the sandbox probe are paid once;
 * a request with different inputs gets its own engine, never a looser one. No model runs here: a
 * CLI with a model configured does all the work itself, so no API key ever crosses the socket.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { ConfigError, defaultConfig, parseConfig } from '../engine/config.js';
import { createCritic, type Critic } from '../engine/critic.js';
import { engineKeyOf } from '../engine/engineKey.js';
import { ExecCache } from '../engine/evidence/execCache.js';
import type { SourceDocument } from '../engine/evidence/tool.js';
import { languageIds } from '../engine/languages.js';
import { assetsIn, nodeExec, nodeFs } from '../engine/nodePorts.js';
import type { LineRange } from '../engine/pipeline.js';
import type { Logger } from '../engine/types.js';
import { engineEnvironment, environmentDifferences } from './environment.js';
import { errorCodes, protocolVersion, type CheckAnswer, type CheckDocument, type CheckRequest, type DocumentAnswer, type HelloAnswer } from './wire.js';

/** A request the service refuses, with its JSON-RPC error code. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RpcError';
  }
}

export interface WarmServiceOptions {
  /** The project this service is for; requests for another root are refused. */
  root: string;
  /** This Critic build (see HelloAnswer.build). */
  build: string;
  /** Where the wasm grammars are: the bundle's folder. */
  assetsDir: string;
  log: Logger;
  /** Engines kept warm at once (different flag combinations); the least recently used goes first. */
  maxEngines?: number;
}

interface Entry {
  ready: Promise<Critic>;
  active: number;
  retired: boolean;
}

const realOrSelf = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
};

export class WarmService {
  private readonly engines = new Map<string, Entry>();
  private readonly caches = new Map<string, ExecCache>();
  private readonly realRoot: string;
  private readonly environment = engineEnvironment(process.env);
  private running = 0;
  private answered = 0;

  constructor(private readonly opts: WarmServiceOptions) {
    this.realRoot = realOrSelf(opts.root);
  }

  /** Requests being served now (the idle timer waits for 0). */
  get busy(): number {
    return this.running;
  }

  hello(): HelloAnswer {
    return { protocol: protocolVersion, build: this.opts.build, root: this.opts.root, pid: process.pid, served: this.answered };
  }

  async check(raw: unknown, signal: AbortSignal): Promise<CheckAnswer> {
    const req = this.validate(raw);
    this.running++;
    try {
      const entry = this.entryFor(req);
      entry.active++;
      try {
        const critic = await entry.ready;
        const docs: SourceDocument[] = req.docs.map((d) => ({ path: d.path, text: d.text, language: d.language, projectRoot: req.root }));
        // As in the CLI: tools that batch across files (sandboxed ESLint, shared test sessions) start once for all.
        critic.prefetch(docs);
        const results = await pool(req.docs, req.jobs, async (d, i): Promise<DocumentAnswer> => {
          const r = await critic.check(docs[i]!, { changedLines: d.changedLines, changed: d.changed, signal });
          return { findings: r.findings, notices: r.notices, ...(r.modelStats ? { modelStats: r.modelStats } : {}), ...(r.execution ? { execution: r.execution } : {}) };
        });
        this.answered++;
        this.opts.log.debug(`served ${req.docs.length} document(s) on a warm engine (${this.engines.size} kept)`);
        return { isolation: critic.isolation, ...(critic.isolationReason ? { isolationReason: critic.isolationReason } : {}), notices: [...critic.notices], results };
      } finally {
        entry.active--;
        if (entry.active === 0 && entry.retired) void entry.ready.then((c) => c.dispose()).catch(() => {});
      }
    } finally {
      this.running--;
    }
  }

  async dispose(): Promise<void> {
    const all = [...this.engines.values()];
    this.engines.clear();
    await Promise.all(all.map((e) => e.ready.then((c) => c.dispose()).catch(() => {})));
  }

  private entryFor(req: CheckRequest): Entry {
    // The same inputs the CLI builds its engine from (main.ts: trusted: true, projectTrusted, the cache).
    const key = engineKeyOf({ root: req.root, trusted: true, projectTrusted: req.projectTrusted, config: req.config, cacheDir: req.cacheDir });
    let entry = this.engines.get(key);
    if (entry) {
      this.engines.delete(key);
      this.engines.set(key, entry);
      return entry;
    }
    let cache = this.caches.get(req.cacheDir);
    if (!cache) this.caches.set(req.cacheDir, (cache = new ExecCache({ dir: req.cacheDir, log: this.opts.log, salt: req.build })));
    const ctx = { log: this.opts.log, fs: nodeFs, exec: nodeExec, assets: assetsIn(this.opts.assetsDir), config: req.config };
    entry = { ready: createCritic(ctx, { trusted: true, projectTrusted: req.projectTrusted, cache, models: [] }), active: 0, retired: false };
    const created = entry;
    entry.ready.catch(() => {
      if (this.engines.get(key) === created) this.engines.delete(key);
    });
    this.engines.set(key, entry);
    while (this.engines.size > (this.opts.maxEngines ?? 4)) {
      const [oldKey, oldest] = this.engines.entries().next().value as [string, Entry];
      this.engines.delete(oldKey);
      oldest.retired = true;
      if (oldest.active === 0) void oldest.ready.then((c) => c.dispose()).catch(() => {});
    }
    return entry;
  }

  /** The request as the CLI must have sent it; anything else is refused with a reason. */
  private validate(raw: unknown): CheckRequest {
    const bad = (m: string) => new RpcError(errorCodes.invalidParams, m);
    if (typeof raw !== 'object' || raw === null) throw bad('params must be an object');
    const p = raw as Record<string, unknown>;
    if (p.protocol !== protocolVersion) throw new RpcError(errorCodes.wrongProtocol, `protocol ${String(p.protocol)} is not ${protocolVersion}`);
    if (p.build !== this.opts.build) throw new RpcError(errorCodes.wrongBuild, `this daemon is Critic ${this.opts.build}, the request is from ${String(p.build)}`);
    if (typeof p.root !== 'string' || !isAbsolute(p.root)) throw bad('root must be an absolute path');
    if (realOrSelf(p.root) !== this.realRoot) throw new RpcError(errorCodes.wrongRoot, `this daemon serves ${this.opts.root}, not ${p.root}`);
    if (typeof p.environment !== 'object' || p.environment === null || Object.values(p.environment).some((v) => typeof v !== 'string')) throw bad('environment must map names to strings');
    const differ = environmentDifferences(this.environment, p.environment as Record<string, string>);
    if (differ.length) throw new RpcError(errorCodes.wrongEnvironment, `it was started with another ${differ.join(', ')} than this shell's, so it could find other interpreters; restart it from here`);
    if (typeof p.projectTrusted !== 'boolean') throw bad('projectTrusted must be true or false');
    if (typeof p.cacheDir !== 'string' || !isAbsolute(p.cacheDir)) throw bad('cacheDir must be an absolute path');
    if (typeof p.jobs !== 'number' || !Number.isInteger(p.jobs) || p.jobs < 1 || p.jobs > 64) throw bad('jobs must be a whole number from 1 to 64');
    let config;
    try {
      // The CLI's resolved configuration, checked like a file: types, ranges, known keys.
      config = parseConfig(p.config, 'the request', defaultConfig());
    } catch (err) {
      if (err instanceof ConfigError) throw bad(err.message);
      throw err;
    }
    if (config.model.models.length) throw bad('the daemon runs no critic model; a CLI with a model checks in process');
    if (!Array.isArray(p.docs) || p.docs.length > 100_000) throw bad('docs must be a list');
    const docs = p.docs.map((d: unknown, i: number) => this.document(d, p.root as string, i));
    return { protocol: protocolVersion, build: this.opts.build, root: p.root, config, projectTrusted: p.projectTrusted, cacheDir: p.cacheDir, jobs: p.jobs, environment: p.environment as Record<string, string>, docs };
  }

  private document(raw: unknown, root: string, i: number): CheckDocument {
    const bad = (m: string) => new RpcError(errorCodes.invalidParams, `docs[${i}]: ${m}`);
    if (typeof raw !== 'object' || raw === null) throw bad('expected an object');
    const d = raw as Record<string, unknown>;
    if (typeof d.path !== 'string' || !isAbsolute(d.path) || !resolve(d.path).startsWith(resolve(root) + sep)) throw bad('path must be an absolute path inside the project');
    if (typeof d.text !== 'string') throw bad('text must be a string');
    if (typeof d.language !== 'string' || !(languageIds as readonly string[]).includes(d.language)) throw bad('unknown language');
    const ranges = (name: 'changedLines' | 'changed'): LineRange[] | undefined => {
      const value = d[name];
      if (value === undefined) return undefined;
      const ok = Array.isArray(value) && value.every((r: unknown) => typeof r === 'object' && r !== null && Number.isInteger((r as LineRange).start) && Number.isInteger((r as LineRange).end));
      if (!ok) throw bad(`${name} must be a list of { start, end } line numbers`);
      return (value as LineRange[]).map((r) => ({ start: r.start, end: r.end }));
    };
    const changedLines = ranges('changedLines');
    const changed = ranges('changed');
    return { path: d.path, text: d.text, language: d.language as CheckDocument['language'], ...(changedLines ? { changedLines } : {}), ...(changed ? { changed } : {}) };
  }
}

async function pool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return results;
}
