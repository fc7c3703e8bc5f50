/**
 * Runs a project's own JS test framework (vitest or jest, from its node_modules) inside the
 * sandbox. The framework writes its JSON report (the jest format, which vitest also emits) into
 * the scratch folder; the wrapper script then writes one marked result line per test to the
 * results file (protocol.ts). The framework's own output goes to stderr. The tests import the files on
 * disk: the unsaved text of the file under critique is mounted over its file (SandboxRunRequest.overlays).
 */
import { dirname, join } from 'node:path';
import type { FileSystemPort } from '../../types.js';
import { ancestors } from '../../findUp.js';
import { jsResultsChannel } from './runnerPrelude.js';

export type JsFramework = 'vitest' | 'jest';

export const frameworkRunnerFile = 'critic_framework.mjs';

export interface FrameworkRunnerConfig {
  marker: string;
  framework: JsFramework;
  /** Absolute path of the framework's CLI script. */
  bin: string;
  cwd: string;
  files: string[];
  /** Options placed before the files (see frameworkArgs). */
  args?: string[];
  /**
   * Files under critique whose per-test line coverage is recorded (vitest only, vitestCoverage.ts);
   * results carry `cov` for them (an id, or `{index: id}` with `covMulti`) and `files` for every
   * project file the test ran.
   */
  coverage?: string[];
  covMulti?: boolean;
  /** The project root: only files under it are covered. */
  covRoot?: string;
  /** How long (ms) the run may take before the isolated re-run of failing files is given up. */
  budgetMs?: number;
}

const binOf: Record<JsFramework, string> = {
  vitest: join('node_modules', 'vitest', 'vitest.mjs'),
  jest: join('node_modules', 'jest', 'bin', 'jest.js'),
};

/**
 * The CLI script of `framework` for the package in `dir`: its own node_modules or, for hoisted
 * installs (workspaces), one above it up to the project root; undefined when not installed.
 */
export async function jsFrameworkBin(framework: JsFramework, dir: string, projectRoot: string, fs: FileSystemPort): Promise<string | undefined> {
  // Hoisted installs put the framework in a node_modules folder above the package.
  for (const d of ancestors(dir, { root: projectRoot })) {
    const bin = join(d, binOf[framework]);
    if (await fs.exists(bin)) return bin;
  }
  return undefined;
}

/** The `major.minor` of the package whose manifest is at `manifest`; undefined when unreadable. */
async function installedVersion(manifest: string, fs: FileSystemPort): Promise<[number, number] | undefined> {
  if (!(await fs.exists(manifest))) return undefined;
  try {
    const [major, minor = 0] = String((JSON.parse(await fs.readFile(manifest)) as { version?: string }).version ?? '').split('.').map(Number);
    return major === undefined || Number.isNaN(major) ? undefined : [major, Number.isNaN(minor) ? 0 : minor];
  } catch {
    return undefined;
  }
}

/** The option that runs every test file in one worker; the runner script re-runs failures isolated (see frameworkRunner). */
export const sharedWorkerArg = '--isolate=false';

/**
 * Options that let the project's own runner work in a read-only project: vitest's coverage and
 * typecheck write next to the project (`coverage/`, `tsconfig.vitest-temp.json`; Critic has its
 * own type evidence), and Vite >= 6.1 can load a TypeScript config without bundling it into
 * `node_modules/.vite-temp` (the `runner` loader). An older Vite gets no option it would reject.
 * vitest 1 reads `--coverage.enabled=false` as the string "false", which turns coverage on: it
 * gets neither option (both are off unless its config turns them on).
 * vitest >= 3 runs the test files in one worker (`--isolate=false`): a fork and a fresh test
 * environment per file (jsdom ≈ 0.9 s of CPU each) made a five-file suite cost 6 s of CPU, more
 * than the test timeout on a loaded machine; the files whose tests fail are run again isolated,
 * so state one file leaves behind never becomes an error in another.
 */
export async function frameworkArgs(framework: JsFramework, bin: string, fs: FileSystemPort): Promise<string[]> {
  if (framework !== 'vitest') return [];
  const pkgDir = dirname(bin);
  const vitest = await installedVersion(join(pkgDir, 'package.json'), fs);
  const args = vitest && vitest[0] < 2 ? [] : ['--coverage.enabled=false', '--typecheck.enabled=false'];
  if (vitest && vitest[0] >= 3) args.push(sharedWorkerArg);
  for (const manifest of [join(pkgDir, 'node_modules', 'vite', 'package.json'), join(dirname(pkgDir), 'vite', 'package.json')]) {
    if (!(await fs.exists(manifest))) continue;
    const vite = await installedVersion(manifest, fs);
    if (vite && (vite[0] > 6 || (vite[0] === 6 && vite[1] >= 1))) args.push('--configLoader', 'runner');
    break;
  }
  return args;
}

// Runs as an ES module; String.raw keeps backslashes, and the text has no backtick or dollar-brace.
export const frameworkRunner = String.raw`
import { readFileSync, rmSync, existsSync, openSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
${jsResultsChannel}
const out = (name) => fileURLToPath(new URL('./' + name, import.meta.url));
// Per-test line coverage of the files under critique (vitestCoverage.ts): vitest starts through
// Critic's launcher, which appends the coverage setup file to the project's own.
let covOn = cfg.framework === 'vitest' && Array.isArray(cfg.coverage) && cfg.coverage.length > 0;
// Every file in one worker (sharedWorkerArg): a file whose tests fail there is run again isolated,
// and only that run's results count for it (state another file left behind is not its failure).
const shared = cfg.framework === 'vitest' && (cfg.args || []).includes('--isolate=false') && cfg.files.length > 1;
const isolatedArgs = (cfg.args || []).filter((a) => a !== '--isolate=false');
const plain = (s) => String(s || '').replace(/\u001b\[[0-9;]*m/g, '');
let lastStatus = null;
let lastWords = '';
const started = Date.now();
// Per-test coverage records of one run, in the order the tests ran; a name shared by several tests is taken in turn.
const readCoverage = (covFile) => {
  const queues = new Map();
  if (!covOn || !existsSync(covFile)) return queues;
  for (const line of readFileSync(covFile, 'utf8').split('\n')) {
    let rec;
    try {
      rec = JSON.parse(line);
    } catch {
      continue;
    }
    if (!rec || typeof rec.file !== 'string' || typeof rec.name !== 'string' || !rec.files || typeof rec.files !== 'object') continue;
    // vitest 1 names a test after its file first ('src/a.spec.ts > suite > test'); the report does not.
    const cut = rec.name.indexOf(' > ');
    const head = cut > 0 ? rec.name.slice(0, cut) : '';
    const name = head && (rec.file === head || rec.file.endsWith('/' + head)) ? rec.name.slice(cut + 3) : rec.name;
    const key = rec.file + '::' + name;
    if (!queues.has(key)) queues.set(key, []);
    queues.get(key).push(rec.files);
  }
  return queues;
};
const runFramework = (files, extra, report, timeout, covFile) => {
  const args = cfg.framework === 'vitest'
    ? ['run', '--reporter=json', '--outputFile=' + report, ...extra, ...files]
    : ['--json', '--outputFile=' + report, '--ci', '--cache=false', '--watchman=false', ...extra, '--runTestsByPath', ...files];
  const covEnv = covOn ? { CRITIC_COV_OUT: covFile, CRITIC_COV_ROOT: cfg.covRoot || cfg.cwd, CRITIC_COV_SKIP: JSON.stringify(cfg.files) } : {};
  const start = covOn ? [out('critic_vitest.mjs'), cfg.bin, out('critic_vitest_coverage.mjs')] : [cfg.bin];
  const r = spawnSync(process.execPath, [...start, ...(covOn ? args.slice(1) : args)], { cwd: cfg.cwd, stdio: ['ignore', 2, 'pipe'], maxBuffer: 16 * 1024 * 1024, ...(timeout ? { timeout, killSignal: 'SIGKILL' } : {}), env: { ...process.env, ...covEnv, CI: '1', FORCE_COLOR: '0', NO_COLOR: '1' } });
  if (r.error) process.stderr.write('critic: could not start ' + cfg.framework + ': ' + r.error.message + '\n');
  const err = String(r.stderr || '');
  process.stderr.write(err);
  lastStatus = r.status;
  // What the framework said last: why it wrote no report (an unknown option, a config it could not load).
  lastWords = plain(err).split('\n').map((l) => l.trim()).filter((l) => l && !/^at /.test(l) && !/^[-=⎯]+$/.test(l)).slice(-2).join(' ').slice(0, 300);
  if (!existsSync(report)) return undefined;
  try {
    return { ...JSON.parse(readFileSync(report, 'utf8')), coverage: readCoverage(covFile) };
  } catch (e) {
    return { testResults: [], coverage: new Map() };
  }
};
const covIds = new Map();
const covId = (ranges) => {
  let n = covIds.get(ranges);
  if (n === undefined) {
    n = covIds.size;
    covIds.set(ranges, n);
    emit({ t: 'cov', n, lines: ranges });
  }
  return n;
};
const covOf = (ev, key, queues) => {
  const files = (queues.get(key) || []).shift();
  if (!files) return;
  ev.files = {};
  // The records come from the tests' own processes: only plausible paths and range lists count.
  for (const [path, ranges] of Object.entries(files).slice(0, 2000)) if (typeof ranges === 'string' && path.length < 4096 && path.startsWith('/')) ev.files[path] = covId(ranges);
  const ids = cfg.coverage.map((f) => covId(typeof files[f] === 'string' ? files[f] : ''));
  ev.cov = cfg.covMulti ? Object.fromEntries(ids.map((n, i) => [String(i), n])) : ids[0];
};
const failedIn = (file) => (file.assertionResults || []).some((a) => a.status === 'failed') || (!(file.assertionResults || []).length && Boolean(file.message));
let data = runFramework(cfg.files, cfg.args || [], out('critic_report.json'), undefined, out('critic_coverage.jsonl'));
// A project whose Vite setup still refuses Critic's coverage setup file: its tests run as they
// would without Critic (no per-test lines), rather than not at all.
const refusedSetup = (d) => (d ? d.testResults || [] : []).some((f) => !(f.assertionResults || []).length && String(f.message || '').includes('critic_vitest_coverage'));
if (covOn && refusedSetup(data)) {
  process.stderr.write('critic: vitest could not load the coverage setup file; running without per-test coverage\n');
  covOn = false;
  data = runFramework(cfg.files, cfg.args || [], out('critic_report_plain.json'));
}
if (shared && !data) data = runFramework(cfg.files, isolatedArgs, out('critic_report_isolated.json'), undefined, out('critic_coverage_isolated.jsonl'));
if (!data) {
  emit({ t: 'collect', file: cfg.files[0] || '', msg: cfg.framework + ' wrote no report (exit ' + lastStatus + ')' + (lastWords ? ': ' + lastWords : ''), frames: [] });
  emit({ t: 'end', runner: cfg.framework });
  process.exit(0);
}
const emitFiles = (testResults, coverage) => {
  for (const file of testResults) {
    const results = file.assertionResults || [];
    if (results.length === 0 && file.message) {
      emit({ t: 'collect', file: file.name, msg: plain(file.message).trim().split('\n').slice(0, 3).join(' ').slice(0, 2000), frames: [] });
      continue;
    }
    for (const a of results) {
      const path = [...(a.ancestorTitles || []), a.title].filter(Boolean);
      const name = path.join(' > ');
      const status = a.status === 'passed' ? 'passed' : a.status === 'failed' ? 'failed' : 'skipped';
      const ev = { t: 'result', id: file.name + '::' + name, name, file: file.name, line: (a.location && a.location.line) || 0, outcome: status };
      if (status === 'failed') {
        const text = plain((a.failureMessages || [])[0] || (a.failureDetails || [])[0]?.message || 'failed');
        const lines = text.split('\n');
        ev.msg = (lines.find((l) => l.trim()) || 'failed').trim().replace(/^(Assertion)?Error: /, '').slice(0, 2000);
        ev.exc = (/^(\w*Error)\b/.exec(lines[0] || '') || [])[1] || 'Error';
        const exp = lines.find((l) => /^\s*Expected.*?:/.test(l));
        const got = lines.find((l) => /^\s*Received.*?:/.test(l));
        if (exp && got) {
          ev.expected = exp.replace(/^\s*Expected.*?:\s*/, '').slice(0, 400);
          ev.actual = got.replace(/^\s*Received.*?:\s*/, '').slice(0, 400);
        }
        ev.stack = lines.filter((l) => /^\s*at /.test(l)).join('\n').slice(0, 8000);
      }
      if (covOn && status !== 'skipped') covOf(ev, file.name + '::' + name, coverage);
      emit(ev);
    }
  }
};
if (shared) {
  const results = data.testResults || [];
  const failing = results.filter(failedIn);
  emitFiles(results.filter((f) => !failedIn(f)), data.coverage);
  // Within what is left of the budget: a re-run cut short leaves the shared run's failures as they are.
  const left = cfg.budgetMs ? Math.max(1000, cfg.budgetMs - (Date.now() - started)) : undefined;
  const again = failing.length ? runFramework(failing.map((f) => f.name), isolatedArgs, out('critic_report_isolated.json'), left, out('critic_coverage_isolated.jsonl')) : undefined;
  for (const f of failing) {
    const g = ((again && again.testResults) || []).find((x) => x.name === f.name);
    emitFiles([g || f], g ? again.coverage : data.coverage);
  }
} else emitFiles(data.testResults || [], data.coverage);
emit({ t: 'end', runner: cfg.framework });
process.exit(0);
`;
