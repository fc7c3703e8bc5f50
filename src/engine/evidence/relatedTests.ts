/**
 * Finds the tests that exercise a file (naming conventions and tree-sitter import analysis), runs
 * them in the sandbox with the project's runner — pytest when the project's Python has it, else
 * unittest; for JS/TS the vitest or jest the project declares, else Node's test runner with every
 * test file bundled by esbuild — and reports
 * each failing test on the function it exercises (tier `executed`).
 */
import { relative } from 'node:path';
import type { CriticConfig } from '../config.js';
import type { ParsedFile, SyntaxService } from '../syntax/syntaxService.js';
import { languageOfPath } from '../languages.js';
import type { SandboxRunResult, Sandbox } from '../sandbox/types.js';
import type { EngineContext, FileSystemPort } from '../types.js';
import { execCacheKey } from './execCache.js';
import { BundleError, bundleModule } from './exec/bundle.js';
import { frameworkArgs, frameworkRunner, frameworkRunnerFile, jsFrameworkBin, type FrameworkRunnerConfig } from './exec/frameworkTestRunner.js';
import { interpreterIdentity } from './exec/interpreterIdentity.js';
import { nodeTestReporter, nodeTestReporterFile, nodeTestRunner, nodeTestRunnerFile, type NodeTestRunnerConfig } from './exec/nodeTestRunner.js';
import { collectResults, newMarker, readsOf, runnerConfigFile, runnerEvents } from './exec/protocol.js';
import { fingerprintReads } from './readSet.js';
import { localDependencyTexts, pythonModuleOf } from './exec/pythonModule.js';
import { runnerSourceFile } from './exec/pythonDoctestRunner.js';
import { keptAddopts, pythonTestRunner, pythonTestRunnerFile, type PythonTestRunnerConfig } from './exec/pythonTestRunner.js';
import { discoverRelatedTests, type Discovery } from './exec/testDiscovery.js';
import { testFileFacts } from './exec/testFacts.js';
import { parseTestRun, testReport, type TestFile, type TestRun } from './exec/testFindings.js';
import { asUnavailable, cacheable, isDeclarationFile, usableSandbox, type ExecToolDeps } from './exec/execTool.js';
import { explainMissingPythonDependencies } from './dependencies.js';
import { ToolUnavailableError, type EvidenceTool, type SourceDocument, type ToolOutput } from './tool.js';

export interface RelatedTestsDeps extends ExecToolDeps {
  /** Parses candidate test files (their imports, calls and test declarations). */
  syntax: SyntaxService;
  /** Python runner: `auto` (default) uses pytest when the project's Python can import it, else unittest. */
  pythonRunner?: 'auto' | 'pytest' | 'unittest';
}

/** What a prepared run needs: the request parts, the cache key parts and how to read the output. */
interface PreparedRun {
  interpreter: 'python' | 'node';
  args: string[];
  files: Record<string, string>;
  keyParts: unknown[];
  parse(res: SandboxRunResult, marker: string): TestRun;
  /** Adds the marker to whatever needs it before the run. */
  withMarker(marker: string): Record<string, string>;
  /** Set when there is nothing to run (every test file failed to build): the outcome as is. */
  nothingToRun?: TestRun;
  /** Project files the run must see with other text (the unsaved document, for runners that load from disk). */
  overlays?: Record<string, string>;
}

export class RelatedTestsTool implements EvidenceTool {
  readonly id = 'tests';

  constructor(
    private readonly ctx: EngineContext,
    private readonly deps: RelatedTestsDeps,
  ) {}

  appliesTo(doc: SourceDocument, config: CriticConfig): boolean {
    return config.tools.tests && config.execution.enabled && !isDeclarationFile(doc);
  }

  run(doc: SourceDocument, parsed: ParsedFile, signal: AbortSignal): Promise<ToolOutput> {
    // A declared dependency the interpreter lacks is one notice, not a failure of every test.
    const explain = (out: ToolOutput) => (doc.language === 'python' ? explainMissingPythonDependencies(out, doc.projectRoot) : out);
    return asUnavailable(this.id, async () => explain(await this.runTests(doc, parsed, signal)));
  }

  private async runTests(doc: SourceDocument, parsed: ParsedFile, signal: AbortSignal): Promise<ToolOutput> {
    // Discovery and the run read the same test files and walk the same packages: once each.
    const fs = readOnce(this.ctx.fs);
    const discovery = await discoverRelatedTests(doc, { fs, syntax: this.deps.syntax, signal, tests: this.ctx.config.tests });
    for (const d of discovery.decisions) this.ctx.log.debug(`tests: ${doc.path}: ${d}`);
    const paths = discovery.files;
    const counts = { testFiles: paths.length, candidates: discovery.candidates };
    if (paths.length === 0) return { findings: [], discovery: counts };
    const sandbox = usableSandbox(this.id, this.deps.sandbox);
    const testFiles = new Map<string, TestFile>();
    for (const path of paths) {
      const text = path === doc.path ? doc.text : await fs.readFile(path);
      // Facts (calls, test declarations) are only needed to report a run: filled in after the cache.
      testFiles.set(path, { path, text, facts: { calls: [], tests: [], units: [] } });
    }
    this.ctx.log.debug(`tests: ${doc.path}: ${paths.length} related test file(s): ${paths.join(', ')}`);
    const tests = [...testFiles.values()];
    const prepared = doc.language === 'python' ? await this.preparePython(doc, parsed, sandbox, tests, fs, discovery, signal) : await this.prepareJs(doc, sandbox, tests, discovery, signal);
    const execution = this.ctx.config.execution;
    if (prepared.nothingToRun) return { ...testReport(prepared.nothingToRun, doc, parsed.units, testFiles, execution, this.id), discovery: counts };
    let key: string | undefined;
    if (this.deps.cache) {
      const settings = [execution.testTimeoutMs, execution.memoryMb, execution.maxProcesses, execution.maxOutputBytes, sandbox.isolation];
      key = execCacheKey([this.id, doc.path, doc.text, [...testFiles.values()].map((t) => [t.path, t.text]), prepared.keyParts, settings]);
      const hit = await this.deps.cache.get(key);
      if (hit) return hit;
    }
    for (const t of testFiles.values()) t.facts = await testFileFacts(this.deps.syntax, t.path, t.text, languageOfPath(t.path) ?? doc.language, signal);
    const marker = newMarker();
    const started = Date.now();
    const res = await sandbox.run({
      interpreter: prepared.interpreter,
      args: prepared.args,
      projectRoot: doc.projectRoot,
      files: { ...prepared.files, ...prepared.withMarker(marker) },
      env: prepared.interpreter === 'python' ? { PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' } : {},
      timeoutMs: execution.testTimeoutMs,
      signal,
      ...collectResults,
      ...(prepared.overlays ? { overlays: prepared.overlays } : {}),
    });
    if (res.overlaid === false) this.ctx.log.info(`tests: ${doc.path}: the project's test runner ran against the saved file, not the unsaved text (showing unsaved text to it needs bubblewrap)`);
    const run = prepared.parse(res, marker);
    this.ctx.log.debug(`tests: ${doc.path}: ${run.results.length} result(s) in ${Date.now() - started} ms${run.stopped ? ` (stopped: ${run.stopped.kind})` : ''}`);
    const output = { ...testReport(run, doc, parsed.units, testFiles, execution, this.id), discovery: counts };
    // With what the run read when the runner reports it (the Python runner does); a Python run
    // that did not say is not cached. JS runners' bundles hold the local imports already.
    const readPaths = readsOf(runnerEvents(res, marker));
    const reads = key && readPaths ? await fingerprintReads(readPaths, doc.projectRoot) : undefined;
    if (key && cacheable(output.findings) && (reads || (!readPaths && prepared.interpreter !== 'python'))) await this.deps.cache!.set(key, output, reads);
    return output;
  }

  private async preparePython(doc: SourceDocument, parsed: ParsedFile, sandbox: Sandbox, tests: TestFile[], fs: FileSystemPort, discovery: Discovery, signal: AbortSignal): Promise<PreparedRun> {
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
    };
    return {
      interpreter: 'python',
      args: ['-B', pythonTestRunnerFile],
      files: { [pythonTestRunnerFile]: pythonTestRunner, [runnerSourceFile]: doc.text },
      keyParts: [identity, runner, deps, config, pytest?.file ? await fs.readFile(pytest.file).catch(() => '') : ''],
      withMarker: (marker) => ({ [runnerConfigFile]: JSON.stringify({ ...config, marker }) }),
      parse: (res, marker) => ({ ...parseTestRun(res, marker, (f) => f), tracksLoading: !config.files.includes(doc.path) }),
    };
  }

  private async prepareJs(doc: SourceDocument, sandbox: Sandbox, tests: TestFile[], discovery: Discovery, signal: AbortSignal): Promise<PreparedRun> {
    const declared = discovery.js?.runner;
    if (declared === 'ava' || declared === 'mocha') {
      const list = tests.map((t) => relative(doc.projectRoot, t.path)).join(' ');
      throw new ToolUnavailableError(this.id, `The project's tests use ${declared}, which Critic does not run yet: run them with \`npx ${declared} ${list}\`.`);
    }
    // The runner discovery found (the package's manifest or config, or its workspace root's).
    const js = discovery.js;
    if (!js || (js.runner !== 'vitest' && js.runner !== 'jest')) return this.prepareNode(doc, sandbox, tests, signal);
    const framework = js.runner;
    const bin = await jsFrameworkBin(framework, js.root, doc.projectRoot, this.ctx.fs);
    if (!bin) throw new ToolUnavailableError(this.id, `The project's tests use ${framework}, which is not installed in node_modules: install the project's dependencies to let Critic run them.`);
    const identity = await interpreterIdentity(sandbox, 'node', doc.projectRoot, signal);
    // From the package the file belongs to, as its own `vitest` / `jest` script runs: at a monorepo's
    // root a workspace config would load every package's config (and their missing plugins).
    const cwd = js.root;
    this.ctx.log.debug(`tests: ${doc.path}: running ${framework} in ${relative(doc.projectRoot, cwd) || '.'}`);
    const base = { framework, bin, cwd, files: tests.map((t) => t.path), args: await frameworkArgs(framework, bin, this.ctx.fs) };
    // The framework loads the files from disk: the document's unsaved text is mounted over its file.
    const saved = await this.ctx.fs.readFile(doc.path).catch(() => undefined);
    const overlays = saved !== undefined && saved !== doc.text ? { [doc.path]: doc.text } : undefined;
    // Their bundles stand for the test files (and their imports) in the cache key.
    const bundles: string[] = [];
    for (const t of tests) bundles.push(await bundleModule({ entry: t.path, projectRoot: doc.projectRoot }, this.id).catch((err: Error) => err.message));
    return {
      interpreter: 'node',
      args: [frameworkRunnerFile],
      files: { [frameworkRunnerFile]: frameworkRunner },
      keyParts: [identity, base, bundles],
      overlays,
      withMarker: (marker) => ({ [runnerConfigFile]: JSON.stringify({ ...base, marker } satisfies FrameworkRunnerConfig) }),
      parse: (res, marker) => ({ ...parseTestRun(res, marker, (f) => f), reportsAtEnd: true }),
    };
  }

  private async prepareNode(doc: SourceDocument, sandbox: Sandbox, tests: TestFile[], signal: AbortSignal): Promise<PreparedRun> {
    const identity = await interpreterIdentity(sandbox, 'node', doc.projectRoot, signal);
    const files: Record<string, string> = { [nodeTestRunnerFile]: nodeTestRunner };
    const bundled: string[] = [];
    const collectErrors: TestRun['collectErrors'] = [];
    for (const t of tests) {
      try {
        // Every test file is bundled (TypeScript or not) so the tests exercise the text under critique.
        const code = await bundleModule({ entry: t.path, overrides: { [doc.path]: doc.text }, projectRoot: doc.projectRoot }, this.id);
        files[`critic_tests/${bundled.length}.test.mjs`] = code;
        bundled.push(t.path);
      } catch (err) {
        if (!(err instanceof BundleError)) throw err;
        const frames = err.file && err.line ? [{ file: err.file, line: err.line }] : [];
        collectErrors.push({ file: t.path, msg: `could not be bundled: ${err.message}`, frames });
      }
    }
    const config: NodeTestRunnerConfig = { cwd: doc.projectRoot, files: bundled.map((_, i) => `critic_tests/${i}.test.mjs`) };
    files[runnerConfigFile] = JSON.stringify(config);
    const originalOf = (file: string): string => {
      const m = /critic_tests\/(\d+)\.test\.mjs$/.exec(file);
      return m ? (bundled[Number(m[1])] ?? file) : file;
    };
    return {
      nothingToRun: bundled.length === 0 ? { results: [], collectErrors } : undefined,
      interpreter: 'node',
      args: [nodeTestRunnerFile],
      files,
      keyParts: [identity, 'node:test', Object.entries(files).filter(([k]) => k !== runnerConfigFile)],
      withMarker: (marker) => ({ [nodeTestReporterFile]: nodeTestReporter(marker) }),
      parse: (res, marker) => {
        const run = parseTestRun(res, marker, originalOf);
        run.collectErrors.push(...collectErrors);
        return run;
      },
    };
  }
}

/**
 * How long a Python run may keep starting tests: what is left of the timeout must cover the test
 * that is running, the interpreter's exit and the sandbox's own start (a quarter, at least 8 s
 * when the timeout allows).
 */
export function testBudgetMs(timeoutMs: number): number {
  return Math.round(timeoutMs - Math.max(timeoutMs * 0.25, Math.min(8_000, timeoutMs * 0.5)));
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
  return { readFile: (p) => memo(reads, p, () => fs.readFile(p)), exists: (p) => memo(exists, p, () => fs.exists(p)) };
}
