/**
 * One test session per check instead of one per file: when the host says which files are about to
 * be checked together (`prefetch`: a CLI run, a staged diff), their related tests are planned
 * first (discovery, preparation, the cache), then the plans that agree on project, runner and
 * settings run in one sandboxed session over the union of their test files, each test file once,
 * with every file's text under critique in place. Each file then reads its share of the results
 * (the tests of its own related test files, its own coverage and imports), so its findings are
 * those of a run of its own. Files already cached, or alone in their group, run as they would
 * alone; so does every file of a session that did not finish (a hang, a limit, a crash, the time
 * budget): such a run is repeated per file, which is what decides whose test it was.
 */
import { AbortError } from '../abort.js';
import type { ParsedFile, SyntaxService } from '../syntax/syntaxService.js';
import type { SandboxRunResult, Sandbox } from '../sandbox/types.js';
import type { EngineContext, FileSystemPort } from '../types.js';
import { avaPrepared, frameworkPrepared, mochaPrepared, nodePrepared, pythonPrepared, testBudgetMs, type PreparedRun, type RunPlan } from './exec/preparedRuns.js';
import { parseTestRun, type TestFile, type TestRun } from './exec/testFindings.js';
import { readsOf, runnerEvents } from './exec/protocol.js';
import type { SourceDocument, ToolOutput } from './tool.js';
import { ReadChecks, recordingFs } from './readSet.js';
import type { ResolveContext } from './exec/pythonImports.js';
import type { DiscoveryOptions } from './exec/testDiscovery.js';

/** What the sessions need of the related-tests tool (relatedTests.ts). */
export interface SessionHost {
  readonly id: string;
  readonly ctx: EngineContext;
  readonly deps: { syntax: SyntaxService };
  plan(doc: SourceDocument, parsed: ParsedFile, signal: AbortSignal, fs?: FileSystemPort, checks?: ReadChecks, together?: PlanTogether): Promise<{ output: ToolOutput } | { plan: RunPlan }>;
  readOnce(): FileSystemPort;
  execute(plan: RunPlan, signal: AbortSignal): Promise<ToolOutput>;
  fillFacts(plan: RunPlan, signal: AbortSignal): Promise<void>;
  session(sandbox: Sandbox, prepared: PreparedRun, projectRoot: string, timeoutMs: number, signal: AbortSignal, label?: string): Promise<{ res: SandboxRunResult; marker: string; run: TestRun }>;
  report(plan: RunPlan, run: TestRun, readPaths: string[] | undefined, checks?: ReadChecks): Promise<ToolOutput>;
}

/** What a file's share comes to: its output, its own plan to run alone, or nothing (plan it again). */
type Outcome = { output: ToolOutput } | { plan: RunPlan } | undefined;

interface Share {
  doc: SourceDocument;
  outcome: Promise<Outcome>;
  resolve(o: Outcome): void;
  /** Aborted when the file's own check is cancelled. */
  abort: AbortController;
}

export class SharedTestSessions {
  private readonly shares = new Map<string, Share>();

  constructor(private readonly tool: SessionHost) {}

  /** Plans the documents' runs and starts the shared sessions (`take` awaits a document's share). */
  start(docs: readonly SourceDocument[]): void {
    if (docs.length < 2) return;
    const shares: Share[] = [];
    for (const doc of docs) {
      if (this.shares.has(doc.path)) continue;
      let resolve!: (o: Outcome) => void;
      const outcome = new Promise<Outcome>((r) => (resolve = r));
      const share = { doc, outcome, resolve, abort: new AbortController() };
      this.shares.set(doc.path, share);
      shares.push(share);
    }
    void this.orchestrate(shares).catch((err: Error) => {
      this.tool.ctx.log.debug(`tests: shared sessions failed: ${err.message}`);
      for (const s of shares) s.resolve(undefined);
    });
  }

  /**
   * The document's output from its share of a session, or undefined when it was not prefetched
   * (or has changed since): the caller runs it alone. Cancelling one document's check leaves the
   * session running for the others; it stops when every document in it is cancelled.
   */
  async take(doc: SourceDocument, signal: AbortSignal): Promise<ToolOutput | undefined> {
    const share = this.shares.get(doc.path);
    if (!share) return undefined;
    this.shares.delete(doc.path);
    // Edited since the check began: this text runs alone (the session goes on for the others).
    if (share.doc.text !== doc.text) return undefined;
    if (signal.aborted) share.abort.abort();
    const cancelled = new Promise<never>((_, reject) => {
      const onAbort = () => {
        share.abort.abort();
        reject(new AbortError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void share.outcome.finally(() => signal.removeEventListener('abort', onAbort));
    });
    cancelled.catch(() => undefined);
    const outcome = await Promise.race([share.outcome, cancelled]);
    if (!outcome) return undefined;
    return 'output' in outcome ? outcome.output : this.tool.execute(outcome.plan, signal);
  }

  private async orchestrate(shares: Share[]): Promise<void> {
    const groups = new Map<string, Array<{ share: Share; plan: RunPlan }>>();
    // The files of one check read the same candidate test files: once for all of them.
    const fs = this.tool.readOnce();
    const checks = new ReadChecks();
    const together = new PlanTogether();
    for (const share of shares) {
      const { doc } = share;
      try {
        const parsed = await this.tool.deps.syntax.analyse(doc.path, doc.text, doc.language, share.abort.signal);
        const planned = await this.tool.plan(doc, parsed, share.abort.signal, fs, checks, together);
        if ('output' in planned) share.resolve(planned);
        else groups.set(planned.plan.group, [...(groups.get(planned.plan.group) ?? []), { share, plan: planned.plan }]);
      } catch {
        share.resolve(undefined); // planned again by `run`, which reports the error
      }
    }
    for (const members of groups.values()) {
      if (members.length === 1) members[0]!.share.resolve({ plan: members[0]!.plan });
      else await this.runGroup(members);
    }
  }

  private async runGroup(members: Array<{ share: Share; plan: RunPlan }>): Promise<void> {
    const session = new AbortController();
    const check = () => {
      if (members.every((m) => m.share.abort.signal.aborted)) session.abort();
    };
    for (const m of members) m.share.abort.signal.addEventListener('abort', check, { once: true });
    check();
    const plans = members.map((m) => m.plan);
    const { ctx } = this.tool;
    try {
      for (const p of plans) await this.tool.fillFacts(p, session.signal);
      // One file's limit: files whose tests did not all run by then run alone, so a hang costs one
      // limit more, not one per file that shares the hanging test.
      const timeoutMs = ctx.config.execution.testTimeoutMs;
      const merged = await mergedRun(this.tool.id, plans, testBudgetMs(timeoutMs));
      const first = plans[0]!;
      const tests = new Set(plans.flatMap((p) => [...p.testFiles.keys()])).size;
      ctx.log.debug(`tests: one session for ${plans.length} files and ${tests} test file(s) in ${first.doc.projectRoot}`);
      const running = this.tool.session(first.sandbox, merged, first.doc.projectRoot, timeoutMs, session.signal);
      for (const p of plans) void p.link?.();
      const { res, marker, run } = await running;
      const events = runnerEvents(res, marker);
      const unfinished = run.stopped || run.unrun;
      const collected = events.find((e) => e.t === 'collected')?.files;
      if (unfinished) ctx.log.debug(`tests: the shared session did not finish (${run.stopped?.kind ?? `${run.unrun} unrun`}); files whose tests did not all run run them alone`);
      const reads = readsOf(events);
      const all = new Set(plans.flatMap((p) => [...p.testFiles.keys()]));
      // What the session read is fingerprinted once for all its files, now that it has ended.
      const after = new ReadChecks();
      for (const [i, m] of members.entries()) {
        const view = shareOf(merged.parse(res, marker, { target: m.plan.doc.path, index: i }), m.plan, all);
        if (!unfinished) m.share.resolve({ output: await this.tool.report(m.plan, view, reads, after) });
        else if (complete(view, m.plan, collected)) m.share.resolve({ output: await this.tool.report(m.plan, { ...view, stopped: undefined, unrun: undefined }, reads, after) });
        else m.share.resolve({ plan: m.plan });
      }
    } catch (err) {
      if (!session.signal.aborted) ctx.log.debug(`tests: the shared session failed (${(err as Error).message}); each file runs its tests alone`);
      for (const m of members) m.share.resolve({ plan: m.plan });
    }
  }
}

/** One run for all the plans of a group (they agree on runner and settings). */
async function mergedRun(tool: string, plans: readonly RunPlan[], budgetMs: number): Promise<PreparedRun> {
  const first = plans[0]!;
  const union = <T>(lists: T[][]) => [...new Set(lists.flat())];
  const share = first.share;
  if (share.kind === 'python') {
    const configs = plans.map((p) => (p.share as typeof share).config);
    const config = {
      ...share.config,
      files: union(configs.map((c) => c.files)),
      path: union(configs.map((c) => c.path)),
      targets: plans.map((p, i) => ({ file: p.doc.path, src: `critic_source_${i}.py` })),
      ...(share.config.coverage ? { covFiles: plans.map((p) => p.doc.path) } : {}),
      budgetMs,
    };
    const sources = Object.fromEntries(plans.map((p, i) => [`critic_source_${i}.py`, p.doc.text]));
    return pythonPrepared(config, sources, [], (res, marker, view) => parseTestRun(res, marker, (f) => f, view));
  }
  if (share.kind === 'framework' || share.kind === 'mocha' || share.kind === 'ava') {
    // Runners that load the test files from disk: their union, every unsaved text mounted, and
    // per-test coverage of every file under critique when the runner records it.
    const shares = plans.map((p) => p.share as typeof share);
    const overlays = Object.assign({}, ...shares.map((s) => s.overlays ?? {})) as Record<string, string>;
    const mounted = Object.keys(overlays).length ? overlays : undefined;
    const files = union(shares.map((s) => s.base.files));
    const coverage = 'coverage' in share.base && share.base.coverage ? { coverage: plans.map((p) => p.doc.path), covMulti: true } : {};
    if (share.kind === 'framework') return frameworkPrepared({ ...share.base, files, ...coverage }, [], mounted);
    if (share.kind === 'mocha') return mochaPrepared({ ...share.base, files, ...coverage }, [], mounted);
    return avaPrepared({ ...share.base, files }, [], mounted);
  }
  const tests = new Map<string, TestFile>();
  for (const p of plans) for (const t of (p.share as { tests: TestFile[] }).tests) if (!tests.has(t.path)) tests.set(t.path, t);
  const overrides = Object.fromEntries(plans.map((p) => [p.doc.path, p.doc.text]));
  return nodePrepared(tool, first.doc.projectRoot, [...tests.values()], overrides, () => [], undefined, (share as { shims?: Record<string, string> }).shims);
}

/**
 * Whether every test of the file's related test files has a result in a session that did not
 * finish (the runner says how many each file holds; without that, none is taken as complete).
 */
function complete(view: TestRun, plan: RunPlan, collected: unknown): boolean {
  if (!collected || typeof collected !== 'object') return false;
  const counts = collected as Record<string, unknown>;
  for (const file of plan.testFiles.keys()) {
    const want = typeof counts[file] === 'number' ? (counts[file] as number) : 0;
    if (new Set(view.results.filter((r) => r.src === file).map((r) => r.id)).size < want) return false;
  }
  return !view.stopped?.current || !plan.testFiles.has(view.stopped.current.src);
}

/**
 * A file's share of a session: the results and load failures of its own related test files, in
 * their order (a file no plan names, like a conftest.py that failed, concerns every file).
 */
function shareOf(run: TestRun, plan: RunPlan, all: ReadonlySet<string>): TestRun {
  const order = [...plan.testFiles.keys()];
  const rank = (f: string) => {
    const i = order.indexOf(f);
    return i < 0 ? (all.has(f) ? -1 : order.length) : i;
  };
  const results = run.results.filter((r) => rank(r.src) >= 0).sort((a, b) => rank(a.src) - rank(b.src));
  const collectErrors = run.collectErrors.filter((c) => rank(c.file) >= 0).sort((a, b) => rank(a.file) - rank(b.file));
  const tracksLoading = plan.share.kind === 'python' ? !plan.share.config.files.includes(plan.doc.path) : run.tracksLoading;
  return { ...run, results, collectErrors, tracksLoading };
}

/**
 * What the files of one check planned together share, per project: one recording of the reads
 * (over the check's read-once file system) and what each test file's imports reach.
 */
export class PlanTogether {
  private readonly recorders = new Map<string, ReturnType<typeof recordingFs>>();
  private readonly reach = new Map<string, NonNullable<ResolveContext['closures']>>();

  recorder(projectRoot: string, fs: FileSystemPort): ReturnType<typeof recordingFs> {
    let r = this.recorders.get(projectRoot);
    if (!r) this.recorders.set(projectRoot, (r = recordingFs(fs)));
    return r;
  }

  closures(projectRoot: string): NonNullable<ResolveContext['closures']> {
    let c = this.reach.get(projectRoot);
    if (!c) this.reach.set(projectRoot, (c = new Map()));
    return c;
  }

  /** The candidate test files each walk of the check found (discovery walks the same folders for every file). */
  readonly walks: NonNullable<DiscoveryOptions['walks']> = new Map();
}
