// npm run bench:realworld — Critic on public repositories nobody here wrote, against each
// project's own test runner as the oracle (bench/realworld/repos.mjs lists them and how to get
// them). For every repository: (a) errors on the correct upstream code (target 0); (b) mutants of
// real functions (bench/realworld/mutants.mjs; QuixBugs brings its own real bugs): of those the
// project's own tests kill, how many Critic catches, localises to the function and to the line
// (top-1 / top-3); (c) time per file, Critic (engine in-process, sandboxed execution, no model, no
// cache) next to the project's runner on the same file's tests.
// Repositories come from CRITIC_REALWORLD_DIR, --dir=DIR or the first non-flag argument (default
// /tmp/realworld); a missing one is skipped with one line. JS packages get node_modules hard-linked
// from CRITIC_REALWORLD_DEPS / --deps=DIR (default /tmp/realworld-deps/node_modules: an `npm install`
// of the test runners, see the README). Each repository is copied to a temp folder first: the
// clones are never modified. Results: test-results/realworld.json and realworld.md.
// Flags: --quick (4 mutants and 3 QuixBugs programs per repository), --mutants=N (at most 30),
// --only=A,B (repositories whose name contains one of them), --keep (keep the temp copies),
// --report=FILE (judge and print a results file again, running nothing).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, runGroup, summary } from './stats.mjs';
import { bugLines } from './corpus/corpus.mjs';
import { repos } from './realworld/repos.mjs';
import { heldJsRepos } from './realworld/reposHeldJs.mjs';
import { candidateMutants, pickMutants } from './realworld/mutants.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const quick = argv.includes('--quick');
const keep = argv.includes('--keep');
const only = flag('only');
const perRepo = Math.min(30, Number(flag('mutants') ?? (quick ? 4 : 12)));
const reposDir = flag('dir') ?? argv.find((a) => !a.startsWith('--')) ?? process.env.CRITIC_REALWORLD_DIR ?? '/tmp/realworld';
const depsDir = flag('deps') ?? process.env.CRITIC_REALWORLD_DEPS ?? '/tmp/realworld-deps/node_modules';
const oracleTimeoutMs = 120_000;
const log = (s) => process.stderr.write(`${s}\n`);

const load = (p) => import(join(root, 'out', p));
const { createCritic } = await load('engine/critic.js');
const { nodeFs, nodeExec, assetsIn } = await load('engine/nodePorts.js');
const { defaultConfig } = await load('engine/config.js');
const { silentLogger } = await load('engine/types.js');
const { SyntaxService } = await load('engine/syntax/syntaxService.js');
const { enclosingUnit } = await load('engine/syntax/units.js');
const esbuild = await import('esbuild');

const python = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout?.trim() || 'python3';
const reportFile = flag('report');
const started = performance.now();
let engine;
let isolation;
let syntax;
let work;
let editedLines;
if (!reportFile) {
  const ctx = { log: silentLogger, fs: nodeFs, exec: nodeExec, assets: assetsIn(join(root, 'dist')), config: defaultConfig() };
  work = mkdtempSync(join(tmpdir(), 'critic-bench-realworld-'));
  // The cache serves the second reading of each mutant (with its change known) from the first run.
  const { ExecCache } = await load('engine/evidence/execCache.js');
  ({ editedLines } = await load('engine/lineDiff.js'));
  const made = await createCritic(ctx, { trusted: true, cache: new ExecCache({ dir: join(work, 'exec-cache') }) });
  ({ engine, isolation } = made);
  if (isolation === 'none') throw new Error(`the sandbox is not available, nothing would be executed: ${made.notices.map((n) => n.message).join('; ')}`);
  syntax = new SyntaxService(ctx.assets);
}

/** Runs the project's own runner in its own process group; killed as a group on timeout. */
function runOracle(workRoot, o) {
  const cwd = join(workRoot, o.cwd);
  const [file, args] = o.cmd === 'python' ? [python, o.args] : o.cmd === 'node' ? [process.execPath, o.args] : [process.execPath, [join(workRoot, 'node_modules', 'vitest', 'vitest.mjs'), ...o.args]];
  const env = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', NO_COLOR: '1', CI: '1', ...o.env };
  return runGroup(file, args, { cwd, env, timeoutMs: oracleTimeoutMs, maxOutput: 32 * 1024 }).then(({ code, timedOut, output, ms }) => ({
    ms,
    passed: code === 0 && !timedOut,
    // pytest's 5 is "no tests collected": the tests say nothing, which is not a kill.
    noTests: code === 5,
    timedOut,
    tail: output.trim().split('\n').slice(-4).join(' | ').slice(-400),
  }));
}

function parses(text, language) {
  if (language === 'python') return spawnSync(python, ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: text }).status === 0;
  try {
    esbuild.transformSync(text, { loader: 'ts' });
    return true;
  } catch {
    return false;
  }
}

// Line coverage is per statement: a change on a continuation line of a statement is found on the
// statement's first line, so all the statement's lines (a compound statement: its header) count.
const statementLinesPy = String.raw`
import ast, json, sys
req = json.load(sys.stdin)
best = None
for node in ast.walk(ast.parse(req['text'])):
    if not isinstance(node, ast.stmt):
        continue
    end = node.body[0].lineno - 1 if hasattr(node, 'body') and isinstance(node.body, list) and node.body else node.end_lineno
    if node.lineno <= req['line'] <= max(end, node.lineno) and (best is None or node.lineno >= best[0]):
        best = (node.lineno, max(end, node.lineno))
print(json.dumps(list(range(best[0], best[1] + 1)) if best else [req['line']]))
`;
function statementLines(text, line) {
  const r = spawnSync(python, ['-c', statementLinesPy], { input: JSON.stringify({ text, line }), encoding: 'utf8' });
  return r.status === 0 ? JSON.parse(r.stdout) : [line];
}

/** 1-based lines of `b` not in a longest common subsequence of the (trimmed) lines of `a` and `b`. */
function changedLines(a, b) {
  const x = a.split('\n').map((l) => l.trim());
  const y = b.split('\n').map((l) => l.trim());
  const dp = Array.from({ length: x.length + 1 }, () => new Uint16Array(y.length + 1));
  for (let i = x.length - 1; i >= 0; i--) for (let j = y.length - 1; j >= 0; j--) dp[i][j] = x[i] === y[j] ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  const out = [];
  let i = 0;
  let j = 0;
  while (j < y.length) {
    if (i < x.length && x[i] === y[j]) {
      i++;
      j++;
    } else if (i < x.length && dp[i + 1][j] >= dp[i][j + 1]) i++;
    else out.push(++j);
  }
  return out;
}

function placement(findingUnit, bugUnit) {
  if (findingUnit === bugUnit) return 'exact';
  if (findingUnit.startsWith(`${bugUnit}.`)) return 'inside';
  if (bugUnit.startsWith(`${findingUnit}.`)) return 'enclosing';
  return undefined;
}

async function critique(path, text, language, projectRoot, changed) {
  const t0 = performance.now();
  const res = await engine.check({ path, text, language, projectRoot }, changed ? { changed } : {});
  const errors = res.findings.filter((f) => f.level === 'error' && f.file === path);
  return { ms: performance.now() - t0, errors, notes: res.findings.filter((f) => f.level !== 'error').length };
}

/**
 * What Critic said about one bug: caught (an error the correct version did not get), in the right
 * function, on the right line (top-1 / top-3 of the first such error's ranking). `errors` and
 * `baseline` are brief() records; `stored` is a verdict from an older results file without rankings.
 */
function judge(errors, baseline, unit, lines, stored) {
  const fresh = errors.filter((e) => !baseline.some((b) => b.rule === e.rule && b.unit === e.unit && b.message === e.message));
  const onUnit = fresh.filter((f) => placement(f.unit, unit));
  const first = onUnit.find((f) => f.tier === 'executed') ?? onUnit[0];
  const ranked = first?.ranked ?? [];
  const hit = (n) => (first?.ranked ? ranked.slice(0, n).some((l) => lines.includes(l)) : Boolean(first && stored?.[n === 1 ? 'top1' : 'top3']));
  return { caught: fresh.length > 0, byExecution: fresh.some((f) => f.tier === 'executed'), localised: onUnit.length > 0, top1: hit(1), top3: hit(3), ranked };
}

/** What is kept of a finding: enough to judge it again from the results file. */
const brief = (f) => ({
  rule: f.rule,
  tier: f.tier,
  unit: f.unit,
  line: f.range.start.line + 1,
  message: f.message.slice(0, 240),
  ranked: [f.range.start.line + 1, ...f.related.filter((r) => r.file === f.file && r.message.startsWith('suspicious line')).map((r) => r.range.start.line + 1)],
});
let results = [];
let shownPerRepo = perRepo;
if (reportFile) {
  // Re-judge a results file (e.g. one written before a change to the judging) without running anything.
  const saved = JSON.parse(readFileSync(reportFile, 'utf8'));
  ({ results, isolation } = saved);
  shownPerRepo = saved.perRepo;
  for (const r of results)
    for (const m of r.mutants) {
      const baseline = r.files.find((x) => x.file === m.file)?.errors ?? [];
      Object.assign(m, judge(m.errors, baseline, m.unit, m.bugLines, m));
      if (m.withChange) Object.assign(m.withChange, judge(m.withChange.errors, baseline, m.unit, m.bugLines, m.withChange));
    }
}
for (const spec of reportFile ? [] : [...repos, ...heldJsRepos]) {
  const name = spec.name ?? spec.dir;
  if (only && !only.split(',').some((o) => name.includes(o))) continue;
  const src = join(reposDir, spec.dir);
  if (!existsSync(src)) {
    log(`skip ${name}: ${src} not found (fetch ${spec.source}, then git clone it there)`);
    continue;
  }
  const withOracle = spec.deps !== 'none';
  if (spec.deps === 'node' && !existsSync(join(depsDir, 'vitest'))) {
    log(`skip ${name}: no vitest in ${depsDir} (see the README: npm install the test runners there)`);
    continue;
  }
  const workRoot = join(work, name.replace(/\W+/g, '-'));
  cpSync(src, workRoot, { recursive: true, filter: (p) => !/[\\/](\.git|node_modules)$/.test(p) });
  // Hard links: the copy costs no disk, and the sandbox sees real files inside the project.
  if (spec.deps === 'node' && spawnSync('cp', ['-al', depsDir, join(workRoot, 'node_modules')]).status !== 0) throw new Error(`could not link ${depsDir} into ${workRoot}`);
  // What installing the project would write into it (a generated version module), on the copy only.
  spec.prepare?.(workRoot);
  // The clone's own install (held-out repositories: their own runners and versions).
  if (spec.deps === 'own' && existsSync(join(src, 'node_modules')) && spawnSync('cp', ['-al', join(src, 'node_modules'), join(workRoot, 'node_modules')]).status !== 0) throw new Error(`could not link ${src}/node_modules into ${workRoot}`);
  const r = { name, layout: spec.layout, language: spec.language, files: [], mutants: [] };
  results.push(r);
  log(`${name}: ${spec.layout}`);

  // The variants: upstream files (correct) and their bugs (QuixBugs: its own programs).
  let files = spec.files(workRoot);
  const bugs = [];
  if (spec.quixbugs) {
    files = files.filter((f) => existsSync(join(workRoot, f)) && existsSync(join(workRoot, f.replace('python_programs/', 'correct_python_programs/'))));
    files = pickMutants(files.map((f) => ({ file: f, kind: 'real', unit: f })), quick ? 3 : perRepo, 9).map((c) => c.file);
    for (const f of files) {
      const buggy = readFileSync(join(workRoot, f), 'utf8');
      const correct = readFileSync(join(workRoot, f.replace('python_programs/', 'correct_python_programs/')), 'utf8');
      writeFileSync(join(workRoot, f), correct);
      // The two versions also differ in blank lines and a trailing docstring: only changed code
      // inside a function is the bug.
      const parsed = await syntax.analyse(join(workRoot, f), buggy, 'python');
      const unitAt = (line) => enclosingUnit(parsed.units, { start: { line: line - 1, character: 0 }, end: { line: line - 1, character: 0 } });
      const changed = changedLines(correct, buggy).filter((l) => unitAt(l).kind !== 'module' && buggy.split('\n')[l - 1].trim() !== '');
      const lines = changed.length ? changed : bugLines(correct, buggy).lines;
      const unit = unitAt(lines[0]).name;
      bugs.push({ file: f, kind: 'real bug', unit, text: buggy, bugLines: lines, before: '', after: '' });
    }
  }
  const green = [];
  for (const f of files) {
    const path = join(workRoot, f);
    const text = readFileSync(path, 'utf8');
    const tests = spec.tests?.(f, workRoot) ?? [];
    const oracle = withOracle ? await runOracle(workRoot, spec.oracle(f, tests)) : undefined;
    const critic = await critique(path, text, spec.language, workRoot);
    r.files.push({ file: f, tests, oracle, criticMs: critic.ms, errors: critic.errors.map(brief) });
    log(`  ${f}: oracle ${oracle ? (oracle.passed ? 'green' : `red (${oracle.tail})`) : 'n/a'} ${oracle ? fmt(oracle.ms) : ''}; Critic ${critic.errors.length} error(s) in ${fmt(critic.ms)}`);
    if (oracle?.passed) green.push({ file: f, text, tests });
  }
  if (!withOracle) continue;

  // Mutants of the files whose own tests pass upstream.
  if (!spec.quixbugs) {
    const candidates = [];
    for (const g of green) {
      const parsed = await syntax.analyse(join(workRoot, g.file), g.text, spec.language);
      for (const c of candidateMutants(g.text, parsed.units, spec.language)) candidates.push({ ...c, file: g.file });
    }
    const picked = pickMutants(candidates, perRepo * 2, name.length * 7919);
    for (const m of picked) {
      if (bugs.length >= perRepo) break;
      if (!parses(m.text, spec.language)) continue;
      if (spec.language === 'python') m.bugLines = statementLines(m.text, m.bugLines[0]);
      bugs.push(m);
    }
  }
  for (const m of bugs) {
    const g = green.find((x) => x.file === m.file) ?? { file: m.file, text: readFileSync(join(workRoot, m.file), 'utf8'), tests: spec.tests?.(m.file, workRoot) ?? [] };
    if (!green.includes(g) && !spec.quixbugs) continue;
    const path = join(workRoot, m.file);
    writeFileSync(path, m.text);
    const oracle = await runOracle(workRoot, spec.oracle(m.file, g.tests));
    const critic = await critique(path, m.text, spec.language, workRoot);
    // The same mutant as `critic diff` (or `check` on a file with uncommitted lines) sees it: the
    // edited lines known, as the editor computes them against the commit. The run itself comes
    // from the execution cache.
    const edited = editedLines(g.text, m.text);
    const onChange = edited.length ? await critique(path, m.text, spec.language, workRoot, edited) : critic;
    writeFileSync(path, g.text);
    const killed = !oracle.passed && !oracle.noTests;
    const errors = critic.errors.map(brief);
    const baseline = r.files.find((x) => x.file === m.file)?.errors ?? [];
    const verdict = judge(errors, baseline, m.unit, m.bugLines);
    const changeErrors = onChange.errors.map(brief);
    const { caught, localised, top1, top3 } = judge(changeErrors, baseline, m.unit, m.bugLines);
    const withChange = { caught, localised, top1, top3, errors: changeErrors };
    r.mutants.push({ file: m.file, kind: m.kind, unit: m.unit, bugLines: m.bugLines, change: m.before ? `${m.before}  →  ${m.after}` : undefined, killed, oracleTimedOut: oracle.timedOut, oracleMs: oracle.ms, criticMs: critic.ms, ...verdict, errors, withChange });
    const said = (v) => (v.caught ? `caught${v.localised ? ', localised' : ''}${v.top1 ? ', top-1 line' : v.top3 ? ', top-3 line' : ''}` : 'missed');
    log(`  mutant ${m.file}:${m.bugLines[0]} ${m.kind} in ${m.unit}: tests ${killed ? 'kill it' : 'pass'}; Critic ${said(verdict)}; with the change known ${said(withChange)}`);
  }
}
syntax?.dispose();
await engine?.dispose();

// ---- report ----
const pct = (a, b) => (b ? `${a}/${b} (${((100 * a) / b).toFixed(0)} %)` : '–');
const med = (xs) => (xs.length ? fmt(summary(xs).median) : '–');
const rows = results.map((r) => {
  const killed = r.mutants.filter((m) => m.killed);
  const survived = r.mutants.filter((m) => !m.killed);
  return {
    name: r.name,
    files: r.files.length,
    falseErrors: r.files.reduce((n, f) => n + (f.oracle && !f.oracle.passed ? 0 : f.errors.length), 0),
    filesWithFalseErrors: r.files.filter((f) => (!f.oracle || f.oracle.passed) && f.errors.length > 0).length,
    oracleRed: r.files.filter((f) => f.oracle && !f.oracle.passed).length,
    mutants: r.mutants.length,
    killed: killed.length,
    caught: killed.filter((m) => m.caught).length,
    localised: killed.filter((m) => m.localised).length,
    top1: killed.filter((m) => m.top1).length,
    top3: killed.filter((m) => m.top3).length,
    changeCaught: killed.filter((m) => m.withChange?.caught).length,
    changeLocalised: killed.filter((m) => m.withChange?.localised).length,
    changeTop1: killed.filter((m) => m.withChange?.top1).length,
    changeTop3: killed.filter((m) => m.withChange?.top3).length,
    caughtSurvivors: survived.filter((m) => m.caught).length,
    survived: survived.length,
    criticMs: med(r.files.map((f) => f.criticMs).concat(r.mutants.map((m) => m.criticMs))),
    oracleMs: med(r.files.filter((f) => f.oracle).map((f) => f.oracle.ms).concat(r.mutants.map((m) => m.oracleMs))),
  };
});
const lines = [];
lines.push(`Critic on real repositories — engine in-process, sandbox ${isolation}, no model, a fresh execution cache; ${shownPerRepo} mutants per repository at most; load average ${loadavg()[0].toFixed(2)}. "Change known": the same mutant read as \`critic diff\` sees it, the edited lines known.`, '');
lines.push('| repository | files | errors on correct code (files) | upstream tests red | mutants | killed by its tests | caught / killed | localised to the function / killed | line top-1 / killed | line top-3 / killed | change known: caught / localised / top-1 / top-3 | caught, tests pass | Critic per file (median) | its runner per file (median) |');
lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const x of rows) {
  lines.push(`| ${x.name} | ${x.files} | ${x.falseErrors} (${x.filesWithFalseErrors}) | ${x.oracleRed} | ${x.mutants} | ${x.killed} | ${pct(x.caught, x.killed)} | ${pct(x.localised, x.killed)} | ${pct(x.top1, x.killed)} | ${pct(x.top3, x.killed)} | ${x.changeCaught} / ${x.changeLocalised} / ${x.changeTop1} / ${x.changeTop3} | ${x.caughtSurvivors}/${x.survived} | ${x.criticMs} | ${x.oracleMs} |`);
}
const sum = (k) => rows.reduce((n, x) => n + x[k], 0);
lines.push(`| all | ${sum('files')} | ${sum('falseErrors')} (${sum('filesWithFalseErrors')}) | ${sum('oracleRed')} | ${sum('mutants')} | ${sum('killed')} | ${pct(sum('caught'), sum('killed'))} | ${pct(sum('localised'), sum('killed'))} | ${pct(sum('top1'), sum('killed'))} | ${pct(sum('top3'), sum('killed'))} | ${sum('changeCaught')} / ${sum('changeLocalised')} / ${sum('changeTop1')} / ${sum('changeTop3')} | ${sum('caughtSurvivors')}/${sum('survived')} | | |`);
lines.push('');
for (const r of results) {
  for (const f of r.files) if ((!f.oracle || f.oracle.passed) && f.errors.length) lines.push(`- error on correct code, ${r.name}/${f.file}: ${f.errors.slice(0, 3).map((e) => `${e.rule}@${e.unit} line ${e.line}: ${e.message.slice(0, 140)}`).join(' | ')}${f.errors.length > 3 ? ` (+${f.errors.length - 3} more)` : ''}`);
  for (const m of r.mutants) if (m.killed && !m.caught) lines.push(`- missed, ${r.name}/${m.file}:${m.bugLines[0]} ${m.kind} in ${m.unit}${m.change ? `: ${m.change}` : ''}`);
}
lines.push('', `wall time ${fmt(performance.now() - started)}`);
console.log(`\n${lines.join('\n')}`);
mkdirSync(join(root, 'test-results'), { recursive: true });
if (!reportFile) writeFileSync(join(root, 'test-results/realworld.json'), JSON.stringify({ perRepo, isolation, rows, results }, null, 2));
writeFileSync(join(root, 'test-results/realworld.md'), `${lines.join('\n')}\n`);
console.log('results: test-results/realworld.json, test-results/realworld.md');
if (work && !keep) rmSync(work, { recursive: true, force: true });
else if (work) console.log(`copies kept in ${work}`);
