// npm run bench:exec — the execution tier against the project's own runners, on the same files.
//
//   Python: a package of N doctested modules with a pytest file per module, N = 10, 50, 200.
//     critic cold   `critic check PKG` with an empty execution cache
//     critic warm   the same again (every result cached)
//     --no-exec     `critic check PKG --no-exec` (what a fully cached run costs on top of)
//     pytest        `pytest -q --doctest-modules PKG` (the examples and the tests, one session)
//     doctest       `python -m doctest` on every module (examples only)
//   TypeScript: N modules with JSDoc examples and a node:test file each, N = 10, 50.
//     critic cold / warm against `node --test` on the test files (compiled to .mjs beforehand).
//   Pre-commit: a git repository with the 200-module package (and one with 50 TypeScript modules),
//     1 and 3 functions changed in as many files and staged: `critic diff --staged` cold and with a
//     warm `critic daemon`, against pytest (node --test) on those modules and their tests.
//     `npm run bench:daemon` runs only this section (`--only=precommit`).
//
// Every cell is a median (min–max) of interleaved runs, with the ratio to the baseline of the same
// run, because this machine is shared. `--quick` runs fewer sizes and repetitions.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cell, fmt, summary, timeProcess } from './stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// CRITIC_BENCH_CLI: another build's dist/cli.js (to compare builds on the same machine state).
const cli = process.env.CRITIC_BENCH_CLI ?? join(root, 'dist/cli.js');
const quick = process.argv.includes('--quick');
const pySizes = quick ? [10, 50] : [10, 50, 200];
const tsSizes = quick ? [10] : [10, 50];
const runs = quick ? 2 : 3;
const python = process.env.CRITIC_PYTHON ?? 'python3';
// --only=python|typescript|precommit runs one section.
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const want = (section) => !only || only === section;

const work = mkdtempSync(join(tmpdir(), 'critic-bench-exec-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function pythonModule(i) {
  return `"""Module ${i} of the benchmark package."""


def clamp_${i}(value, low, high):
    """Clamp value into [low, high].

    >>> clamp_${i}(5, 0, 3)
    3
    >>> clamp_${i}(-1, 0, 3)
    0
    """
    return max(low, min(value, high))


def mean_${i}(values):
    """Arithmetic mean.

    >>> mean_${i}([1, 2, 3, 4])
    2.5
    """
    return sum(values) / len(values)


def words_${i}(text):
    """Words, lower-cased.

    >>> words_${i}("Hello World")
    ['hello', 'world']
    """
    return [w.lower() for w in text.split()]
`;
}

function pythonTest(i) {
  return `from pkg.mod_${i} import clamp_${i}, mean_${i}


def test_clamp_${i}():
    assert clamp_${i}(10, 0, 5) == 5


def test_mean_${i}():
    assert mean_${i}([2, 4]) == 3
`;
}

function tsModule(i) {
  return `/**
 * Clamp a value into [low, high].
 * @example clamp${i}(5, 0, 3) // => 3
 */
export function clamp${i}(value: number, low: number, high: number): number {
  return Math.max(low, Math.min(value, high));
}

/**
 * Arithmetic mean.
 * @example mean${i}([1, 2, 3, 4]) // => 2.5
 */
export function mean${i}(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
`;
}

function tsTest(i) {
  return `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clamp${i}, mean${i} } from './mod${i}';

test('clamp${i}', () => assert.equal(clamp${i}(10, 0, 5), 5));
test('mean${i}', () => assert.equal(mean${i}([2, 4]), 3));
`;
}

function pythonProject(n, name = `py-${n}`) {
  const dir = join(work, name);
  mkdirSync(join(dir, 'pkg'), { recursive: true });
  mkdirSync(join(dir, 'tests'));
  writeFileSync(join(dir, 'pkg', '__init__.py'), '');
  for (let i = 0; i < n; i++) {
    writeFileSync(join(dir, 'pkg', `mod_${i}.py`), pythonModule(i));
    writeFileSync(join(dir, 'tests', `test_mod_${i}.py`), pythonTest(i));
  }
  writeFileSync(join(dir, 'pytest.ini'), '[pytest]\ntestpaths = pkg tests\n');
  return dir;
}

function tsProject(n, name = `ts-${n}`) {
  const dir = join(work, name);
  mkdirSync(join(dir, 'src'), { recursive: true });
  mkdirSync(join(dir, 'compiled'));
  for (let i = 0; i < n; i++) {
    writeFileSync(join(dir, 'src', `mod${i}.ts`), tsModule(i));
    writeFileSync(join(dir, 'src', `mod${i}.test.ts`), tsTest(i));
  }
  compileTests(dir, Array.from({ length: n }, (_, i) => i));
  return dir;
}

/** The baseline runs the same tests compiled with esbuild, untimed (node 20 cannot run .ts itself). */
function compileTests(dir, indexes) {
  const esbuild = join(root, 'node_modules/esbuild/bin/esbuild');
  const entries = indexes.map((i) => join(dir, 'src', `mod${i}.test.ts`));
  execFileSync(esbuild, [...entries, '--bundle', '--platform=node', '--format=esm', `--outdir=${join(dir, 'compiled')}`, '--out-extension:.js=.mjs', '--log-level=error']);
}

/** `critic` with its own cache folder: a fresh one is a cold run, a reused one a warm run. */
function critic(args, cwd, cacheDir, env = {}) {
  const r = timeProcess(process.execPath, [cli, ...args, '--no-color', '--fail-on', 'never'], { cwd, env: { ...process.env, ...env, CRITIC_CACHE_DIR: cacheDir } });
  if (r.status !== 0) throw new Error(`critic ${args.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
  return r;
}

function baseline(cmd, args, cwd) {
  const r = timeProcess(cmd, args, { cwd });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout.slice(-2000)}${r.stderr.slice(-2000)}`);
  return r;
}

const rows = [];
const ratio = (a, b) => `${(summary(a).median / summary(b).median).toFixed(2)}×`;

function addRow(label, criticCold, criticWarm, noExec, baselines) {
  const [bName, bSamples] = baselines[0];
  console.error(`bench:exec: ${label} done`);
  rows.push({
    label,
    cold: cell(summary(criticCold)),
    warm: cell(summary(criticWarm)),
    noExec: noExec ? cell(summary(noExec)) : '—',
    baselines: baselines.map(([name, s]) => `${name} ${cell(summary(s))}`).join('; '),
    coldRatio: ratio(criticCold, bSamples),
    warmRatio: ratio(criticWarm, bSamples),
    cachedOverhead: noExec ? fmt(summary(criticWarm).median - summary(noExec).median) : '—',
    baselineName: bName,
  });
}

for (const n of want('python') ? pySizes : []) {
  const dir = pythonProject(n);
  const cold = [];
  const warm = [];
  const noExec = [];
  const pytest = [];
  const doctest = [];
  const modules = Array.from({ length: n }, (_, i) => join('pkg', `mod_${i}.py`));
  const times = n >= 200 ? Math.max(1, runs - 1) : runs;
  for (let r = 0; r < times; r++) {
    const cache = mkdtempSync(join(work, 'cache-'));
    cold.push(critic(['check', 'pkg'], dir, cache).ms);
    warm.push(critic(['check', 'pkg'], dir, cache).ms);
    noExec.push(critic(['check', 'pkg', '--no-exec'], dir, cache).ms);
    pytest.push(baseline(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '--doctest-modules', 'pkg', 'tests'], dir).ms);
    doctest.push(baseline(python, ['-m', 'doctest', ...modules], dir).ms);
  }
  addRow(`python, ${n} modules`, cold, warm, noExec, [['pytest --doctest-modules', pytest], ['python -m doctest', doctest]]);
}

for (const n of want('typescript') ? tsSizes : []) {
  const dir = tsProject(n);
  const cold = [];
  const warm = [];
  const noExec = [];
  const nodeTest = [];
  const compiled = Array.from({ length: n }, (_, i) => join('compiled', `mod${i}.test.mjs`));
  for (let r = 0; r < runs; r++) {
    const cache = mkdtempSync(join(work, 'cache-'));
    cold.push(critic(['check', 'src'], dir, cache).ms);
    warm.push(critic(['check', 'src'], dir, cache).ms);
    noExec.push(critic(['check', 'src', '--no-exec'], dir, cache).ms);
    nodeTest.push(baseline(process.execPath, ['--test', ...compiled], dir).ms);
  }
  addRow(`typescript, ${n} modules`, cold, warm, noExec, [['node --test', nodeTest]]);
}

// Pre-commit: change 1 or 3 functions in as many modules of a 200-module repository and stage them.
// Every run stages new content (so nothing is a cache hit) and times, back to back:
//   cold      `critic diff --staged --no-daemon` with an empty cache (what a hook pays today)
//   daemon    the same with a warm `critic daemon` running (started and warmed once, untimed)
//   baseline  the project's own runner on those files and their tests
async function precommit(kind) {
  const dir = kind === 'python' ? pythonProject(quick ? 50 : 200, 'precommit') : tsProject(quick ? 20 : 50, 'precommit-ts');
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  const id = ['-c', 'user.email=bench@critic.invalid', '-c', 'user.name=bench'];
  git('init', '-q');
  git(...id, 'add', '-A');
  git(...id, 'commit', '-qm', 'base');
  // The daemon's socket folder is the bench's own: no other session's daemon is used or disturbed.
  const runtime = mkdtempSync(join(work, 'run-'));
  const daemonEnv = { XDG_RUNTIME_DIR: runtime, CRITIC_CACHE_DIR: mkdtempSync(join(work, 'cache-')) };
  for (const changed of [1, 3]) {
    git('checkout', '-q', '--', '.');
    git('reset', '-q');
    const idx = Array.from({ length: changed }, (_, k) => k * 7);
    const stage = (r) => {
      for (const i of idx) {
        const p = kind === 'python' ? join(dir, 'pkg', `mod_${i}.py`) : join(dir, 'src', `mod${i}.ts`);
        const text = kind === 'python' ? pythonModule(i).replace('return max(low, min(value, high))', `result_${r} = max(low, min(value, high))\n    return result_${r}`) : tsModule(i).replace('return Math.max(low, Math.min(value, high));', `const result${r} = Math.max(low, Math.min(value, high));\n  return result${r};`);
        writeFileSync(p, text);
        git('add', p);
      }
      if (kind === 'typescript') compileTests(dir, idx);
    };
    const daemon = await startDaemon(dir, daemonEnv);
    try {
      stage('warmup');
      critic(['diff', '--staged'], dir, daemonEnv.CRITIC_CACHE_DIR, daemonEnv);
      const cold = [];
      const warm = [];
      const base = [];
      const targets = kind === 'python' ? idx.flatMap((i) => [join('pkg', `mod_${i}.py`), join('tests', `test_mod_${i}.py`)]) : idx.map((i) => join('compiled', `mod${i}.test.mjs`));
      for (let r = 0; r < runs + 1; r++) {
        stage(r);
        cold.push(critic(['diff', '--staged', '--no-daemon'], dir, mkdtempSync(join(work, 'cache-')), daemonEnv).ms);
        warm.push(critic(['diff', '--staged'], dir, daemonEnv.CRITIC_CACHE_DIR, daemonEnv).ms);
        base.push(kind === 'python' ? baseline(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', '--doctest-modules', ...targets], dir).ms : baseline(process.execPath, ['--test', ...targets], dir).ms);
      }
      const baseName = kind === 'python' ? 'pytest on those files and their tests' : 'node --test on their tests';
      console.error(`bench:exec: ${kind} diff --staged, ${changed} file(s) done`);
      rows.push({
        label: `${kind} diff --staged, ${changed} function${changed > 1 ? 's' : ''} in ${changed} file${changed > 1 ? 's' : ''}`,
        cold: cell(summary(cold)),
        warm: `daemon ${cell(summary(warm))}`,
        noExec: '—',
        baselines: `${baseName} ${cell(summary(base))}`,
        coldRatio: ratio(cold, base),
        warmRatio: ratio(warm, base),
        cachedOverhead: '—',
        daemonVsCold: ratio(warm, cold),
      });
    } finally {
      daemon.kill('SIGTERM');
    }
  }
}

/** `critic daemon` in `dir`; resolves once it listens. */
function startDaemon(dir, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'daemon'], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr.on('data', (d) => {
      log += d;
      if (log.includes('listening on')) resolve(child);
    });
    child.on('exit', (code) => reject(new Error(`critic daemon exited (${code}): ${log}`)));
  });
}

if (want('precommit')) {
  await precommit('python');
  await precommit('typescript');
}

const header = ['case', 'critic cold', 'critic warm', 'critic --no-exec', 'baseline(s)', 'cold ÷ first baseline', 'warm ÷ first baseline', 'warm − no-exec', 'daemon ÷ cold'];
const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
for (const r of rows) lines.push(`| ${[r.label, r.cold, r.warm, r.noExec, r.baselines, r.coldRatio, r.warmRatio, r.cachedOverhead, r.daemonVsCold ?? '—'].join(' | ')} |`);
const table = lines.join('\n');
console.log(table);
mkdirSync(join(root, '.bench'), { recursive: true });
writeFileSync(join(root, '.bench', 'exec.json'), JSON.stringify({ date: new Date().toISOString(), quick, rows }, null, 2));
writeFileSync(join(root, '.bench', 'exec.md'), `${table}\n`);
