// npm run bench:detect — how many inserted bugs Critic catches, and at what cost.
//   The corpus (bench/corpus/<language>/<case>/): small correct modules with docstring / JSDoc
//   examples and/or tests, and bugs.json patches that each insert one bug. Every correct version
//   and every bug variant is written to its own temp folder and critiqued by the real engine
//   in-process (sandboxed execution on, static tools on, no model).
//   Reported: bug-catch rate (any `error`), caught by execution, localisation (an error in the
//   buggy unit), false alarms on the correct versions (any `error`), and time per file without
//   cache (pass 1, fresh cache folder) and with it (pass 2, a new engine on the same cache folder,
//   like a second CLI run) — both passes in the same run.
//   An oracle first runs each variant's examples and tests with the plain tools (doctest, pytest,
//   node --test, a JSDoc example checker) to confirm the `breaksEvidence` labels.
// Flags: --no-oracle (trust the labels), --only=SUBSTRING (cases whose id contains it), --keep (keep temp folders).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { barChartSvg, cell, fmt, summary } from './stats.mjs';
import { bugKinds, bugLines, criticJson, loadCorpus, mapLimit, materialise, oracle, variantsOf } from './corpus/corpus.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const useOracle = !argv.includes('--no-oracle');
const keep = argv.includes('--keep');
const only = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);

const load = (p) => import(join(root, 'out', p));
const { createCritic } = await load('engine/critic.js');
const { ExecCache } = await load('engine/evidence/execCache.js');
const { nodeFs, nodeExec, assetsIn } = await load('engine/nodePorts.js');
const { parseConfig } = await load('engine/config.js');
const { silentLogger } = await load('engine/types.js');

const started = performance.now();
const cases = loadCorpus().filter((c) => !only || c.id.includes(only));
const variants = variantsOf(cases);
const work = mkdtempSync(join(tmpdir(), 'critic-bench-detect-'));
const cacheDir = join(work, '.cache');
const log = (s) => process.stderr.write(`${s}\n`);
log(`detection corpus: ${cases.length} cases, ${variants.length} variants; work folder ${work}`);

// Each variant gets its own folder, so paths (and cache keys) never collide.
for (const [i, v] of variants.entries()) {
  v.dir = join(work, v.case.language, v.case.name, v.bug ? v.bug.id : 'correct');
  Object.assign(v, materialise(v, v.dir));
  if (v.bug) v.bugLines = bugLines(v.case.text, v.text);
  v.index = i;
}

// ---- the oracle: do the labels hold? ----
const labelProblems = [];
if (useOracle) {
  const t0 = performance.now();
  // Two at a time: most of the oracle's time is interpreter start-up and killing inserted infinite loops.
  await mapLimit(variants, 2, async (v) => {
    v.oracle = await oracle(v, v.dir, v.path, v.text);
  });
  for (const v of variants) {
    const broken = v.oracle.length > 0;
    if (!v.bug && broken) labelProblems.push(`${v.id}: the correct version fails its own evidence: ${v.oracle.map((o) => `${o.what}: ${o.output}`).join(' | ')}`);
    if (v.bug && broken !== v.bug.breaksEvidence) labelProblems.push(`${v.id}: labelled breaksEvidence=${v.bug.breaksEvidence} but the plain tools say ${broken ? `it breaks ${v.oracle.map((o) => o.what).join(' and ')}` : 'every example and test passes'}`);
  }
  log(`oracle: ${variants.length} variants in ${fmt(performance.now() - t0)}; ${labelProblems.length} label problem(s)`);
}

// ---- the engine, twice: fresh cache folder, then a new engine on the warm cache folder ----
function makeContext(configFile) {
  const config = parseConfig(criticJson, configFile);
  return { log: silentLogger, fs: nodeFs, exec: nodeExec, assets: assetsIn(join(root, 'dist')), config };
}

async function warmUp(engine) {
  // One throwaway file per language, so interpreter probes and the TypeScript service load outside the timings.
  const dir = join(work, 'warm-up');
  mkdirSync(dir, { recursive: true });
  const files = {
    python: ['w.py', 'def one():\n    """\n    >>> one()\n    1\n    """\n    return 1\n'],
    typescript: ['w.ts', '/**\n * @example\n * one() // => 1\n */\nexport function one(): number {\n  return 1;\n}\n'],
  };
  for (const [language, [name, text]] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
    await engine.check({ path: join(dir, name), text, language, projectRoot: dir });
  }
}

async function pass(label) {
  const cache = new ExecCache({ dir: cacheDir });
  const { engine, notices, isolation } = await createCritic(makeContext(join(work, '.critic.json')), { trusted: true, cache });
  if (isolation === 'none') throw new Error(`the sandbox is not available, nothing would be executed: ${notices.map((n) => n.message).join('; ')}`);
  await warmUp(engine);
  const t0 = performance.now();
  const results = [];
  for (const v of variants) {
    const s = performance.now();
    const res = await engine.check({ path: v.path, text: v.text, language: v.case.language, projectRoot: v.dir });
    results.push({ ms: performance.now() - s, findings: res.findings });
  }
  await engine.dispose();
  log(`${label}: ${variants.length} files in ${fmt(performance.now() - t0)} (cache hits ${cache.stats.hits}, misses ${cache.stats.misses})`);
  return { results, stats: cache.stats };
}

const cold = await pass('pass 1, no cache');
const warm = await pass('pass 2, warm cache');

/** How an error finding's unit relates to the bug's unit: the unit itself, a method inside it, or the class around it. */
function placement(findingUnit, bugUnit) {
  if (findingUnit === bugUnit) return 'exact';
  if (findingUnit.startsWith(`${bugUnit}.`)) return 'inside';
  if (bugUnit.startsWith(`${findingUnit}.`)) return 'enclosing';
  return undefined;
}

// What the cache must not change: whether errors are reported, by execution, and on which units.
// (Rule ids may differ between passes for a runaway loop: timeout or memory limit, whichever comes first.)
const verdict = (findings) => {
  const errors = findings.filter((f) => f.level === 'error');
  return [...new Set(errors.map((f) => `${f.tier}@${f.unit}`))].sort().join(',');
};

/** How the engine placed an error inside its unit, from the words it adds to the message (faultPlacement.ts). */
function lineMethod(message) {
  if (/, raised at line \d+\)$/.test(message)) return 'raising line';
  if (/is its most suspicious line|is the only line of it that ran/.test(message)) return 'spectrum';
  if (/cannot single out a line\)$/.test(message)) return 'inseparable';
  return 'function name';
}

/**
 * Line-level localisation of a bug: the first executed error in the buggy unit gives the ranking
 * (its primary line, then its "suspicious line" related locations); top-1 / top-3 say whether a
 * line the bug changed is among the first one / three.
 */
function lineLevel(v, errors) {
  const onUnit = errors.filter((f) => placement(f.unit, v.bug.unit));
  const first = onUnit.find((f) => f.tier === 'executed') ?? onUnit[0];
  if (!first) return undefined;
  const ranked = [first.range.start.line + 1, ...first.related.filter((r) => r.file === first.file && r.message.startsWith('suspicious line')).map((r) => r.range.start.line + 1)];
  const hit = (n) => ranked.slice(0, n).some((l) => v.bugLines.lines.includes(l));
  return { bugLines: v.bugLines.lines, deletion: v.bugLines.deletion, ranked, method: first.tier === 'executed' ? lineMethod(first.message) : first.tier, top1: hit(1), top3: hit(3) };
}

const records = variants.map((v, i) => {
  const findings = cold.results[i].findings;
  const errors = findings.filter((f) => f.level === 'error');
  const placed = v.bug ? errors.map((f) => placement(f.unit, v.bug.unit)).filter(Boolean) : [];
  return {
    id: v.id,
    language: v.case.language,
    case: v.caseId,
    bug: v.bug ? { id: v.bug.id, kind: v.bug.kind, unit: v.bug.unit, breaksEvidence: v.bug.breaksEvidence } : null,
    oracle: v.oracle?.map((o) => ({ what: o.what, timedOut: o.timedOut })),
    caught: errors.length > 0,
    caughtByExecution: errors.some((f) => f.tier === 'executed'),
    localised: placed.length > 0,
    placement: placed.includes('exact') ? 'exact' : placed[0],
    line: v.bug && placed.length > 0 ? lineLevel(v, errors) : undefined,
    errors: errors.map((f) => ({ rule: f.rule, tier: f.tier, unit: f.unit, line: f.range.start.line + 1, message: f.message.slice(0, 300) })),
    warnings: findings.filter((f) => f.level !== 'error').map((f) => `${f.rule}@${f.unit}`),
    msNoCache: cold.results[i].ms,
    msCached: warm.results[i].ms,
    sameWithCache: verdict(findings) === verdict(warm.results[i].findings),
  };
});

// ---- report ----
const pct = (a, b) => (b ? `${a}/${b} (${((100 * a) / b).toFixed(0)} %)` : '–');
const rowsFor = (recs) => {
  const correct = recs.filter((r) => !r.bug);
  const bugs = recs.filter((r) => r.bug);
  const breaking = bugs.filter((r) => r.bug.breaksEvidence);
  const functions = new Set(bugs.map((r) => `${r.case}:${r.bug.unit}`)).size;
  return {
    cases: correct.length,
    functions,
    variants: bugs.length,
    breaking: breaking.length,
    caughtBreaking: breaking.filter((r) => r.caught).length,
    execBreaking: breaking.filter((r) => r.caughtByExecution).length,
    localisedBreaking: breaking.filter((r) => r.caught && r.localised).length,
    caught: bugs.filter((r) => r.caught).length,
    nonBreaking: bugs.length - breaking.length,
    caughtNonBreaking: bugs.filter((r) => !r.bug.breaksEvidence && r.caught).length,
    falseAlarms: correct.filter((r) => r.caught).length,
    lineTop1: breaking.filter((r) => r.line?.top1).length,
    lineTop3: breaking.filter((r) => r.line?.top3).length,
    noCache: summary(recs.map((r) => r.msNoCache)),
    cached: summary(recs.map((r) => r.msCached)),
  };
};

const byLang = Object.fromEntries(['python', 'typescript'].filter((l) => records.some((r) => r.language === l)).map((l) => [l, rowsFor(records.filter((r) => r.language === l))]));
const total = rowsFor(records);
console.log(`\nCritic inserted-bug detection — ${records.length} files; engine in-process, sandboxed execution, no model; example/test limits ${criticJson.execution.exampleTimeoutMs}/${criticJson.execution.testTimeoutMs} ms; load average ${loadavg()[0].toFixed(2)}\n`);
console.log('| language | cases | functions | bug variants | caught / breaking | by execution | localised / breaking | line top-1 / breaking | line top-3 / breaking | caught overall | caught, not breaking | false alarms / correct | time per file, no cache | time per file, cached |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const [name, r] of [...Object.entries(byLang), ['all', total]]) {
  console.log(`| ${name} | ${r.cases} | ${r.functions} | ${r.variants} | ${pct(r.caughtBreaking, r.breaking)} | ${pct(r.execBreaking, r.breaking)} | ${pct(r.localisedBreaking, r.breaking)} | ${pct(r.lineTop1, r.breaking)} | ${pct(r.lineTop3, r.breaking)} | ${pct(r.caught, r.variants)} | ${r.caughtNonBreaking}/${r.nonBreaking} | ${r.falseAlarms}/${r.cases} | ${cell(r.noCache)} | ${cell(r.cached)} |`);
}

// How the line was chosen, and how often that choice was right (breaking bugs localised to their unit).
const lineRecs = records.filter((r) => r.bug?.breaksEvidence && r.line);
console.log('\n| line chosen by | language | bugs | line top-1 | line top-3 |');
console.log('|---|---|---:|---:|---:|');
for (const method of ['raising line', 'spectrum', 'inseparable', 'function name', 'tool', 'model']) {
  for (const language of Object.keys(byLang)) {
    const recs = lineRecs.filter((r) => r.line.method === method && r.language === language);
    if (recs.length) console.log(`| ${method} | ${language} | ${recs.length} | ${pct(recs.filter((r) => r.line.top1).length, recs.length)} | ${pct(recs.filter((r) => r.line.top3).length, recs.length)} |`);
  }
}

console.log('\n| bug kind | variants | breaking | caught / breaking | localised / breaking | line top-1 / breaking | line top-3 / breaking | caught, not breaking |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
for (const kind of bugKinds) {
  const recs = records.filter((r) => r.bug?.kind === kind);
  if (!recs.length) continue;
  const br = recs.filter((r) => r.bug.breaksEvidence);
  const nb = recs.filter((r) => !r.bug.breaksEvidence);
  console.log(`| ${kind} | ${recs.length} | ${br.length} | ${pct(br.filter((r) => r.caught).length, br.length)} | ${pct(br.filter((r) => r.caught && r.localised).length, br.length)} | ${pct(br.filter((r) => r.line?.top1).length, br.length)} | ${pct(br.filter((r) => r.line?.top3).length, br.length)} | ${nb.filter((r) => r.caught).length}/${nb.length} |`);
}

const loops = records.filter((r) => r.bug?.kind === 'infinite-loop');
const loopRules = loops.map((r) => `${r.id.split('/').slice(1).join('/')}: ${r.errors.map((e) => e.rule).join(', ') || 'not caught'}`);
console.log(`\ninfinite loops (${loops.length}): ${loopRules.join('; ')}`);

const placements = records.filter((r) => r.bug?.breaksEvidence && r.localised).map((r) => r.placement);
const countOf = (p) => placements.filter((x) => x === p).length;
console.log(`localised breaking bugs by where the error is: on the buggy unit ${countOf('exact')}, on a method inside it ${countOf('inside')}, on the class around the buggy method ${countOf('enclosing')}`);

const missed = records.filter((r) => r.bug?.breaksEvidence && !r.caught);
const unlocalised = records.filter((r) => r.bug?.breaksEvidence && r.caught && !r.localised);
const falseAlarms = records.filter((r) => !r.bug && r.caught);
const notBreaking = records.filter((r) => r.bug && !r.bug.breaksEvidence);
const cacheDiffs = records.filter((r) => !r.sameWithCache);
const listing = (title, recs, detail) => {
  console.log(`\n${title}: ${recs.length ? '' : 'none'}`);
  for (const r of recs) console.log(`  - ${r.id}${detail ? ` — ${detail(r)}` : ''}`);
};
listing('missed breaking bugs', missed, (r) => `${r.bug.kind} in ${r.bug.unit}`);
listing('caught but not localised', unlocalised, (r) => `bug in ${r.bug.unit}, errors on ${[...new Set(r.errors.map((e) => e.unit))].join(', ')}`);
listing('false alarms on correct code', falseAlarms, (r) => r.errors.map((e) => `${e.rule}@${e.unit} line ${e.line}: ${e.message}`).join(' | '));
listing('bugs no example or test exercises (breaksEvidence: false)', notBreaking, (r) => `${r.bug.kind} in ${r.bug.unit}: ${r.caught ? `caught by ${r.errors.map((e) => e.rule).join(', ')}` : 'not caught'}`);
listing('verdicts that differ with the cache', cacheDiffs);
if (useOracle) listing('corpus labels contradicted by the oracle', labelProblems.map((p) => ({ id: p })));

const targets = [
  ['every breaking bug caught', missed.length === 0, `${total.caughtBreaking}/${total.breaking}`],
  ['every caught breaking bug localised', unlocalised.length === 0 && missed.length === 0, `${total.localisedBreaking}/${total.breaking}`],
  ['zero false alarms on correct code', falseAlarms.length === 0, `${total.falseAlarms}/${total.cases}`],
  ['corpus size ≥ 20 functions per language, ≥ 40 in all', (byLang.python?.functions ?? 0) >= 20 && (byLang.typescript?.functions ?? 0) >= 20 && total.functions >= 40, `${byLang.python?.functions ?? 0} + ${byLang.typescript?.functions ?? 0}`],
];
const stopped = loops.filter((r) => r.errors.some((e) => e.rule === 'exec-timeout' || e.rule === 'exec-limit'));
targets.push(['every infinite loop stopped by the sandbox (exec-timeout or exec-limit)', stopped.length === loops.length, `${stopped.length}/${loops.length}`]);
if (useOracle) targets.push(['corpus labels confirmed by the oracle', labelProblems.length === 0, `${labelProblems.length} problem(s)`]);
console.log('');
for (const [name, ok, detail] of targets) console.log(`target ${name}: ${ok ? 'met' : 'MISSED'} (${detail})`);
console.log(`cache: pass 2 hits ${warm.stats.hits}, misses ${warm.stats.misses} (timeouts and limits are never cached, so those variants run again)`);

const elapsed = performance.now() - started;
console.log(`benchmark wall time: ${fmt(elapsed)}`);
mkdirSync(join(root, '.bench'), { recursive: true });
writeFileSync(join(root, '.bench/detect.json'), JSON.stringify({ config: criticJson, summary: { ...byLang, all: total }, targets: Object.fromEntries(targets.map(([n, ok]) => [n, ok])), labelProblems, wallMs: elapsed, records }, null, 2));
const chartRow = (label, r) => ({ label, values: { noCache: r.noCache.median, cached: r.cached.median } });
writeFileSync(join(root, '.bench/detect.svg'), barChartSvg(`Critic detection: caught ${total.caughtBreaking}/${total.breaking} breaking bugs, ${total.falseAlarms} false alarms — time per file (median)`, [...Object.entries(byLang).map(([l, r]) => chartRow(l, r)), chartRow('all', total)], [
  { key: 'noCache', label: 'no cache' },
  { key: 'cached', label: 'warm cache' },
]));
console.log('results: .bench/detect.json, chart: .bench/detect.svg');
if (!keep) rmSync(work, { recursive: true, force: true });
else console.log(`variant folders kept in ${work}`);
