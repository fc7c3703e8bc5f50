/**
 * Finds the tests that exercise a file (naming conventions and tree-sitter import analysis), runs
 * them in the sandbox with the project's runner — pytest when the project's Python has it, else
 * unittest; for JS/TS the vitest, jest, mocha or ava the project declares, else Node's test runner with every
 * test file bundled by esbuild — and reports
 * each failing test on the function it exercises (tier `executed`).
 */
import { join, relative } from 'node:path';
import type { CriticConfig } from '../config.js';
import type { ParsedFile, SyntaxService } from '../syntax/syntaxService.js';
import { languageOfPath } from '../languages.js';
import type { SandboxRunResult, Sandbox } from '../sandbox/types.js';
import type { EngineContext, FileSystemPort } from '../types.js';
import { execCacheKey } from './execCache.js';
import { bundleModule } from './exec/bundle.js';
import { frameworkArgs, jsFrameworkBin } from './exec/frameworkTestRunner.js';
import { interpreterIdentity } from './exec/interpreterIdentity.js';
import { collectResults, newMarker, readsOf, runnerEvents } from './exec/protocol.js';
import { fingerprintReads, ReadChecks, recordingFs } from './readSet.js';
import { localDependencyTexts, pythonModuleOf } from './exec/pythonModule.js';
import { runnerSourceFile } from './exec/pythonDoctestRunner.js';
import { keptAddopts, type PythonTestRunnerConfig } from './exec/pythonTestRunner.js';
import { discoverRelatedTests, type Discovery } from './exec/testDiscovery.js';
import { ParseMemo } from './exec/parseMemo.js';
import { ancestors } from '../findUp.js';
import { mochaBin, mochaScriptArgs } from './exec/mochaRunner.js';
import type { JsTestConfig } from './exec/jsTestConfig.js';
import { avaBin } from './exec/avaRunner.js';
import { avaPrepared, frameworkPrepared, mochaPrepared, nodePrepared, pythonPrepared, testBudgetMs, type PreparedRun, type RunPlan, type ShareSpec } from './exec/preparedRuns.js';
import { missingPluginSymptom, pytestPluginHints } from './exec/pytestPlugins.js';
import { SharedTestSessions, type PlanTogether } from './sharedTestSessions.js';
import { uvuAdapter, uvuShimmed } from './exec/uvuAdapter.js';
import { parseTestRun, testReport, type TestFile, type TestRun } from './exec/testFindings.js';
import { asUnavailable, cacheable, isDeclarationFile, once, usableSandbox, type ExecToolDeps } from './exec/execTool.js';
import { explainMissingPythonDependencies } from './dependencies.js';
import { ToolUnavailableError, type EvidenceTool, type SourceDocument, type ToolOutput } from './tool.js';

export interface RelatedTestsDeps extends ExecToolDeps {
  /** Parses candidate test files (their imports, calls and test declarations). */
  syntax: SyntaxService;
  /** Python runner: `auto` (default) uses pytest when the project's Python can import it, else unittest. */
  pythonRunner?: 'auto' | 'pytest' | 'unittest';
}

export class RelatedTestsTool implements EvidenceTool {
  readonly id = 'tests';
  /** Test files parsed once while unchanged, whichever file under critique they are related to. */
  readonly memo: ParseMemo;
  private readonly shared: SharedTestSessions;

  constructor(
    readonly ctx: EngineContext,
    readonly deps: RelatedTestsDeps,
  ) {
    this.memo = new ParseMemo(deps.syntax);
    this.shared = new SharedTestSessions(this);
  }

  appliesTo(doc: SourceDocument, config: CriticConfig): boolean {
    return config.tools.tests && config.execution.enabled && !isDeclarationFile(doc);
  }

  run(doc: SourceDocument, parsed: ParsedFile, signal: AbortSignal): Promise<ToolOutput> {
    // A declared dependency the interpreter lacks is one notice, not a failure of every test.
    const explain = (out: ToolOutput) => (doc.language === 'python' ? explainMissingPythonDependencies(out, doc.projectRoot) : out);
    return asUnavailable(this.id, async () => explain((await this.shared.take(doc, signal)) ?? (await this.runTests(doc, parsed, signal))));
  }

  /**
   * The files of one check run their related tests together: one session per project and runner
   * for the union of their test files (deduplicated), each file then reading its share; `run`
   * awaits it. Files already cached, and files alone in their group, run as they would alone.
   */
  prefetch(docs: readonly SourceDocument[]): void {
    if (!this.ctx.config.execution.enabled || !this.ctx.config.tools.tests) return;
    this.shared.start(docs.filter((d) => this.appliesTo(d, this.ctx.config)));
  }

  private async runTests(doc: SourceDocument, parsed: ParsedFile, signal: AbortSignal): Promise<ToolOutput> {
    const planned = await this.plan(doc, parsed, signal);
    return 'output' in planned ? planned.output : this.execute(planned.plan, signal);
  }

  /**
   * Discovery, preparation and the cache: the output when no run is needed, else the plan.
   * `checks` memoises the stats and hashes of the check's cache lookups (readSet.ts).
   */
  async plan(doc: SourceDocument, parsed: ParsedFile, signal: AbortSignal, fs: FileSystemPort = this.readOnce(), checks: ReadChecks = new ReadChecks(), together?: PlanTogether): Promise<{ output: ToolOutput } | { plan: RunPlan }> {
    // A cached Python check skips planning altogether: the inputs known before reading anything
    // lead to the result key of last time while everything planning read is unchanged.
    const front = await this.frontKey(doc, signal);
    if (front && this.deps.cache) {
      const hit = await this.deps.cache.viaLink(front, checks);
      if (hit) return { output: hit };
    }
    // Planned with other files of the check: one recording for all of them, so what one file's
    // planning learnt (what each test file reaches) serves the others, and each link covers
    // everything read so far, a superset of its own reads.
    const recorder = front ? (together?.recorder(doc.projectRoot, fs) ?? recordingFs(fs)) : undefined;
    if (recorder) fs = recorder.fs;
    const closures = recorder && together ? together.closures(doc.projectRoot) : undefined;
    const discovery = await discoverRelatedTests(doc, { fs, syntax: this.deps.syntax, signal, tests: this.ctx.config.tests, memo: this.memo, ...(closures ? { closures, walks: together!.walks } : {}) });
    for (const d of discovery.decisions) this.ctx.log.debug(`tests: ${doc.path}: ${d}`);
    const paths = discovery.files;
    const counts = { testFiles: paths.length, candidates: discovery.candidates };
    if (paths.length === 0) {
      const output = { findings: [], discovery: counts };
      // No related tests is a result too: linked, so the next check does not search again.
      if (front && recorder && this.deps.cache) {
        const key = execCacheKey(['no-tests', front]);
        await this.deps.cache.set(key, output);
        await this.deps.cache.linkPlan(front, key, recorder.seen, doc.projectRoot, checks);
      }
      return { output };
    }
    const sandbox = usableSandbox(this.id, this.deps.sandbox);
    const testFiles = new Map<string, TestFile>();
    for (const path of paths) {
      const text = path === doc.path ? doc.text : await fs.readFile(path);
      // Facts (calls, test declarations) are only needed to report a run: filled in after the cache.
      testFiles.set(path, { path, text, facts: { calls: [], tests: [], units: [] } });
    }
    this.ctx.log.debug(`tests: ${doc.path}: ${paths.length} related test file(s): ${paths.join(', ')}`);
    const tests = [...testFiles.values()];
    const { prepared, group, share, linkable = true } = doc.language === 'python' ? await this.preparePython(doc, parsed, sandbox, tests, fs, discovery, signal) : await this.prepareJs(doc, sandbox, tests, discovery, signal, recorder?.also);
    const execution = this.ctx.config.execution;
    if (prepared.nothingToRun) return { output: { ...testReport(prepared.nothingToRun, doc, parsed.units, testFiles, execution, this.id), discovery: counts } };
    let key: string | undefined;
    let link: (() => Promise<void>) | undefined;
    if (this.deps.cache) {
      const settings = [execution.testTimeoutMs, execution.memoryMb, execution.maxProcesses, execution.maxOutputBytes, sandbox.isolation];
      key = execCacheKey([this.id, doc.path, doc.text, [...testFiles.values()].map((t) => [t.path, t.text]), prepared.keyParts, settings]);
      const cache = this.deps.cache;
      const planKey = key;
      link = front && recorder && linkable ? once(() => cache.linkPlan(front, planKey, recorder.seen, doc.projectRoot, checks)) : undefined;
      const hit = await cache.get(key, checks);
      if (hit) {
        await link?.();
        return { output: hit };
      }
    }
    // Fingerprinting what planning read is not needed to run: it is done while the tests run.
    return { plan: { doc, parsed, sandbox, counts, testFiles, prepared, key, group: JSON.stringify([doc.projectRoot, group]), share, ...(link ? { link } : {}) } };
  }

  /**
   * Everything planning a file's run depends on besides what it reads through the file-system
   * port and esbuild (which the link's read set covers): the text, the interpreter, the settings.
   * None without a usable sandbox.
   */
  private async frontKey(doc: SourceDocument, signal: AbortSignal): Promise<string | undefined> {
    if (!this.deps.cache || this.deps.sandbox.isolation === 'none') return undefined;
    const sandbox = this.deps.sandbox as Sandbox;
    const identity = await interpreterIdentity(sandbox, doc.language === 'python' ? 'python' : 'node', doc.projectRoot, signal);
    const { tests, execution } = this.ctx.config;
    return execCacheKey(['plan', this.id, doc.path, doc.projectRoot, doc.language, doc.text, identity, this.deps.pythonRunner ?? 'auto', tests, execution, sandbox.isolation]);
  }

  /** Discovery and the run read the same test files and walk the same packages: once each (per file, or per check). */
  readOnce(): FileSystemPort {
    return readOnce(this.ctx.fs);
  }

  /** Runs a prepared session (once more with pytest's autoloading when a plugin seems missing). */
  async session(sandbox: Sandbox, prepared: PreparedRun, projectRoot: string, timeoutMs: number, signal: AbortSignal, label = projectRoot): Promise<{ res: SandboxRunResult; marker: string; run: TestRun }> {
    const marker = newMarker();
    const started = Date.now();
    const res = await sandbox.run({
      interpreter: prepared.interpreter,
      args: prepared.args,
      projectRoot,
      files: { ...prepared.files, ...prepared.withMarker(marker) },
      env: prepared.interpreter === 'python' ? { PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' } : {},
      timeoutMs,
      signal,
      ...collectResults,
      ...(prepared.overlays ? { overlays: prepared.overlays } : {}),
    });
    if (res.overlaid === false) this.ctx.log.info(`tests: ${label}: the project's test runner ran against the saved file, not the unsaved text (showing unsaved text to it needs bubblewrap)`);
    const run = prepared.parse(res, marker);
    this.ctx.log.debug(`tests: ${label}: ${run.results.length} result(s) in ${Date.now() - started} ms${run.stopped ? ` (stopped: ${run.stopped.kind})` : ''}`);
    const retry = prepared.withAutoload && missingPluginSymptom([...run.results.map((r) => r.msg), ...run.collectErrors.map((c) => c.msg), res.stderr]);
    if (!retry) return { res, marker, run };
    this.ctx.log.debug('tests: a fixture, marker or option of an unloaded plugin is missing; running again with every installed pytest plugin');
    return this.session(sandbox, prepared.withAutoload!(), projectRoot, timeoutMs, signal, label);
  }

  async execute(plan: RunPlan, signal: AbortSignal): Promise<ToolOutput> {
    await this.fillFacts(plan, signal);
    const running = this.session(plan.sandbox, plan.prepared, plan.doc.projectRoot, this.ctx.config.execution.testTimeoutMs, signal, plan.doc.path);
    void plan.link?.();
    const { res, marker, run } = await running;
    return this.report(plan, run, readsOf(runnerEvents(res, marker)));
  }

  /** The calls and test declarations of the plan's test files, which reporting needs. */
  async fillFacts(plan: RunPlan, signal: AbortSignal): Promise<void> {
    for (const t of plan.testFiles.values()) t.facts = await this.memo.testFacts(t.path, t.text, languageOfPath(t.path) ?? plan.doc.language, signal);
  }

  /**
   * The findings of a file's run (its own or its share of a session), cached when they may be.
   * `checks`: a memo taken after the run (the files of one session share what it read).
   */
  async report(plan: RunPlan, run: TestRun, readPaths: string[] | undefined, checks: ReadChecks = new ReadChecks()): Promise<ToolOutput> {
    const { doc, key } = plan;
    const output = { ...testReport(run, doc, plan.parsed.units, plan.testFiles, this.ctx.config.execution, this.id), discovery: plan.counts };
    // With what the run read when the runner reports it (the Python runner does); a Python run
    // that did not say is not cached. JS runners' bundles hold the local imports already.
    const reads = key && readPaths ? await fingerprintReads(readPaths, doc.projectRoot, checks) : undefined;
    if (key && cacheable(output.findings) && (reads || (!readPaths && plan.prepared.interpreter !== 'python'))) await this.deps.cache!.set(key, output, reads);
    await plan.link?.();
    return output;
  }

  private async preparePython(doc: SourceDocument, parsed: ParsedFile, sandbox: Sandbox, tests: TestFile[], fs: FileSystemPort, discovery: Discovery, signal: AbortSignal): Promise<Prepared> {
    const module = await pythonModuleOf(doc.path, fs);
    const identity = await interpreterIdentity(sandbox, 'python', doc.projectRoot, signal);
    const choice = this.deps.pythonRunner ?? 'auto';
    const runner = choice === 'auto' ? (identity.pytest ? 'pytest' : 'unittest') : choice;
    const deps = await localDependencyTexts(module, parsed.imports, fs);
    const pytest = discovery.pytest;
    const rootdir = pytest?.rootdir ?? doc.projectRoot;
    // The folders the tests import the module through (as found by discovery); the module's own
    // package root when only a naming convention tied them, as if the package were installed.
    const roots = discovery.importRoots.length ? discovery.importRoots : [module.root];
    const config: Omit<PythonTestRunnerConfig, 'marker'> = {
      runner,
      files: tests.map((t) => t.path),
      root: rootdir,
      path: [...new Set([rootdir, doc.projectRoot, ...roots])],
      file: doc.path,
      addopts: keptAddopts(pytest?.addopts ?? []),
      budgetMs: testBudgetMs(this.ctx.config.execution.testTimeoutMs),
      coverage: this.ctx.config.execution.lineCoverage,
      ...(runner === 'pytest' && pytest ? { plugins: await pytestPluginHints(doc.projectRoot, pytest, fs) } : {}),
    };
    const configText = pytest?.file ? await fs.readFile(pytest.file).catch(() => '') : '';
    const prepared = pythonPrepared(config, { [runnerSourceFile]: doc.text }, [identity, runner, deps, config, configText], (res, marker) => ({
      ...parseTestRun(res, marker, (f) => f),
      tracksLoading: !config.files.includes(doc.path),
    }));
    const { files: _files, file: _file, path: _path, ...shared } = config;
    return { prepared, group: ['python', identity, shared, configText], share: { kind: 'python', config } };
  }

  /** `onReads` hears what bundling read (for the link); a vitest / jest run is never linked (it reads the project itself). */
  private async prepareJs(doc: SourceDocument, sandbox: Sandbox, tests: TestFile[], discovery: Discovery, signal: AbortSignal, onReads?: (paths: string[]) => void): Promise<Prepared> {
    const declared = discovery.js?.runner;
    if (declared === 'mocha') return this.prepareMocha(doc, sandbox, tests, discovery.js!, signal);
    if (declared === 'ava') return this.prepareAva(doc, sandbox, tests, discovery.js!, signal);
    // The runner discovery found (the package's manifest or config, or its workspace root's).
    const js = discovery.js;
    // uvu's tests run on node:test through an adapter of its API (uvuAdapter.ts).
    if (js?.runner === 'uvu') return this.prepareNode(doc, sandbox, tests, signal, onReads, 'uvu');
    if (!js || (js.runner !== 'vitest' && js.runner !== 'jest')) return this.prepareNode(doc, sandbox, tests, signal, onReads);
    const framework = js.runner;
    const bin = await jsFrameworkBin(framework, js.root, doc.projectRoot, this.ctx.fs);
    if (!bin) throw new ToolUnavailableError(this.id, `The project's tests use ${framework}, which is not installed in node_modules: install the project's dependencies to let Critic run them.`);
    const identity = await interpreterIdentity(sandbox, 'node', doc.projectRoot, signal);
    // From the package the file belongs to, as its own `vitest` / `jest` script runs: at a monorepo's
    // root a workspace config would load every package's config (and their missing plugins).
    const cwd = js.root;
    // Per-test line coverage (vitestCoverage.ts) places a failure on the function the failing tests ran.
    const coverage = this.ctx.config.execution.lineCoverage && framework === 'vitest' ? { coverage: [doc.path], covRoot: doc.projectRoot } : {};
    const base = { framework, bin, cwd, files: tests.map((t) => t.path), args: await frameworkArgs(framework, bin, this.ctx.fs), budgetMs: testBudgetMs(this.ctx.config.execution.testTimeoutMs), ...coverage };
    this.ctx.log.debug(`tests: ${doc.path}: running ${framework} in ${relative(doc.projectRoot, cwd) || '.'}${base.args.length ? ` with ${base.args.join(' ')}` : ''}`);
    const overlays = await this.unsavedOverlay(doc);
    const bundles = await this.testBundles(doc, tests);
    return { prepared: frameworkPrepared(base, [identity, base, bundles], overlays), group: ['framework', identity, framework, bin, cwd, base.args], share: { kind: 'framework', base, overlays }, linkable: false };
  }

  /** The project's own mocha (mochaRunner.ts), started where the package's `test` script would start it. */
  private async prepareMocha(doc: SourceDocument, sandbox: Sandbox, tests: TestFile[], js: JsTestConfig, signal: AbortSignal): Promise<Prepared> {
    const found = await mochaBin(js.root, doc.projectRoot, this.ctx.fs);
    if (!found) throw new ToolUnavailableError(this.id, `The project's tests use mocha, which is not installed in node_modules: run \`npm install\` in ${relative(doc.projectRoot, js.root) || 'the project'} to let Critic run them.`);
    const identity = await interpreterIdentity(sandbox, 'node', doc.projectRoot, signal);
    const manifest = await this.ctx.fs.readFile(join(js.root, 'package.json')).catch(() => '{}');
    let scripts: Record<string, string> | undefined;
    try {
      scripts = (JSON.parse(manifest) as { scripts?: Record<string, string> }).scripts;
    } catch {
      /* unreadable manifest: no script options */
    }
    // Per-test line coverage places a failure on the function the failing tests ran (not the wrapper they call).
    const coverage = this.ctx.config.execution.lineCoverage ? { coverage: [doc.path], covRoot: doc.projectRoot } : {};
    const base = { bin: found.bin, cwd: js.root, files: tests.map((t) => t.path), argv: mochaScriptArgs(scripts), budgetMs: testBudgetMs(this.ctx.config.execution.testTimeoutMs), ...coverage };
    this.ctx.log.debug(`tests: ${doc.path}: running mocha ${found.version} in ${relative(doc.projectRoot, js.root) || '.'}${base.argv.length ? ` with the test script's ${base.argv.join(' ')}` : ''}`);
    const overlays = await this.unsavedOverlay(doc);
    // The configuration mocha reads (found upwards from where it starts) and the test files'
    // bundles stand in the cache key.
    const configs: Array<[string, string]> = [];
    for (const d of ancestors(js.root, { root: doc.projectRoot })) {
      for (const name of mochaConfigFiles) {
        const text = await this.ctx.fs.readFile(join(d, name)).catch(() => undefined);
        if (text !== undefined) configs.push([join(d, name), text]);
      }
    }
    const bundles = await this.testBundles(doc, tests);
    return { prepared: mochaPrepared(base, [identity, base, found.version, configs, bundles], overlays), group: ['mocha', identity, base.bin, base.cwd, base.argv], share: { kind: 'mocha', base, overlays }, linkable: false };
  }

  /** The project's own ava (avaRunner.ts), started in the package's folder as its `test` script would. */
  private async prepareAva(doc: SourceDocument, sandbox: Sandbox, tests: TestFile[], js: JsTestConfig, signal: AbortSignal): Promise<Prepared> {
    const found = await avaBin(js.root, doc.projectRoot, this.ctx.fs);
    const list = tests.map((t) => relative(doc.projectRoot, t.path)).join(' ');
    if (!found) throw new ToolUnavailableError(this.id, `The project's tests use ava, which is not installed in node_modules: run \`npm install\` in ${relative(doc.projectRoot, js.root) || 'the project'} to let Critic run them.`);
    if ('old' in found) throw new ToolUnavailableError(this.id, `The project's tests use ava ${found.old}, and Critic runs ava 4 and later: run them with \`npx ava ${list}\`.`);
    const identity = await interpreterIdentity(sandbox, 'node', doc.projectRoot, signal);
    const base = { bin: found.bin, cwd: js.root, files: tests.map((t) => t.path) };
    this.ctx.log.debug(`tests: ${doc.path}: running ava in ${relative(doc.projectRoot, js.root) || '.'}`);
    const overlays = await this.unsavedOverlay(doc);
    // ava's configuration and the test files' bundles stand in the cache key.
    const configs: Array<[string, string]> = [];
    for (const name of ['ava.config.js', 'ava.config.mjs', 'ava.config.cjs', 'package.json']) {
      const text = await this.ctx.fs.readFile(join(js.root, name)).catch(() => undefined);
      if (text !== undefined) configs.push([name, text]);
    }
    const bundles = await this.testBundles(doc, tests);
    return { prepared: avaPrepared(base, [identity, base, configs, bundles], overlays), group: ['ava', identity, base.bin, base.cwd], share: { kind: 'ava', base, overlays }, linkable: false };
  }

  /**
   * The runners that load the files from disk (vitest, jest, mocha, ava) see the document's unsaved
   * text through an overlay mounted over its file; none when the saved file is that text.
   */
  private async unsavedOverlay(doc: SourceDocument): Promise<Record<string, string> | undefined> {
    const saved = await this.ctx.fs.readFile(doc.path).catch(() => undefined);
    return saved !== undefined && saved !== doc.text ? { [doc.path]: doc.text } : undefined;
  }

  /** The test files' bundles (their imports' texts), which stand for them in a cache key. */
  private async testBundles(doc: SourceDocument, tests: readonly TestFile[]): Promise<string[]> {
    const bundles: string[] = [];
    for (const t of tests) bundles.push(await bundleModule({ entry: t.path, projectRoot: doc.projectRoot }, this.id).catch((err: Error) => err.message));
    return bundles;
  }

  private async prepareNode(doc: SourceDocument, sandbox: Sandbox, tests: TestFile[], signal: AbortSignal, onReads?: (paths: string[]) => void, runner: 'node:test' | 'uvu' = 'node:test'): Promise<Prepared> {
    const identity = await interpreterIdentity(sandbox, 'node', doc.projectRoot, signal);
    const shims = runner === 'uvu' ? Object.fromEntries(uvuShimmed.map((name) => [name, uvuAdapter])) : undefined;
    const prepared = await nodePrepared(this.id, doc.projectRoot, tests, { [doc.path]: doc.text }, (files) => [identity, runner, files], onReads, shims);
    return { prepared, group: [runner, identity], share: { kind: 'node', tests, ...(shims ? { shims } : {}) } };
  }
}

/** Where mocha reads its options: the first of these it finds upwards from where it starts. */
const mochaConfigFiles = ['.mocharc.js', '.mocharc.cjs', '.mocharc.mjs', '.mocharc.yaml', '.mocharc.yml', '.mocharc.jsonc', '.mocharc.json', 'package.json'];

/** A file's prepared run with what decides whether it may share a session. */
interface Prepared {
  prepared: PreparedRun;
  group: unknown;
  share: ShareSpec;
  /** Whether the link may stand for the planning (false when the runner reads what the link cannot see). */
  linkable?: boolean;
}

/** Factory in the shape the pipeline registers tools with. */
export function createRelatedTestsTool(deps: RelatedTestsDeps): (ctx: EngineContext) => RelatedTestsTool {
  return (ctx) => new RelatedTestsTool(ctx, deps);
}

/** A read-through memo of the file-system port for one run (reads and existence checks). */
function readOnce(fs: FileSystemPort): FileSystemPort {
  const reads = new Map<string, Promise<string>>();
  const exists = new Map<string, Promise<boolean>>();
  const memo = <T>(m: Map<string, Promise<T>>, path: string, load: () => Promise<T>): Promise<T> => {
    let v = m.get(path);
    if (!v) m.set(path, (v = load()));
    return v;
  };
  return { readFile: (p) => memo(reads, p, () => fs.readFile(p)), exists: (p) => memo(exists, p, () => fs.exists(p)), readdir: (p) => fs.readdir(p) };
}
