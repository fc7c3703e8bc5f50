/** The `critic` command: check files, check a git diff, or fix a unit. */
import { sumExecutionSummaries } from '../engine/executionSummary.js';
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { userCacheDir } from '../engine/userCacheDir.js';
import { enableCompileCache } from '../lsp/compileCache.js';
import ignore from 'ignore';
import pkg from '../../package.json';
import { ConfigError } from '../engine/config.js';
import { levelAtLeast, type Finding } from '../engine/findings.js';
import { languageOfPath } from '../engine/languages.js';
import { assetsIn, nodeExec, nodeFs } from '../engine/nodePorts.js';
import type { CheckResult, LineRange, ToolNotice } from '../engine/pipeline.js';
import type { SourceDocument } from '../engine/evidence/tool.js';
import { createCritic, type Critic } from '../engine/critic.js';
import { ExecCache } from '../engine/evidence/execCache.js';
import type { EngineContext, Logger } from '../engine/types.js';
import { helpText, parseArgs, UsageError, type CliOptions } from './args.js';
import { collectFiles } from './files.js';
import { changedFiles, gitRoot, GitError } from './git.js';
import { formatJson, formatSarif, formatText, type Report } from './output.js';
import { loadProject, untrustedNotice } from '../engine/project.js';
import { guardedWriter, visible } from './terminalText.js';
import { chooseModels, noModelHint } from './modelConfig.js';
import { noModelMessage, runFix } from './fix.js';
import { daemonHelp, parseDaemonArgs, startDaemon } from '../daemon/daemon.js';
import { droppedFindingsSummary } from '../engine/critique/dropSummary.js';
import type { CheckDocument, DocumentAnswer } from '../daemon/wire.js';
import { checkWithDaemon } from './warmClient.js';
import { engineEnvironment } from '../daemon/environment.js';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
}

function stderrLogger(io: CliIo, verbose: boolean): Logger {
  const write = (level: string, message: string, err?: unknown) => {
    if (!verbose) return;
    io.stderr(`critic: ${level}: ${message}${err ? `\n${(err as Error).stack ?? err}` : ''}\n`);
  };
  return {
    error: (m, e) => write('error', m, e),
    warn: (m) => write('warn', m),
    info: (m) => write('info', m),
    debug: (m) => write('debug', m),
  };
}

interface Job {
  path: string;
  read: () => Promise<string>;
  changedLines?: LineRange[];
  /** `check`: the file's uncommitted lines, where failing tests are placed (CheckOptions.changed). */
  changed?: LineRange[];
}

async function pool<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return results;
}

/**
 * The uncommitted lines of the working tree's files (absolute path → lines), so that `check` can
 * place a failing test on what was edited. Nothing outside a git repository, or without git.
 */
async function uncommittedLines(cwd: string, log: Logger): Promise<Map<string, LineRange[]>> {
  try {
    const root = await gitRoot(nodeExec, cwd);
    const changes = await changedFiles(nodeExec, root, { staged: false }, (p) => readFile(p, 'utf8'));
    return new Map(changes.filter((c) => !c.added).map((c) => [c.absPath, c.lines]));
  } catch (err) {
    log.debug(`no uncommitted lines to place failures on: ${(err as Error).message}`);
    return new Map();
  }
}

/** Where execution results are cached between runs: the user's cache folder, never the project. */
function cacheDir(io: CliIo): string {
  return userCacheDir(io.env);
}

const withoutBom = (text: string): string => text.replace(/^\uFEFF/, '');

/** Colour on a terminal unless NO_COLOR; FORCE_COLOR and --color/--no-color win. */
function useColor(opts: CliOptions, io: CliIo): boolean {
  return opts.color ?? ((io.isTTY && !io.env.NO_COLOR) || (!!io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0'));
}

function execCache(io: CliIo, log: Logger): ExecCache {
  return new ExecCache({ dir: cacheDir(io), log, salt: buildIdentity() });
}

/** This build of Critic: cached execution results from another build are not reused. */
function buildIdentity(): string {
  try {
    const s = statSync(__filename);
    return `${pkg.version}:${s.size}:${s.mtimeMs}`;
  } catch {
    return pkg.version;
  }
}

/** What the report is built from, whether the daemon or this process checked the documents. */
interface Checked {
  criticNotices: readonly ToolNotice[];
  isolation: string;
  results: DocumentAnswer[];
}

async function checkInProcess(critic: Critic, jobs: Job[], opts: { projectRoot: string; trusted: boolean; jobs: number }): Promise<Checked> {
  const { projectRoot } = opts;
  {
    // Knowing every file first, tools batch across them: the sandboxed ESLint (an untrusted
    // project's) lints them in a few shared runs, related tests run in one session per runner.
    const docs = await Promise.all(
      jobs.map(async (job): Promise<SourceDocument> => {
        const text = await job.read();
        job.read = () => Promise.resolve(text);
        return { path: job.path, text: withoutBom(text), language: languageOfPath(job.path)!, projectRoot };
      }),
    );
    critic.prefetch(docs);
  }
  const results = await pool(jobs, opts.jobs, async (job): Promise<CheckResult> => {
    // A UTF-8 byte order mark is not text: editors hide it and interpreters skip it, so line 1's
    // columns and the code that runs are those of the text after it (`fix` keeps the bytes).
    const doc: SourceDocument = { path: job.path, text: withoutBom(await job.read()), language: languageOfPath(job.path)!, projectRoot };
    return critic.check(doc, { changedLines: job.changedLines, changed: job.changed });
  });
  return { criticNotices: critic.notices, isolation: critic.isolation, results };
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], rawIo: CliIo): Promise<number> {
  // The language server speaks JSON-RPC on stdout: it is not terminal output.
  if (argv[0] === 'lsp') return runLsp(argv.slice(1), rawIo);
  if (argv[0] === 'daemon') return runDaemon(argv.slice(1), { ...rawIo, stdout: guardedWriter(rawIo.stdout), stderr: guardedWriter(rawIo.stderr) });
  // One guard for everything the CLI prints: only Critic's own colour codes pass (terminalText.ts).
  const io: CliIo = { ...rawIo, stdout: guardedWriter(rawIo.stdout), stderr: guardedWriter(rawIo.stderr) };
  let opts: CliOptions;
  try {
    opts = parseArgs(argv);
  } catch (err) {
    io.stderr(`critic: ${(err as Error).message}\n`);
    return 2;
  }
  if (opts.command === 'help') {
    io.stdout(helpText);
    return 0;
  }
  if (opts.command === 'version') {
    io.stdout(`${pkg.version}\n`);
    return 0;
  }
  const started = performance.now();
  let critic: Critic | undefined;
  try {
    const project = loadProject(io.cwd, { explicitConfig: opts.config, trustFlag: opts.trustProject, env: io.env });
    const config = project.config;
    // Said once: which settings of an untrusted project file were ignored, and how to trust it.
    const trustNotice = untrustedNotice(project, io.env);
    if (opts.failOn) config.failOn = opts.failOn;
    if (!opts.exec) config.execution.enabled = false;
    if (opts.allowUnsandboxed) config.execution.allowUnsandboxed = true;
    const ctx: EngineContext = { log: stderrLogger(io, opts.verbose), fs: nodeFs, exec: nodeExec, assets: assetsIn(__dirname), config };

    const { models, notice: keyNotice } = chooseModels(opts, io.env, project, ctx.log);
    const configNotices: Report['notices'] = [
      ...project.warnings.map((message) => ({ tool: 'config', message })),
      ...(trustNotice ? [{ tool: 'config', message: trustNotice }] : []),
      ...(keyNotice ? [{ tool: 'model', message: keyNotice }] : []),
    ];
    if (opts.command === 'fix' && !models.length) {
      // Said before the engine (and its sandbox probe) is built for nothing.
      io.stderr(noModelMessage(opts.paths[0]!));
      return 2;
    }
    let root = project.root;
    let jobs: Job[] = [];
    if (opts.command === 'diff') {
      root = await gitRoot(nodeExec, io.cwd);
      const ignored = ignore().add(config.ignore);
      const changes = await changedFiles(nodeExec, root, { staged: opts.staged, base: opts.base }, (p) => readFile(p, 'utf8'));
      jobs = changes
        .filter((c) => languageOfPath(c.path) && !ignored.ignores(relative(project.root, c.absPath).split(sep).join('/')))
        .map((c) => ({ path: c.absPath, read: c.readContent, changedLines: c.lines }));
    } else if (opts.command === 'check') {
      const files = await collectFiles(opts.paths, io.cwd, project.root, config.ignore);
      const edits = config.execution.enabled ? await uncommittedLines(io.cwd, ctx.log) : new Map<string, LineRange[]>();
      jobs = files.map((path) => ({ path, read: () => readFile(path, 'utf8'), ...(edits.has(path) ? { changed: edits.get(path) } : {}) }));
    }

    if (opts.command === 'fix') {
      // `fix` rewrites with the first model (its checks run with the model off); a panel is for critiques.
      critic = await createCritic(ctx, { trusted: true, projectTrusted: project.trust !== undefined, cache: execCache(io, ctx.log), models });
      if (!opts.quiet) for (const n of [...configNotices, ...critic.notices]) io.stderr(`critic: note: ${visible(n.message, { singleLine: true })}\n`);
      return await runFix(
        { file: opts.paths[0]!, line: opts.line, unit: opts.unit, apply: opts.apply, allowImports: opts.allowImports, format: opts.format, verbose: opts.verbose },
        { critic, io, color: useColor(opts, io), projectRoot: project.root },
      );
    }

    const jobCount = opts.jobs ?? Math.min(4, availableParallelism());
    let checked: Checked | undefined;
    // The warm path serves tool and execution evidence only: with a model, everything runs here,
    // so the API key and the model choice never leave this process.
    if (opts.daemon && !models.length) {
      const docs = await Promise.all(jobs.map(async (job): Promise<CheckDocument> => ({ path: job.path, text: withoutBom(await job.read()), language: languageOfPath(job.path)!, ...(job.changedLines ? { changedLines: job.changedLines } : {}), ...(job.changed ? { changed: job.changed } : {}) })));
      const warm = await checkWithDaemon(
        { build: buildIdentity(), root: project.root, config, projectTrusted: project.trust !== undefined, cacheDir: resolve(io.cwd, cacheDir(io)), jobs: jobCount, environment: engineEnvironment(io.env), docs },
        { env: io.env },
      );
      if (warm.kind === 'answered') {
        ctx.log.info(`checked by the Critic daemon on ${warm.socket}`);
        checked = { criticNotices: warm.answer.notices, isolation: warm.answer.isolation, results: warm.answer.results };
      } else if (warm.kind === 'absent') ctx.log.info(`no Critic daemon for this project (${warm.reason}); checking in process`);
      else if (!opts.quiet) io.stderr(`critic: note: ${visible(`not using the Critic daemon: ${warm.reason}; checked in process instead (--no-daemon skips it)`, { singleLine: true })}\n`);
      if (!checked) for (const [i, job] of jobs.entries()) job.read = () => Promise.resolve(docs[i]!.text);
    }
    if (!checked) {
      critic = await createCritic(ctx, { trusted: true, projectTrusted: project.trust !== undefined, cache: execCache(io, ctx.log), models });
      checked = await checkInProcess(critic, jobs, { projectRoot: project.root, trusted: project.trust !== undefined, jobs: jobCount });
    }

    const noticeKeys = new Set<string>();
    const notices: Report['notices'] = [...configNotices, ...checked.criticNotices];
    if (!models.length) notices.push({ tool: 'model', message: noModelHint });
    // In document order, so the output does not depend on which file finished first.
    for (const [i, result] of checked.results.entries()) {
      for (const n of result.notices) {
        // A missing tool is reported once, not once per file.
        const key = `${n.tool}\0${n.message.replace(jobs[i]!.path, '')}`;
        if (!noticeKeys.has(key)) {
          noticeKeys.add(key);
          notices.push(n);
        }
      }
    }
    const results = checked.results;
    const findings: Finding[] = results.flatMap((r) => r.findings);
    // A model that cannot be reached or answers nothing usable is a configuration problem (exit 2).
    const requests = results.reduce((n, r) => n + (r.modelStats?.requests ?? 0), 0);
    const malformed = results.reduce((n, r) => n + (r.modelStats?.malformed ?? 0), 0);
    if (malformed > 0) {
      notices.push({ tool: 'model', kind: 'bad-output', message: `${malformed} of ${requests} model answers were not usable JSON and were skipped${opts.verbose ? '' : ' (run with --verbose for details)'}` });
    }
    const dropped = droppedFindingsSummary(results.map((r) => r.modelStats));
    if (dropped) notices.push({ tool: 'model', kind: 'dropped', message: dropped });
    const modelFailed = notices.some((n) => n.tool === 'model' && n.kind !== undefined && n.kind !== 'bad-output' && n.kind !== 'dropped') || (malformed > 0 && malformed >= requests);
    const execution = sumExecutionSummaries(results.flatMap((r) => (r.execution ? [r.execution] : [])));
    const report: Report = { findings, filesChecked: jobs.length, root, cwd: io.cwd, durationMs: performance.now() - started, notices, version: pkg.version, execution, executionOff: !config.execution.enabled ? 'execution is off' : checked.isolation === 'none' ? 'no sandbox is available here, see the notes' : undefined };
    if (!opts.quiet) for (const n of notices) io.stderr(`critic: note: ${visible(n.message, { singleLine: true })}\n`);
    if (opts.format === 'sarif') io.stdout(formatSarif(report));
    else if (opts.format === 'json') io.stdout(formatJson(report));
    else {
      io.stdout(formatText(report, { color: useColor(opts, io), quiet: opts.quiet }));
    }
    if (modelFailed) return 2;
    return findings.some((f) => levelAtLeast(f.level, config.failOn)) ? 1 : 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof ConfigError || err instanceof GitError) {
      io.stderr(`critic: ${err.message}\n`);
      return 2;
    }
    io.stderr(`critic: internal error: ${(err as Error).message}${opts.verbose ? `\n${(err as Error).stack}` : ' (run with --verbose for details)'}\n`);
    return 2;
  } finally {
    await critic?.dispose();
  }
}

/** `critic daemon`: serve the warm path for the project of the current folder until idle or SIGTERM. */
async function runDaemon(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(daemonHelp);
    return 0;
  }
  const args = parseDaemonArgs(argv);
  if (typeof args === 'string') {
    io.stderr(`critic: ${args}\n`);
    return 2;
  }
  const log = stderrLogger(io, args.verbose);
  const daemon = await startDaemon({ cwd: io.cwd, env: io.env, build: buildIdentity(), assetsDir: __dirname, log, idleMs: args.idleMs });
  if (!daemon.ok) {
    io.stderr(`critic: ${visible(daemon.reason, { singleLine: true })}${daemon.alreadyRunning ? '' : '; critic check and diff still work, in process'}\n`);
    return daemon.alreadyRunning ? 0 : 2;
  }
  const stop = () => void daemon.stop();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  io.stderr(`critic: daemon for ${visible(daemon.root, { singleLine: true })} listening on ${daemon.socket}; exits after ${Math.round(args.idleMs / 60_000)} min without a request or on SIGTERM\n`);
  await daemon.stopped;
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
  return 0;
}

/** `critic lsp`: the language server on stdio or node-ipc, until the client exits. */
async function runLsp(argv: readonly string[], io: CliIo): Promise<number> {
  // Loaded here, not with the CLI: the language server library's set-up cost every other command
  // (a git hook's `critic diff --staged` included) about 20 ms.
  const { lspHelp, parseLspArgs, runLanguageServer } = await import('../lsp/lspCommand.js');
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(lspHelp);
    return 0;
  }
  const args = parseLspArgs(argv, io.env);
  if (typeof args === 'string') {
    io.stderr(`critic: ${args}\n`);
    return 2;
  }
  // The bundle's --liftoff-only stays on: measured for the server too (ruff on 1,000 lines, 30
  // edits), Liftoff-only was faster warm (15 vs 97 ms median) and cold, and used a third of the memory.
  // It also serves this CLI's warm path for the workspace's projects (same build: same results).
  await runLanguageServer(args, __dirname, io.env, { build: buildIdentity() });
  return 0;
}

if (require.main === module) {
  // TypeScript alone takes most of a cold start to compile: keep V8's code for it between runs.
  enableCompileCache(join(userCacheDir(process.env), 'v8'));
  const io: CliIo = {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    cwd: process.cwd(),
    env: process.env,
    isTTY: process.stdout.isTTY === true,
  };
  void runCli(process.argv.slice(2), io).then((code) => {
    process.exitCode = code;
    // A stopped daemon leaves idle handles (a client still connected, the engines' workers): it is done.
    if (process.argv[2] === 'daemon') process.exit(code);
  });
}
