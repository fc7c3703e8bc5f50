/**
 * The runs the related-tests tool prepares (relatedTests.ts): one file's run, or one session
 * shared by several files (sharedTestSessions.ts), for pytest / unittest, node:test and vitest / jest.
 */
import type { ParsedFile } from '../../syntax/syntaxService.js';
import type { Sandbox, SandboxRunResult } from '../../sandbox/types.js';
import type { SourceDocument } from '../tool.js';
import { BundleError, bundleModule } from './bundle.js';
import { frameworkRunner, frameworkRunnerFile, type FrameworkRunnerConfig } from './frameworkTestRunner.js';
import { vitestCoverageSetup, vitestCoverageSetupFile, vitestLauncher, vitestLauncherFile } from './vitestCoverage.js';
import { nodeTestReporter, nodeTestReporterFile, nodeTestRunner, nodeTestRunnerFile, type NodeTestRunnerConfig } from './nodeTestRunner.js';
import { parseTestRun, type RunView, type TestFile, type TestRun } from './testFindings.js';
import { runnerConfigFile } from './protocol.js';
import { avaConfig, avaConfigFile, avaRunner, avaRunnerFile, type AvaRunnerConfig } from './avaRunner.js';
import { mochaChannel, mochaChannelFile, mochaLauncher, mochaLauncherFile, mochaReporter, mochaReporterFile, type MochaRunnerConfig } from './mochaRunner.js';
import { pythonTestRunner, pythonTestRunnerFile, type PythonTestRunnerConfig } from './pythonTestRunner.js';

/** What a prepared run needs: the request parts, the cache key parts and how to read the output. */
export interface PreparedRun {
  interpreter: 'python' | 'node';
  args: string[];
  files: Record<string, string>;
  keyParts: unknown[];
  /** `view`: a shared session as one of its files under critique sees it. */
  parse(res: SandboxRunResult, marker: string, view?: RunView): TestRun;
  /** Adds the marker to whatever needs it before the run. */
  withMarker(marker: string): Record<string, string>;
  /** Set when there is nothing to run (every test file failed to build): the outcome as is. */
  nothingToRun?: TestRun;
  /** The same run with pytest's plugin autoloading, when this one loads only the project's plugins. */
  withAutoload?(): PreparedRun;
  /** Project files the run must see with other text (the unsaved documents, for runners that load from disk). */
  overlays?: Record<string, string>;
}

/** How a file's run could join a session shared with other files (sharedTestSession.ts). */
export type ShareSpec =
  | { kind: 'python'; config: Omit<PythonTestRunnerConfig, 'marker'> }
  | { kind: 'node'; tests: TestFile[]; shims?: Record<string, string> }
  | { kind: 'framework'; base: Omit<FrameworkRunnerConfig, 'marker'>; overlays?: Record<string, string> }
  | { kind: 'mocha'; base: Omit<MochaRunnerConfig, 'marker'>; overlays?: Record<string, string> }
  | { kind: 'ava'; base: Omit<AvaRunnerConfig, 'marker'>; overlays?: Record<string, string> };

/** Everything about one file's run but the run itself. */
export interface RunPlan {
  doc: SourceDocument;
  parsed: ParsedFile;
  sandbox: Sandbox;
  counts: { testFiles: number; candidates: number };
  testFiles: Map<string, TestFile>;
  prepared: PreparedRun;
  /** The execution cache key, when there is a cache. */
  key?: string;
  /** Plans with the same group may share one session (same project, runner and settings). */
  group: string;
  share: ShareSpec;
  /**
   * Writes the plan's cache link (execCache.ts `linkPlan`), once however often it is called:
   * started when the tests start, awaited before the output is returned.
   */
  link?: () => Promise<void>;
}

/** A Python run of `config` with the scratch files `sources` (the texts under critique). */
export function pythonPrepared(config: Omit<PythonTestRunnerConfig, 'marker'>, sources: Record<string, string>, keyParts: unknown[], parse: PreparedRun['parse']): PreparedRun {
  return {
    interpreter: 'python',
    args: ['-B', pythonTestRunnerFile],
    files: { [pythonTestRunnerFile]: pythonTestRunner, ...sources },
    keyParts,
    withMarker: (marker) => ({ [runnerConfigFile]: JSON.stringify({ ...config, marker }) }),
    parse,
    withAutoload: config.plugins && !config.plugins.autoload ? () => pythonPrepared({ ...config, plugins: { ...config.plugins!, autoload: true } }, sources, keyParts, parse) : undefined,
  };
}

/** A vitest / jest run of `base`; `overlays` mount unsaved texts over their files (the framework loads from disk). */
export function frameworkPrepared(base: Omit<FrameworkRunnerConfig, 'marker'>, keyParts: unknown[], overlays?: Record<string, string>): PreparedRun {
  return {
    interpreter: 'node',
    args: [frameworkRunnerFile],
    files: { [frameworkRunnerFile]: frameworkRunner, ...(base.coverage?.length ? { [vitestLauncherFile]: vitestLauncher, [vitestCoverageSetupFile]: vitestCoverageSetup } : {}) },
    keyParts,
    ...(overlays ? { overlays } : {}),
    withMarker: (marker) => ({ [runnerConfigFile]: JSON.stringify({ ...base, marker } satisfies FrameworkRunnerConfig) }),
    parse: (res, marker, view) => ({ ...parseTestRun(res, marker, (f) => f, view), reportsAtEnd: true }),
  };
}

/** A run of the project's own mocha (mochaRunner.ts); `overlays` mount unsaved texts over their files. */
export function mochaPrepared(base: Omit<MochaRunnerConfig, 'marker'>, keyParts: unknown[], overlays?: Record<string, string>): PreparedRun {
  return {
    interpreter: 'node',
    args: [mochaLauncherFile],
    files: { [mochaLauncherFile]: mochaLauncher, [mochaChannelFile]: mochaChannel, [mochaReporterFile]: mochaReporter },
    keyParts,
    ...(overlays ? { overlays } : {}),
    withMarker: (marker) => ({ [runnerConfigFile]: JSON.stringify({ ...base, marker } satisfies MochaRunnerConfig) }),
    parse: (res, marker, view) => parseTestRun(res, marker, (f) => f, view),
  };
}

/** A run of the project's own ava (avaRunner.ts); `overlays` mount unsaved texts over their files. */
export function avaPrepared(base: Omit<AvaRunnerConfig, 'marker'>, keyParts: unknown[], overlays?: Record<string, string>): PreparedRun {
  return {
    interpreter: 'node',
    args: [avaRunnerFile],
    files: { [avaRunnerFile]: avaRunner, [avaConfigFile]: avaConfig },
    keyParts,
    ...(overlays ? { overlays } : {}),
    withMarker: (marker) => ({ [runnerConfigFile]: JSON.stringify({ ...base, marker } satisfies AvaRunnerConfig) }),
    // TAP says nothing about a test until it ends: a run cut off by the timeout does not know which was running.
    parse: (res, marker, view) => ({ ...parseTestRun(res, marker, (f) => f, view), reportsAtEnd: true }),
  };
}

/**
 * A node:test run of `tests`, each bundled by esbuild (TypeScript or not) with `overrides` (the
 * texts under critique) in place of the files on disk, so the tests exercise the unsaved text.
 */
export async function nodePrepared(tool: string, projectRoot: string, tests: readonly TestFile[], overrides: Record<string, string>, keyParts: (files: [string, string][]) => unknown[], onReads?: (paths: string[]) => void, shims?: Record<string, string>): Promise<PreparedRun> {
  const files: Record<string, string> = { [nodeTestRunnerFile]: nodeTestRunner };
  const bundled: string[] = [];
  const collectErrors: TestRun['collectErrors'] = [];
  for (const t of tests) {
    try {
      const code = await bundleModule({ entry: t.path, overrides, projectRoot, ...(onReads ? { onReads } : {}), ...(shims ? { shims } : {}) }, tool);
      files[`critic_tests/${bundled.length}.test.mjs`] = code;
      bundled.push(t.path);
    } catch (err) {
      if (!(err instanceof BundleError)) throw err;
      const frames = err.file && err.line ? [{ file: err.file, line: err.line }] : [];
      collectErrors.push({ file: t.path, msg: `could not be bundled: ${err.message}`, frames });
    }
  }
  const config: NodeTestRunnerConfig = { cwd: projectRoot, files: bundled.map((_, i) => `critic_tests/${i}.test.mjs`) };
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
    keyParts: keyParts(Object.entries(files).filter(([k]) => k !== runnerConfigFile)),
    withMarker: (marker) => ({ [nodeTestReporterFile]: nodeTestReporter(marker) }),
    parse: (res, marker, view) => {
      const run = parseTestRun(res, marker, originalOf, view);
      run.collectErrors.push(...collectErrors);
      return run;
    },
  };
}

/**
 * How long a Python run may keep starting tests: what is left of the timeout must cover the test
 * that is running, the interpreter's exit and the sandbox's own start (a quarter, at least 8 s
 * when the timeout allows).
 */
export function testBudgetMs(timeoutMs: number): number {
  return Math.round(timeoutMs - Math.max(timeoutMs * 0.25, Math.min(8_000, timeoutMs * 0.5)));
}

