/**
 * Runs bundled test files with Node's own test runner inside the sandbox. The runner script
 * starts `node --test` with the project root as working directory and a reporter (written next to
 * it) that writes marked JSON lines to the results file (protocol.ts): start {id, name, file, line} · result {…, outcome, exc, msg,
 * stack, expected, actual} · end. Tests run in child processes whose output the test runner
 * captures, so test code cannot write into the reporter's stream.
 */

export const nodeTestRunnerFile = 'critic_tests.mjs';
export const nodeTestReporterFile = 'critic_reporter.mjs';

export interface NodeTestRunnerConfig {
  /** Working directory for the tests (the project root). */
  cwd: string;
  /** Test files relative to the scratch folder. */
  files: string[];
}

// Runs as an ES module; String.raw keeps backslashes, and the text has no backtick or dollar-brace.
export const nodeTestRunner = String.raw`
import { readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
const cfgUrl = new URL('./critic_config.json', import.meta.url);
const cfg = JSON.parse(readFileSync(cfgUrl, 'utf8'));
rmSync(cfgUrl);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
// The reporter writes to the sandbox's result pipe (the test runner's stdout; writes to pipes are
// synchronous on Linux, so nothing is pending at exit), else to a results file read back after the run.
const resultsFd = process.env.CRITIC_RESULTS_FD ? Number(process.env.CRITIC_RESULTS_FD) : undefined;
delete process.env.CRITIC_RESULTS_FD;
const destination = resultsFd === undefined ? here('./critic_results.jsonl') : 'stdout';
const args = ['--enable-source-maps', '--test', '--test-concurrency=1', '--test-reporter=' + new URL('./critic_reporter.mjs', import.meta.url).href, '--test-reporter-destination=' + destination, ...cfg.files.map(here)];
const r = spawnSync(process.execPath, args, { cwd: cfg.cwd, stdio: ['ignore', resultsFd === undefined ? 2 : resultsFd, 'inherit'] });
if (r.error) process.stderr.write('critic: could not start the test runner: ' + r.error.message + '\n');
process.exit(0);
`;

/** The reporter module; `marker` is baked in per run. */
export function nodeTestReporter(marker: string): string {
  return `const mark = ${JSON.stringify(marker)};\n${reporterBody}`;
}

const reporterBody = String.raw`
import { inspect } from 'node:util';
const show = (v) => inspect(v, { depth: 3, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 200 });
const line = (o) => mark + ' ' + JSON.stringify(o) + '\n';
export default async function* reporter(source) {
  const names = [];
  const stderr = new Map();
  for await (const ev of source) {
    const d = ev.data || {};
    if (ev.type === 'test:stderr' && d.file) {
      stderr.set(d.file, ((stderr.get(d.file) || '') + String(d.message)).slice(-8000));
      continue;
    }
    if (ev.type !== 'test:start' && ev.type !== 'test:pass' && ev.type !== 'test:fail') continue;
    // A file that fails outside any test (it throws while loading) is reported under its own path;
    // the error itself only went to its stderr.
    if (d.file && d.name === d.file) {
      if (ev.type !== 'test:fail') continue;
      const text = stderr.get(d.file) || '';
      const err = (d.details && d.details.error) || {};
      // Killed by a signal other than the sandbox's own (an abort, V8 out of memory): a crash while testing, not a load failure.
      const oom = /heap out of memory/.test(text);
      if (oom || (err.signal && err.signal !== 'SIGTERM')) {
        const why = oom ? 'JavaScript heap out of memory' : err.signal === 'SIGKILL' ? 'killed by SIGKILL, as the memory limit does' : 'killed by ' + err.signal;
        yield line({ t: 'collect', file: d.file, msg: why, crashed: true });
        continue;
      }
      const error = text.split('\n').find((l) => /^(?:[A-Z]\w*)?(?:Error|Exception)\b/.test(l.trim())) || 'failed to load' + (typeof err.exitCode === 'number' ? ' (exit code ' + err.exitCode + ')' : '');
      yield line({ t: 'collect', file: d.file, msg: error.trim().slice(0, 2000), stack: text });
      continue;
    }
    if (typeof d.nesting === 'number') names[d.nesting] = String(d.name);
    const path = names.slice(0, (d.nesting || 0) + 1);
    const base = { id: (d.file || '') + '::' + path.join(' > '), name: path.join(' > '), leaf: String(d.name), file: d.file || '', line: d.line || 0 };
    if (ev.type === 'test:start') {
      yield line({ t: 'start', ...base });
      continue;
    }
    if (d.details && d.details.type === 'suite' && ev.type === 'test:pass') continue;
    if (ev.type === 'test:pass') {
      yield line({ t: 'result', ...base, outcome: d.skip || d.todo ? 'skipped' : 'passed' });
      continue;
    }
    const err = (d.details && d.details.error) || {};
    // A suite fails when a child does; the child has its own event.
    if (err.failureType === 'subtestsFailed') continue;
    const cause = err.cause && typeof err.cause === 'object' ? err.cause : err;
    const ev2 = { t: 'result', ...base, outcome: err.failureType === 'testTimeoutFailure' ? 'timeout' : 'failed', failureType: err.failureType || '' };
    ev2.exc = String((cause.constructor && cause.constructor.name !== 'Error' ? cause.constructor.name : cause.name) || 'Error');
    ev2.msg = String(cause.message ?? cause).slice(0, 2000);
    ev2.stack = typeof cause.stack === 'string' ? cause.stack.slice(0, 8000) : '';
    if ('expected' in cause || 'actual' in cause) {
      ev2.expected = show(cause.expected);
      ev2.actual = show(cause.actual);
    }
    yield line(ev2);
  }
  yield line({ t: 'end', runner: 'node:test' });
}
`;
