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

/**
 * Options that let the project's own runner work in a read-only project: vitest's coverage and
 * typecheck write next to the project (`coverage/`, `tsconfig.vitest-temp.json`; Critic has its
 * own type evidence), and Vite >= 6.1 can load a TypeScript config without bundling it into
 * `node_modules/.vite-temp` (the `runner` loader). An older Vite gets no option it would reject.
 */
export async function frameworkArgs(framework: JsFramework, bin: string, fs: FileSystemPort): Promise<string[]> {
  if (framework !== 'vitest') return [];
  const args = ['--coverage.enabled=false', '--typecheck.enabled=false'];
  const pkgDir = dirname(bin);
  for (const manifest of [join(pkgDir, 'node_modules', 'vite', 'package.json'), join(dirname(pkgDir), 'vite', 'package.json')]) {
    if (!(await fs.exists(manifest))) continue;
    try {
      const [major = 0, minor = 0] = String((JSON.parse(await fs.readFile(manifest)) as { version?: string }).version ?? '').split('.').map(Number);
      if (major > 6 || (major === 6 && minor >= 1)) args.push('--configLoader', 'runner');
    } catch {
      /* unreadable: no loader option */
    }
    break;
  }
  return args;
}

// Runs as an ES module; String.raw keeps backslashes, and the text has no backtick or dollar-brace.
export const frameworkRunner = String.raw`
import { readFileSync, rmSync, existsSync, openSync, writeSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
const cfgUrl = new URL('./critic_config.json', import.meta.url);
const cfg = JSON.parse(readFileSync(cfgUrl, 'utf8'));
rmSync(cfgUrl);
// Synchronous writes to the results file: nothing is left pending when the process exits.
const resultsFd = process.env.CRITIC_RESULTS_FD ? Number(process.env.CRITIC_RESULTS_FD) : openSync(new URL('./critic_results.jsonl', import.meta.url), 'a');
delete process.env.CRITIC_RESULTS_FD;
const write = (s) => writeSync(resultsFd, s);
const emit = (o) => write(cfg.marker + ' ' + JSON.stringify(o) + '\n');
const report = fileURLToPath(new URL('./critic_report.json', import.meta.url));
const args = cfg.framework === 'vitest'
  ? ['run', '--reporter=json', '--outputFile=' + report, ...(cfg.args || []), ...cfg.files]
  : ['--json', '--outputFile=' + report, '--ci', '--cache=false', '--watchman=false', ...(cfg.args || []), '--runTestsByPath', ...cfg.files];
const covOut = fileURLToPath(new URL('./critic_coverage.jsonl', import.meta.url));
const covOn = cfg.framework === 'vitest' && Array.isArray(cfg.coverage) && cfg.coverage.length > 0;
const covEnv = covOn ? { CRITIC_COV_OUT: covOut, CRITIC_COV_ROOT: cfg.covRoot || cfg.cwd, CRITIC_COV_SKIP: JSON.stringify(cfg.files) } : {};
const start = covOn ? [fileURLToPath(new URL('./critic_vitest.mjs', import.meta.url)), cfg.bin, fileURLToPath(new URL('./critic_vitest_coverage.mjs', import.meta.url))] : [cfg.bin];
const r = spawnSync(process.execPath, [...start, ...(covOn ? args.slice(1) : args)], { cwd: cfg.cwd, stdio: ['ignore', 2, 2], env: { ...process.env, ...covEnv, CI: '1', FORCE_COLOR: '0', NO_COLOR: '1' } });
if (r.error) process.stderr.write('critic: could not start ' + cfg.framework + ': ' + r.error.message + '\n');
if (!existsSync(report)) {
  emit({ t: 'collect', file: cfg.files[0] || '', msg: cfg.framework + ' wrote no report (exit ' + r.status + ')', frames: [] });
  emit({ t: 'end', runner: cfg.framework });
  process.exit(0);
}
const plain = (s) => String(s || '').replace(/\u001b\[[0-9;]*m/g, '');
let data;
try {
  data = JSON.parse(readFileSync(report, 'utf8'));
} catch (e) {
  data = { testResults: [] };
}
// Per-test coverage, in the order the tests ran; a name shared by several tests is taken in turn.
const covQueues = new Map();
if (covOn && existsSync(covOut)) {
  for (const line of readFileSync(covOut, 'utf8').split('\n')) {
    let rec;
    try {
      rec = JSON.parse(line);
    } catch {
      continue;
    }
    if (!rec || typeof rec.file !== 'string' || typeof rec.name !== 'string' || !rec.files || typeof rec.files !== 'object') continue;
    const key = rec.file + '::' + rec.name;
    if (!covQueues.has(key)) covQueues.set(key, []);
    covQueues.get(key).push(rec.files);
  }
}
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
const covOf = (ev, key) => {
  const files = (covQueues.get(key) || []).shift();
  if (!files) return;
  ev.files = {};
  // The records come from the tests' own processes: only plausible paths and range lists count.
  for (const [path, ranges] of Object.entries(files).slice(0, 2000)) if (typeof ranges === 'string' && path.length < 4096 && path.startsWith('/')) ev.files[path] = covId(ranges);
  const ids = cfg.coverage.map((f) => covId(typeof files[f] === 'string' ? files[f] : ''));
  ev.cov = cfg.covMulti ? Object.fromEntries(ids.map((n, i) => [String(i), n])) : ids[0];
};
for (const file of data.testResults || []) {
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
    if (covOn && status !== 'skipped') covOf(ev, file.name + '::' + name);
    emit(ev);
  }
}
emit({ t: 'end', runner: cfg.framework });
process.exit(0);
`;
