/**
 * Runs a project's mocha tests with the project's own mocha (from its node_modules, never a copy
 * of Critic's) inside the sandbox. The launcher does what mocha's `bin/mocha` does — mocha reads
 * `.mocharc.*`, `package.json#mocha` and the options of the project's `test` script itself
 * (require, ui, timeout, extension, node-option…), and the launcher starts Node again when they
 * hold Node flags — with the spec replaced by the related test files, `--exit` forced, no
 * parallel mode and no watch. A reporter of Critic's writes each result (and each test as it
 * starts, so a hang is the test's) synchronously to the result channel (protocol.ts). Each test
 * file is loaded on its own: one that throws while loading is a load error of that file, and
 * the other files' tests still run. The tests load the files on disk: the unsaved text of the file
 * under critique is mounted over its file (SandboxRunRequest.overlays).
 */
import { basename, join } from 'node:path';
import type { FileSystemPort } from '../../types.js';
import { ancestors } from '../../findUp.js';
import { v8LineMapper } from './vitestCoverage.js';

export const mochaLauncherFile = 'critic_mocha.cjs';
export const mochaChannelFile = 'critic_mocha_channel.cjs';
export const mochaReporterFile = 'critic_mocha_reporter.cjs';

export interface MochaRunnerConfig {
  marker: string;
  /** Absolute path of the project's mocha executable script (`bin/mocha.js`, or `bin/mocha` for mocha <= 9). */
  bin: string;
  /** The package folder mocha starts in (where it finds `.mocharc.*` and package.json). */
  cwd: string;
  files: string[];
  /** Options of the project's `test` script (its spec is replaced by `files`). */
  argv: string[];
  /** How long (ms) the run may keep starting tests; the rest are reported unrun. */
  budgetMs?: number;
  /**
   * Files under critique whose per-test line coverage is recorded (V8 block coverage through the
   * in-process inspector); results carry `cov` for them (an id, or `{index: id}` with `covMulti`)
   * and `files` for every project file the test ran.
   */
  coverage?: string[];
  covMulti?: boolean;
  /** The project root: only files under it are covered. */
  covRoot?: string;
}

/** The project's mocha: its executable script and version; undefined when not installed. */
export async function mochaBin(dir: string, projectRoot: string, fs: FileSystemPort): Promise<{ bin: string; version: string } | undefined> {
  // Hoisted installs (workspaces) put it in a node_modules folder above the package.
  for (const d of ancestors(dir, { root: projectRoot })) {
    const pkgDir = join(d, 'node_modules', 'mocha');
    for (const entry of ['mocha.js', 'mocha']) {
      const bin = join(pkgDir, 'bin', entry);
      if (!(await fs.exists(bin))) continue;
      let version = '';
      try {
        version = String((JSON.parse(await fs.readFile(join(pkgDir, 'package.json'))) as { version?: unknown }).version ?? '');
      } catch {
        /* unreadable manifest: the version stays unknown */
      }
      return { bin, version };
    }
  }
  return undefined;
}

/** The words of a shell command line (quotes removed; no expansion). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const m of line.matchAll(/"((?:\\.|[^"\\])*)"|'([^']*)'|((?:\\.|[^\s"'])+)/g)) words.push(m[1] ?? m[2] ?? m[3]!.replace(/\\(.)/g, '$1'));
  return words;
}

/**
 * The options the project's `test` script (or a `test:*` script) passes to mocha: `"test": "nyc
 * mocha --require ts-node/register --timeout 5000 test/**\/*.ts"` gives everything after
 * `mocha`. Words with shell expansion are left out (nothing is expanded outside a shell).
 */
export function mochaScriptArgs(scripts: Record<string, string> | undefined): string[] {
  const texts = [scripts?.test ?? '', ...Object.entries(scripts ?? {}).filter(([k]) => /^test[:-]/.test(k)).map(([, v]) => v)];
  for (const text of texts) {
    for (const part of text.split(/&&|\|\||[;|]/)) {
      const words = shellWords(part);
      const at = words.findIndex((w) => /^_?mocha(?:\.js)?$/.test(basename(w)));
      if (at >= 0) return words.slice(at + 1).filter((w) => !/[$`]/.test(w));
    }
  }
  return [];
}

/** The positional words (specs) of mocha options, and whether `--recursive` / `--extension` are given. */
export function mochaSpecHints(argv: readonly string[]): { spec: string[]; recursive: boolean; extensions: string[] } {
  const spec: string[] = [];
  const extensions: string[] = [];
  let recursive = false;
  // Options that take a value (the common ones; an unknown one is taken as a flag).
  const valued = /^--?(r|require|ui|u|reporter|R|reporter-option|O|timeout|t|slow|s|grep|g|fgrep|f|config|package|file|ignore|exclude|extension|spec|retries|jobs|j|node-option|n|delay-ms)$/;
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i]!;
    if (w === '--recursive') recursive = true;
    else if (w === '--extension') extensions.push(...(argv[++i] ?? '').split(','));
    else if (w.startsWith('--extension=')) extensions.push(...w.slice(12).split(','));
    else if (w === '--spec') spec.push(argv[++i] ?? '');
    else if (w.startsWith('--spec=')) spec.push(w.slice(7));
    else if (valued.test(w)) i++;
    else if (!w.startsWith('-')) spec.push(w);
  }
  return { spec: spec.filter(Boolean), recursive, extensions: extensions.filter(Boolean) };
}

// The channel: the launcher opens it, the reporter writes to it (the same module instance).
export const mochaChannel = String.raw`'use strict';
const { openSync, writeSync } = require('node:fs');
const { join } = require('node:path');
let fd;
let marker = '';
exports.t0 = Date.now();
exports.cfg = {};
exports.open = (cfg) => {
  exports.cfg = cfg;
  marker = cfg.marker;
  // Synchronous writes to the result pipe (or the results file): nothing is pending at exit.
  fd = process.env.CRITIC_RESULTS_FD ? Number(process.env.CRITIC_RESULTS_FD) : openSync(join(__dirname, 'critic_results.jsonl'), 'a');
  delete process.env.CRITIC_RESULTS_FD;
  return fd;
};
exports.emit = (o) => {
  writeSync(fd, marker + ' ' + JSON.stringify(o) + '\n');
};
`;

// Runs as CommonJS (mocha's own CLI is CommonJS); String.raw keeps backslashes, no backtick or dollar-brace.
export const mochaLauncher = String.raw`'use strict';
const { readFileSync, rmSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { dirname, join } = require('node:path');
const channel = require('./critic_mocha_channel.cjs');
let cfg;
if (process.env.CRITIC_MOCHA_CONFIG) {
  cfg = JSON.parse(process.env.CRITIC_MOCHA_CONFIG);
  delete process.env.CRITIC_MOCHA_CONFIG;
} else {
  const at = join(__dirname, 'critic_config.json');
  cfg = JSON.parse(readFileSync(at, 'utf8'));
  rmSync(at);
}
const fd = channel.open(cfg);
const emit = channel.emit;
const realExit = process.exit.bind(process);
const giveUp = (msg) => {
  emit({ t: 'collect', file: cfg.files[0] || '', msg, frames: [] });
  emit({ t: 'end', runner: 'mocha' });
  realExit(0);
};
process.chdir(cfg.cwd);
const lib = (p) => join(dirname(cfg.bin), '..', 'lib', p);
let options;
let nodeFlags;
let Mocha;
try {
  options = require(lib('cli/options.js'));
  nodeFlags = require(lib('cli/node-flags.js'));
  Mocha = require(lib('mocha.js'));
} catch (e) {
  giveUp('this mocha (' + cfg.bin + ') has no CLI Critic knows how to start: ' + String((e && e.message) || e).split('\n')[0]);
}
const loadOptions = options.loadOptions;
// mocha exits when it cannot read its configuration: that says nothing about the code.
const read = (argv) => {
  const exit = process.exit;
  process.exit = (code) => giveUp('mocha could not read its configuration (exit ' + code + ')');
  try {
    return loadOptions(argv);
  } catch (e) {
    giveUp('mocha could not read its configuration: ' + String((e && e.message) || e).split('\n')[0]);
  } finally {
    process.exit = exit;
  }
};
const isNode = (k) => k !== '_' && nodeFlags.isNodeFlag(k);
if (!process.env.CRITIC_MOCHA_CHILD) {
  // As bin/mocha: Node flags from the options start Node again with them.
  const opts = read(cfg.argv);
  let nodeArgv = [];
  if (Array.isArray(opts['node-option'])) nodeArgv = opts['node-option'].map((v) => '--' + v);
  else {
    const flags = {};
    for (const k of Object.keys(opts)) if (isNode(k)) flags[k !== 'v8-options' && /^v8-/.test(k) ? k.slice(3) : k] = opts[k];
    if (Object.keys(flags).length) nodeArgv = nodeFlags.unparseNodeFlags(flags);
  }
  if (nodeArgv.length) {
    const r = spawnSync(process.execPath, [...nodeArgv, __filename], { stdio: ['ignore', 1, 2, fd], env: { ...process.env, CRITIC_MOCHA_CHILD: '1', CRITIC_RESULTS_FD: '3', CRITIC_MOCHA_CONFIG: JSON.stringify(cfg) } });
    if (r.error) giveUp('could not start mocha with ' + nodeArgv.join(' ') + ': ' + r.error.message);
    if (r.signal) process.kill(process.pid, r.signal);
    process.exit(r.status === null ? 1 : r.status);
  }
}
delete process.env.CRITIC_MOCHA_CHILD;
// The project's options with the related test files as the spec, one process, no watching.
options.loadOptions = function () {
  const a = read(Array.from(arguments)[0] || []);
  for (const k of Object.keys(a)) if (isNode(k)) delete a[k];
  for (const k of ['node-option', 'spec', 'watch-files', 'watch-ignore', 'reporter-option', 'reporter-options', 'bail', 'dry-run', 'fail-zero', 'list-files']) delete a[k];
  a._ = cfg.files.slice();
  a.exit = true;
  a.parallel = false;
  a.watch = false;
  a.color = false;
  a.reporter = join(__dirname, 'critic_mocha_reporter.cjs');
  return a;
};
// Each file loaded on its own: a file that throws while loading is its own load error, and the
// tests it had declared before throwing are dropped, as mocha would never have run them.
const failed = (suite, file, e, before) => {
  suite.suites.splice(before.suites);
  suite.tests.splice(before.tests);
  const stack = typeof (e && e.stack) === 'string' ? e.stack : '';
  const text = stack || String((e && e.message) || e);
  const msg = (text.split('\n').find((l) => /^\s*(?:[A-Z]\w*)?(?:Error|Exception)\b/.test(l)) || String((e && e.message) || e).split('\n')[0] || 'failed to load').trim();
  // A syntax error's place is the first line of its stack ("/abs/file.js:3"), not a frame.
  const where = /^((?:file:\/\/)?\/[^\n:]+):(\d+)\n/.exec(stack);
  emit({ t: 'collect', file, msg: msg.slice(0, 2000), stack: (where ? '    at ' + where[1] + ':' + where[2] + ':1\n' : '') + stack.slice(0, 8000) });
};
const count = (suite) => ({ suites: suite.suites.length, tests: suite.tests.length });
const loadAsync = Mocha.prototype.loadFilesAsync;
if (loadAsync) {
  Mocha.prototype.loadFilesAsync = async function () {
    const all = this.files.slice();
    for (const file of all) {
      const before = count(this.suite);
      this.files = [file];
      try {
        await loadAsync.apply(this, arguments);
      } catch (e) {
        failed(this.suite, file, e, before);
      }
    }
    this.files = all;
  };
}
const loadSync = Mocha.prototype.loadFiles;
Mocha.prototype.loadFiles = function (fn) {
  const all = this.files.slice();
  for (const file of all) {
    const before = count(this.suite);
    this.files = [file];
    try {
      loadSync.call(this);
    } catch (e) {
      failed(this.suite, file, e, before);
    }
  }
  this.files = all;
  if (fn) fn();
};
process.argv = [process.execPath, cfg.bin, ...cfg.argv];
require(cfg.bin);
`;

export const mochaReporter =
  String.raw`'use strict';
const { inspect } = require('node:util');
const channel = require('./critic_mocha_channel.cjs');
const emit = channel.emit;
` +
  v8LineMapper +
  String.raw`
// Per-test line coverage: the in-process inspector answers synchronously, so the counters are
// reset when a test starts and read when it ends, between mocha's own synchronous events.
const covCfg = channel.cfg;
const covOn = Array.isArray(covCfg.coverage) && covCfg.coverage.length > 0;
const covRoot = String(covCfg.covRoot || '/').replace(/\/?$/, '/');
const covSkip = new Set(covCfg.files || []);
let cov;
if (covOn) {
  try {
    const { Session } = require('node:inspector');
    const { SourceMap } = require('node:module');
    const session = new Session();
    session.connect();
    const post = (method, params) => {
      let out;
      let err;
      session.post(method, params || {}, (e, r) => {
        err = e;
        out = r;
      });
      if (err || out === undefined) throw err || new Error('no synchronous answer');
      return out;
    };
    post('Profiler.enable');
    post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    cov = { post, SourceMap, sources: new Map(), paths: new Map(), ids: new Map() };
  } catch {
    cov = undefined;
  }
}
const covPathOf = (url) => {
  let v = cov.paths.get(url);
  if (v !== undefined) return v;
  v = '';
  let path = url;
  try {
    if (url.startsWith('file:')) path = require('node:url').fileURLToPath(url);
  } catch {
    path = '';
  }
  if (path.startsWith(covRoot) && !path.includes('/node_modules/') && !covSkip.has(path) && !/critic_mocha/.test(path)) v = path;
  cov.paths.set(url, v);
  return v;
};
const covId = (ranges) => {
  let n = cov.ids.get(ranges);
  if (n === undefined) {
    n = cov.ids.size;
    cov.ids.set(ranges, n);
    emit({ t: 'cov', n, lines: ranges });
  }
  return n;
};
const covReset = () => {
  if (!cov) return;
  try {
    cov.post('Profiler.takePreciseCoverage');
  } catch {
    cov = undefined;
  }
};
const covTake = (ev) => {
  if (!cov) return;
  try {
    const scripts = cov.post('Profiler.takePreciseCoverage').result.filter((s) => covPathOf(s.url));
    const missing = scripts.filter((s) => !cov.sources.has(s.scriptId));
    if (missing.length) {
      cov.post('Debugger.enable');
      try {
        for (const s of missing) {
          let text = '';
          try {
            text = cov.post('Debugger.getScriptSource', { scriptId: s.scriptId }).scriptSource;
          } catch {}
          cov.sources.set(s.scriptId, covPrepare(text, cov.SourceMap));
        }
      } finally {
        cov.post('Debugger.disable');
      }
    }
    const files = {};
    for (const s of scripts) {
      const lines = covMapLines(cov.sources.get(s.scriptId), s.functions, cov.SourceMap);
      if (lines.size) files[covPathOf(s.url)] = covRanges(lines);
    }
    ev.files = {};
    for (const [path, ranges] of Object.entries(files)) ev.files[path] = covId(ranges);
    const ids = covCfg.coverage.map((f) => covId(files[f] || ''));
    ev.cov = covCfg.covMulti ? Object.fromEntries(ids.map((n, i) => [String(i), n])) : ids[0];
  } catch {
    cov = undefined;
  }
};
const show = (v) => (typeof v === 'string' ? v : inspect(v, { depth: 3, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 200 }));
const fileOf = (r) => {
  for (let x = r; x; x = x.parent) if (x.file) return x.file;
  return '';
};
const base = (r) => {
  const path = (typeof r.titlePath === 'function' ? r.titlePath() : [r.fullTitle()]).map(String);
  const file = fileOf(r);
  return { id: file + '::' + path.join(' > '), name: path.join(' > '), leaf: String(r.title), file, line: 0 };
};
function CriticReporter(runner) {
  const budget = channel.cfg.budgetMs;
  let finished = 0;
  let stopped = false;
  runner.on('start', () => {
    const files = {};
    const walk = (s) => {
      for (const t of s.tests || []) {
        const f = fileOf(t);
        files[f] = (files[f] || 0) + 1;
      }
      for (const c of s.suites || []) walk(c);
    };
    walk(runner.suite);
    emit({ t: 'collected', files });
  });
  runner.on('test', (t) => {
    emit({ t: 'start', ...base(t), ms: Date.now() - channel.t0 });
    covReset();
  });
  runner.on('pass', (t) => {
    const ev = { t: 'result', ...base(t), outcome: 'passed' };
    covTake(ev);
    emit(ev);
  });
  runner.on('pending', (t) => emit({ t: 'result', ...base(t), outcome: 'skipped' }));
  runner.on('fail', (t, err) => {
    const e = err && typeof err === 'object' ? err : { message: String(err) };
    const timeout = e.code === 'ERR_MOCHA_TIMEOUT' || /^Timeout of \d+ms exceeded/.test(String(e.message));
    const ev = { t: 'result', ...base(t), outcome: timeout ? 'timeout' : t.type === 'hook' ? 'error' : 'failed' };
    const ctor = e.constructor && e.constructor.name;
    ev.exc = String((ctor && ctor !== 'Error' && ctor !== 'Object' ? ctor : e.name) || 'Error');
    ev.msg = String(e.message === undefined ? e : e.message).slice(0, 2000);
    ev.stack = typeof e.stack === 'string' ? e.stack.slice(0, 8000) : '';
    if ('expected' in e || 'actual' in e) {
      ev.expected = show(e.expected);
      ev.actual = show(e.actual);
    }
    if (t.type !== 'hook') covTake(ev);
    emit(ev);
  });
  runner.on('test end', () => {
    finished++;
    // The run's time budget spent: no further test starts (the rest are reported unrun).
    if (budget && !stopped && Date.now() - channel.t0 > budget && typeof runner.abort === 'function') {
      stopped = true;
      runner.abort();
    }
  });
  runner.on('end', () => {
    if (stopped) emit({ t: 'budget', unrun: Math.max(0, (runner.total || 0) - finished) });
    emit({ t: 'end', runner: 'mocha' });
  });
}
module.exports = CriticReporter;
`;
