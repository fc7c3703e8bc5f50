/**
 * Per-test line coverage inside vitest, for fault localisation (faultLocalisation.ts). vitest has
 * no command-line option for setup files, so a launcher starts it through its Node API
 * (`parseCLI` + `startVitest`, the CLI's own two steps) with a Vite plugin that appends Critic's
 * setup file to the project's own `test.setupFiles`. In every test worker that setup file starts
 * V8's precise block coverage through the in-process inspector (no port is opened), resets it
 * before each test and takes it after, and maps the byte offsets of each project source file the
 * test ran back to the original file's lines through the inline source map Vite attaches to the
 * transformed module (TypeScript included). Each test's lines go to a file in the scratch folder
 * (never the code's stdout); the framework wrapper joins them to the JSON report's results.
 * A vitest without `parseCLI` (before 1.3) has its arguments parsed by its own cac, as its CLI does.
 */

export const vitestLauncherFile = 'critic_vitest.mjs';
export const vitestCoverageSetupFile = 'critic_vitest_coverage.mjs';
/**
 * JS source defining `covMapLines(source, functions, SourceMap) -> Set<number>` (`source` may be
 * `covPrepare(source, SourceMap)`'s result, kept per script): the 1-based lines
 * of the original file that ran, from the script V8 executed (`source`, wrapper included), the
 * functions of one `Profiler.takePreciseCoverage` entry, and node:module's SourceMap class.
 * Pure, so a test can feed it real V8 coverage. A line ran when its first non-blank character
 * lies in a range with a non-zero count (the innermost range containing it decides).
 */
export const v8LineMapper = String.raw`
// vitest (>= 4 and vite-node before it) and jest put their module wrapper on the first line of the
// script, and shift it out of stack traces with a column offset; the source map is for the code after it.
const covWrapper = /^(?:'use strict';\s*async \([^)]*\)\s*=>\s*\{\{?|\(\{"Object\.<anonymous>":function\([^)]*\)\s*\{)/;
function covSourceMap(source, SourceMap) {
  const at = source.lastIndexOf('sourceMappingURL=data:application/json');
  if (at < 0 || !SourceMap) return undefined;
  const m = /^sourceMappingURL=data:application\/json[^,]*;base64,([A-Za-z0-9+/=_-]+)/.exec(source.slice(at));
  if (!m) return undefined;
  try {
    return new SourceMap(JSON.parse(Buffer.from(m[1], 'base64').toString('utf8')));
  } catch {
    return undefined;
  }
}
// Everything about one script that does not change from test to test (kept per script id).
function covPrepare(source, SourceMap) {
  const prefix = (covWrapper.exec(source) || [''])[0].length;
  const map = covSourceMap(source, SourceMap);
  // Offset and column of each line's first non-blank character (after the wrapper on line 0).
  const starts = [];
  const cols = [];
  const ends = [];
  let from = 0;
  for (let line = 0; from <= source.length; line++) {
    let nl = source.indexOf('\n', from);
    if (nl < 0) nl = source.length;
    let i = line === 0 ? prefix : from;
    while (i < nl && (source[i] === ' ' || source[i] === '\t')) i++;
    starts.push(i);
    cols.push(i - from - (line === 0 ? prefix : 0));
    ends.push(nl - from - (line === 0 ? prefix : 0));
    from = nl + 1;
  }
  return { source, map, starts, cols, ends };
}
function covMapLines(prepared, functions, SourceMap) {
  const { source, map, starts, cols, ends } = typeof prepared === 'string' ? covPrepare(prepared, SourceMap) : prepared;
  const counts = new Map();
  for (const fn of functions) {
    // Ranges come outermost first; an inner block's count overrides its function's.
    fn.ranges.forEach((r, k) => {
      let lo = 0, hi = starts.length;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (starts[mid] < r.startOffset) lo = mid + 1; else hi = mid; }
      // A function's own range starts on its signature, which "runs" when it is declared.
      if (k === 0 && starts[lo] === r.startOffset && lo + 1 < starts.length && starts[lo + 1] < r.endOffset) lo++;
      for (let i = lo; i < starts.length && starts[i] < r.endOffset; i++) {
        const c = source[starts[i]];
        if (c !== '}' && c !== '\n' && c !== undefined && starts[i] < source.length) counts.set(i, r.count);
      }
    });
  }
  const lines = new Set();
  for (const [line, count] of counts) {
    if (count <= 0) continue;
    if (!map) {
      lines.add(line + 1);
      continue;
    }
    // The line's first mapping at or after its first character; a line with none is the
    // transform's own code (export getters, import helpers) and says nothing about the file.
    let e = map.findEntry(line, cols[line]);
    if (!e || e.generatedLine !== line) e = map.findEntry(line, ends[line]);
    if (e && e.generatedLine === line && typeof e.originalLine === 'number') lines.add(e.originalLine + 1);
  }
  return lines;
}
// Line numbers as ranges ('2-3,5,8'), the form coverage records take.
function covRanges(lines) {
  const sorted = [...lines].sort((a, b) => a - b);
  const spans = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    spans.push(i === j ? String(sorted[i]) : sorted[i] + '-' + sorted[j]);
    i = j + 1;
  }
  return spans.join(',');
}
`;

/**
 * The setup file (an ES module, run by vitest in each test worker before the test file). Reads
 * CRITIC_COV_OUT (where to append), CRITIC_COV_ROOT (only files under it count) and
 * CRITIC_COV_SKIP (JSON list of test files, which are not code under critique). It must never
 * break the project's tests: every step is guarded, and a failure only leaves tests without lines.
 */
export const vitestCoverageSetup = String.raw`
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
${v8LineMapper}
const covOut = process.env.CRITIC_COV_OUT;
const covRoot = (process.env.CRITIC_COV_ROOT || '/').replace(/\/?$/, '/');
let covSkip = new Set();
try {
  covSkip = new Set(JSON.parse(process.env.CRITIC_COV_SKIP || '[]'));
} catch {}
const covPost = (s, method, params) => new Promise((resolve, reject) => s.post(method, params || {}, (e, r) => (e ? reject(e) : resolve(r))));
// The setup file runs again for every test file a worker runs: one session, started once per
// worker (starting precise coverage again recompiles everything, and sessions would pile up).
const covKey = Symbol.for('critic.coverage');
const covState = globalThis[covKey] || (globalThis[covKey] = { sources: new Map() });
let covSourceMapClass;
if (!covState.session && !covState.failed) {
  try {
    const { Session } = await import('node:inspector');
    const s = new Session();
    s.connect();
    await covPost(s, 'Profiler.enable');
    await covPost(s, 'Profiler.startPreciseCoverage', { callCount: true, detailed: true });
    covState.session = s;
  } catch {
    covState.failed = true;
  }
}
try {
  ({ SourceMap: covSourceMapClass } = await import('node:module'));
} catch {}
const covSession = covState.session;
// Script ids are per process, so the executed texts are kept across test files.
const covSources = covState.sources;
// A test's coverage lists every script the worker ran (vitest's own included), every time: the
// verdict on each URL is kept.
const covPaths = covState.paths || (covState.paths = new Map());
const covPathOf = (url) => {
  let v = covPaths.get(url);
  if (v === undefined) covPaths.set(url, (v = covPathOfUrl(url) || ''));
  return v || undefined;
};
const covPathOfUrl = (url) => {
  if (!url.startsWith('file:') && !url.startsWith('/')) return undefined;
  let path = url;
  try {
    if (url.startsWith('file:')) path = fileURLToPath(url);
  } catch {
    return undefined;
  }
  if (!path.startsWith(covRoot) || path.includes('/node_modules/') || covSkip.has(path) || path.includes('critic_vitest')) return undefined;
  return path;
};
// The executed text of a script: only the debugger can give it (the module runner's transform
// lives in the worker's memory), so it is enabled just long enough to read new scripts.
const covSourcesOf = async (ids) => {
  const missing = ids.filter((id) => !covSources.has(id));
  if (missing.length === 0) return;
  await covPost(covSession, 'Debugger.enable');
  try {
    for (const id of missing) {
      const { scriptSource } = await covPost(covSession, 'Debugger.getScriptSource', { scriptId: id }).catch(() => ({ scriptSource: '' }));
      covSources.set(id, covPrepare(scriptSource, covSourceMapClass));
    }
  } finally {
    await covPost(covSession, 'Debugger.disable').catch(() => {});
  }
};
// Tests that overlap (test.concurrent) share one set of counters: their lines cannot be told apart.
let covActive = 0;
let covOverlap = false;
if (covSession && covOut) {
  try {
    const { beforeAll, beforeEach, afterEach, expect } = await import('vitest');
    // Taking coverage resets its counters: one take before the file's tests (after its imports)
    // and one after each test make each test's window, its own hooks included.
    beforeAll(async () => {
      await covPost(covSession, 'Profiler.takePreciseCoverage').catch(() => {});
    });
    beforeEach(() => {
      if (covActive++ > 0) covOverlap = true;
    });
    afterEach(async () => {
      covActive--;
      let result;
      try {
        ({ result } = await covPost(covSession, 'Profiler.takePreciseCoverage'));
      } catch {
        return;
      }
      const state = expect.getState();
      if (covOverlap) {
        if (covActive === 0) covOverlap = false;
        return;
      }
      const files = {};
      const scripts = result.map((s) => ({ s, path: covPathOf(s.url) })).filter((x) => x.path);
      await covSourcesOf(scripts.map((x) => x.s.scriptId));
      for (const { s, path } of scripts) {
        const lines = covMapLines(covSources.get(s.scriptId) || '', s.functions);
        if (lines.size) files[path] = covRanges(lines);
      }
      appendFileSync(covOut, JSON.stringify({ file: state.testPath, name: state.currentTestName, files }) + '\n');
    });
  } catch {}
}
`;

/**
 * The launcher: `node critic_vitest.mjs <vitest bin> <setup file> ...vitest run arguments`. Starts
 * vitest as its CLI does, with the setup file appended to the project's own; a vitest without
 * the Node API it needs runs through its CLI unchanged.
 */
export const vitestLauncher = String.raw`
import { createRequire } from 'node:module';
import { dirname, join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';
const [bin, setup, ...args] = process.argv.slice(2);
let api;
try {
  api = await import(pathToFileURL(join(dirname(bin), 'dist', 'node.js')).href);
} catch {}
// vitest before 1.3 has no parseCLI: its CLI is cac's parse of the arguments (options by their
// own names, dots for nesting) and then startVitest, so the same cac (vitest's own dependency)
// parses them here, and the options are normalised as that CLI does.
async function cacParse() {
  try {
    const mod = await import(pathToFileURL(createRequire(bin).resolve('cac')).href);
    const cac = mod.cac || (mod.default && (mod.default.cac || mod.default));
    if (typeof cac !== 'function') return undefined;
    return (argv) => {
      const cli = cac('vitest');
      cli.command('run [...filters]');
      const parsed = cli.parse(['node', ...argv], { run: false });
      const options = { ...parsed.options, run: true };
      for (const k of ['root', 'config', 'dir']) {
        if (options[k]) options[k] = normalize(String(options[k]));
        else delete options[k];
      }
      return { filter: parsed.args.map((a) => normalize(String(a))), options };
    };
  } catch {
    return undefined;
  }
}
const parse = api && typeof api.startVitest === 'function' ? (typeof api.parseCLI === 'function' ? api.parseCLI : await cacParse()) : undefined;
if (!parse) {
  process.argv = [process.argv[0], bin, 'run', ...args];
  await import(pathToFileURL(bin).href);
} else {
  const { filter, options } = parse(['vitest', 'run', ...args]);
  const plugin = {
    name: 'critic-coverage',
    config(config) {
      config.test = config.test || {};
      const own = config.test.setupFiles;
      config.test.setupFiles = [...(own === undefined ? [] : Array.isArray(own) ? own : [own]), setup];
    },
    // Vite serves files outside the workspace only from allowed folders: without this, a browser-like
    // environment (jsdom, happy-dom) loads the setup file through /@fs/ and is refused it.
    configResolved(config) {
      const allow = config.server && config.server.fs && config.server.fs.allow;
      if (Array.isArray(allow) && !allow.includes(dirname(setup))) allow.push(dirname(setup));
    },
  };
  try {
    const ctx = await api.startVitest('test', filter, options, { plugins: [plugin] });
    if (!ctx.shouldKeepServer()) await ctx.exit();
  } catch (e) {
    console.error(e);
    if (process.exitCode == null) process.exitCode = 1;
    process.exit();
  }
}
`;
