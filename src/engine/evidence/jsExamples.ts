/**
 * Runs the JSDoc `@example` blocks of a JS/TS file that state their results (`// => value`,
 * `// throws`; syntax in exec/jsdocExamples.ts) in the sandbox, and reports each failing example,
 * hang, crash or limit on the function it documents (tier `executed`).
 *
 * The module is bundled with esbuild in the engine process (the text under critique plus its
 * example blocks appended in module scope, sibling imports included, packages imported from the
 * project's node_modules by absolute path) and handed to the sandbox as a file of its scratch dir.
 */
import type { CriticConfig } from '../config.js';
import type { RawFinding } from '../findings.js';
import type { ParsedFile, SyntaxService } from '../syntax/syntaxService.js';
import type { Sandbox } from '../sandbox/types.js';
import type { EngineContext } from '../types.js';
import { execCacheKey } from './execCache.js';
import { fingerprintReads, ReadChecks, recordingFs } from './readSet.js';
import { BundleError, bundleModule, loaderOf, syntaxErrorOf } from './exec/bundle.js';
import { finish, runExampleBatches, type ExampleOutcome } from './exec/exampleBatches.js';
import { BatchShares } from './exec/batchShares.js';
import { runJsExampleBatch } from './exec/jsExampleBatch.js';
import { exampleReport, type PlacedExample } from './exec/exampleFindings.js';
import { lineRange } from './exec/executedFindings.js';
import { oneLine } from '../text.js';
import { interpreterIdentity } from './exec/interpreterIdentity.js';
import { jsExampleBundleFile, jsExampleRunner, jsExampleRunnerFile, type JsExampleRunnerConfig } from './exec/jsExampleRunner.js';
import { runnerConfigFile } from './exec/protocol.js';
import { blockSource, jsdocExampleBlocks, type JsExampleBlock, type JsExampleItem } from './exec/jsdocExamples.js';
import { asUnavailable, cacheable, isDeclarationFile, maxExampleBatches, moduleRange, once, usableSandbox, type ExecToolDeps } from './exec/execTool.js';
import type { EvidenceTool, SourceDocument, ToolOutput } from './tool.js';

function expectationOf(item: JsExampleItem): string | undefined {
  if (item.kind === 'check') return `expected ${oneLine(item.want ?? '', 120)}`;
  if (item.kind === 'throws') {
    const what = item.throwsName ? `to throw ${item.throwsName}` : 'to throw';
    return `expected it ${what}${item.throwsMessage ? ` with "${oneLine(item.throwsMessage, 80)}"` : ''}`;
  }
  return undefined;
}

/** A file's examples ready to run (or its cached result): worked out once, in prefetch or run. */
interface Prepared {
  sandbox: Sandbox;
  /** Findings known before running (examples that are not valid code). */
  findings: RawFinding[];
  blocks: JsExampleBlock[];
  bundle?: string;
  key?: string;
  hit?: ToolOutput;
  /** Writes the plan's cache link (once): started with the run, awaited before its output. */
  link?: () => Promise<void>;
}

export interface JsExamplesDeps extends ExecToolDeps {
  /** Parses prefetched files (to find their examples); without it prefetch does nothing. */
  syntax?: SyntaxService;
}

export class JsExamplesTool implements EvidenceTool {
  readonly id = 'examples';
  private readonly shares: BatchShares<Prepared>;

  constructor(
    private readonly ctx: EngineContext,
    private readonly deps: JsExamplesDeps,
  ) {
    this.shares = new BatchShares(ctx.log, 'examples (js)');
  }

  appliesTo(doc: SourceDocument, config: CriticConfig): boolean {
    return doc.language !== 'python' && config.tools.examples && config.execution.enabled && !isDeclarationFile(doc);
  }

  run(doc: SourceDocument, parsed: ParsedFile, signal: AbortSignal): Promise<ToolOutput> {
    return asUnavailable(this.id, () => this.runExamples(doc, parsed, signal));
  }

  dispose(): void {
    this.shares.dispose();
  }

  /** Runs the examples of every uncached file among `docs` in a few shared sandbox runs (a worker per module). */
  prefetch(docs: readonly SourceDocument[]): void {
    const syntax = this.deps.syntax;
    if (!syntax || this.deps.sandbox.isolation === 'none') return;
    const wanted = docs.filter((d) => this.appliesTo(d, this.ctx.config) && d.text.includes('@example') && !this.shares.has(d.path));
    if (wanted.length < 2) return;
    // One memo of stats and hashes for the cache lookups of the whole check.
    const checks = new ReadChecks();
    this.shares.start(
      wanted,
      async (doc, signal) => this.prepare(doc, await syntax.analyse(doc.path, doc.text, doc.language, signal), signal, checks),
      (items, signal) => {
        // What planning read is fingerprinted while the batch runs, not before it.
        for (const t of items) void t.prep.link?.();
        return runJsExampleBatch({
          sandbox: items[0]!.prep.sandbox,
          projectRoot: items[0]!.doc.projectRoot,
          modules: items.map((t) => ({ config: this.runnerConfig(t.doc, t.prep.blocks), bundle: t.prep.bundle! })),
          timeoutMs: this.ctx.config.execution.exampleTimeoutMs,
          memoryMb: this.ctx.config.execution.memoryMb,
          signal,
        });
      },
    );
  }

  private runnerConfig(doc: SourceDocument, blocks: readonly JsExampleBlock[]): Omit<JsExampleRunnerConfig, 'marker' | 'skip'> {
    return { blocks: blocks.map((b) => b.id), coverage: this.ctx.config.execution.lineCoverage ? doc.path : '' };
  }

  /** The blocks, bundle and cache key; a `hit` when nothing needs to run (cached, no examples, not bundled). */
  private async prepare(doc: SourceDocument, parsed: ParsedFile, signal: AbortSignal, checks?: ReadChecks): Promise<Prepared> {
    const found = jsdocExampleBlocks(doc.text, parsed);
    if (found.length === 0) return { sandbox: this.deps.sandbox as Sandbox, findings: [], blocks: [], hit: { findings: [] } };
    const sandbox = usableSandbox(this.id, this.deps.sandbox);
    const execution = this.ctx.config.execution;
    const settings = [execution.exampleTimeoutMs, execution.memoryMb, execution.maxProcesses, execution.maxOutputBytes, sandbox.isolation, execution.lineCoverage];
    // A cached file skips esbuild altogether: its text, interpreter and settings lead to the key of
    // last time while everything the bundle read is unchanged (relatedTests.ts does the same).
    const identity = this.deps.cache ? await interpreterIdentity(sandbox, 'node', doc.projectRoot, signal) : undefined;
    const front = identity && execCacheKey(['plan', this.id, 'js', doc.path, doc.projectRoot, doc.text, identity.id, settings]);
    if (front && this.deps.cache) {
      const hit = await this.deps.cache.viaLink(front, checks);
      if (hit) return { sandbox, findings: [], blocks: [], hit };
    }
    const recorder = front ? recordingFs(this.ctx.fs) : undefined;
    const findings: RawFinding[] = [];
    // A block that does not parse would break the whole bundle: report it and leave it out.
    const blocks: JsExampleBlock[] = [];
    for (const block of found) {
      const error = await syntaxErrorOf(blockSource(block), loaderOf(doc.path), this.id);
      if (!error) {
        blocks.push(block);
        continue;
      }
      const first = block.items[0]!;
      findings.push({
        rule: 'example-invalid',
        level: 'note',
        message: `This @example of ${block.unit.name} is not valid code (${oneLine(error, 100)}), so it was not run`,
        file: doc.path,
        range: lineRange(doc.text, first.line),
        tier: 'tool',
        confidence: 1,
        source: this.id,
      });
    }
    if (blocks.length === 0) return { sandbox, findings, blocks, hit: { findings } };
    let bundle: string;
    try {
      const contents = `${doc.text}\n;\n${blocks.map(blockSource).join('\n')}\n`;
      bundle = await bundleModule({ entry: doc.path, overrides: { [doc.path]: contents }, projectRoot: doc.projectRoot, ...(recorder ? { onReads: recorder.also } : {}) }, this.id);
    } catch (err) {
      if (!(err instanceof BundleError)) throw err;
      // Unresolved imports and syntax errors are the type checker's and the parser's to report.
      this.ctx.log.info(`examples: ${doc.path} could not be bundled, its examples were not run: ${err.message}${err.file ? ` (${err.file}:${err.line})` : ''}`);
      return { sandbox, findings, blocks, hit: { findings } };
    }
    if (!this.deps.cache || !identity) return { sandbox, findings, blocks, bundle };
    const key = execCacheKey([this.id, 'js', doc.path, doc.text, bundle, identity.id, settings, findings]);
    const cache = this.deps.cache;
    const link = front && recorder ? once(() => cache.linkPlan(front, key, recorder.seen, doc.projectRoot, checks)) : undefined;
    const hit = await cache.get(key, checks);
    if (hit) await link?.();
    return { sandbox, findings, blocks, bundle, key, ...(hit ? { hit } : {}), ...(link && !hit ? { link } : {}) };
  }

  private async runExamples(doc: SourceDocument, parsed: ParsedFile, signal: AbortSignal): Promise<ToolOutput> {
    if (!doc.text.includes('@example')) return { findings: [] };
    const shared = await this.shares.take(doc, signal);
    const prep = shared?.prep ?? (await this.prepare(doc, parsed, signal));
    if (prep.hit) return prep.hit;
    const { sandbox, findings, blocks, key } = prep;
    const bundle = prep.bundle!;
    const execution = this.ctx.config.execution;
    const started = Date.now();
    const seed = shared?.seed;
    const opts = {
      sandbox,
      signal,
      maxBatches: maxExampleBatches,
      request: (skip: readonly string[], marker: string) => {
        const config: JsExampleRunnerConfig = { ...this.runnerConfig(doc, blocks), marker, skip: [...skip] };
        return {
          interpreter: 'node' as const,
          args: ['--enable-source-maps', jsExampleRunnerFile],
          projectRoot: doc.projectRoot,
          files: { [jsExampleRunnerFile]: jsExampleRunner, [runnerConfigFile]: JSON.stringify(config), [jsExampleBundleFile]: bundle },
          timeoutMs: execution.exampleTimeoutMs,
          signal,
        };
      },
    };
    const running = seed?.done ? Promise.resolve(finish(seed.done, seed.state)) : runExampleBatches(opts, seed?.state);
    void prep.link?.();
    const result = await running;
    this.ctx.log.debug(`examples: ${doc.path}: ${result.outcomes.length} example(s) in ${result.batches} run(s)${seed ? ' (from a batch)' : ''}, ${Date.now() - started} ms`);
    const byId = new Map(blocks.map((b) => [b.id, b]));
    const place = (o: ExampleOutcome): PlacedExample | undefined => {
      const block = byId.get(o.test);
      if (!block) return undefined;
      const item = block.items[o.i] ?? block.items[0]!;
      const setup = item.kind === 'setup';
      return { unit: block.unit, line: item.line, src: setup ? oneLine(item.source, 60) : item.source, want: item.want, expected: expectationOf(item) };
    };
    const report = exampleReport(result, { source: this.id, doc, execution, place, moduleRange: moduleRange(doc.text, parsed.units), verbs: { value: 'returned', raise: 'threw' }, units: parsed.units });
    const output: ToolOutput = { findings: [...findings, ...report.findings], records: report.records };
    // Cached only with what the run read (data files; local imports are in the bundle, part of the key).
    const reads = key && result.reads ? await fingerprintReads(result.reads, doc.projectRoot, seed?.done ? shared?.after : undefined) : undefined;
    if (key && reads && !result.incomplete && cacheable(output.findings)) await this.deps.cache!.set(key, output, reads);
    await prep.link?.();
    return output;
  }
}

/** Factory in the shape the pipeline registers tools with. */
export function createJsExamplesTool(deps: JsExamplesDeps): (ctx: EngineContext) => JsExamplesTool {
  return (ctx) => new JsExamplesTool(ctx, deps);
}
