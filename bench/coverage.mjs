// npm run bench:coverage — what recording line coverage (for fault localisation) costs the
// example and test runs. Every correct Python module of the detection corpus, plus one hot-loop
// module (the worst case for a line tracer), has its doctests and its related tests run by the real
// tools in the real sandbox, alternately with execution.lineCoverage on and off (no cache), several
// rounds; reported: medians with min/max per tool and the overhead of the medians.
// Flags: --rounds=N (default 5).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cell, fmt, summary } from './stats.mjs';
import { loadCorpus, materialise } from './corpus/corpus.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 5);
const load = (p) => import(join(root, 'out', p));
const { SyntaxService } = await load('engine/syntax/syntaxService.js');
const { PythonExamplesTool } = await load('engine/evidence/pythonExamples.js');
const { RelatedTestsTool } = await load('engine/evidence/relatedTests.js');
const { createSandbox } = await load('engine/sandbox/sandbox.js');
const { nodeFs, nodeExec, assetsIn } = await load('engine/nodePorts.js');
const { parseConfig } = await load('engine/config.js');
const { silentLogger } = await load('engine/types.js');

const work = mkdtempSync(join(tmpdir(), 'critic-bench-coverage-'));
const files = [];
for (const c of loadCorpus().filter((c) => c.language === 'python')) {
  const dir = join(work, c.name);
  files.push({ name: c.name, dir, examples: c.hasExamples, tests: c.tests.length > 0, ...materialise({ case: c }, dir) });
}
// The worst case: a doctest that spends its time in a tight loop of the traced file.
const hot = join(work, 'hot_loop');
const hotText = ['def total(n):', '    """', '    >>> total(300000)', '    44999850000', '    """', '    s = 0', '    for i in range(n):', '        s += i', '    return s', ''].join('\n');
files.push({ name: 'hot_loop', dir: hot, examples: true, tests: false, path: join(hot, 'hot.py'), text: hotText });
mkdirSync(hot, { recursive: true });
writeFileSync(join(hot, 'hot.py'), hotText);

const contextFor = (lineCoverage) => ({ log: silentLogger, fs: nodeFs, exec: nodeExec, assets: assetsIn(join(root, 'dist')), config: parseConfig({ execution: { lineCoverage } }, 'bench') });
const on = contextFor(true);
const off = contextFor(false);
const syntax = new SyntaxService(on.assets);
const sandbox = await createSandbox({ exec: nodeExec, log: silentLogger, execution: on.config.execution });
if (sandbox.isolation === 'none') throw new Error(`no sandbox: ${sandbox.reason}`);
const tools = {
  examples: { on: new PythonExamplesTool(on, { sandbox }), off: new PythonExamplesTool(off, { sandbox }) },
  tests: { on: new RelatedTestsTool(on, { sandbox, syntax }), off: new RelatedTestsTool(off, { sandbox, syntax }) },
};
const times = { examples: { on: [], off: [] }, tests: { on: [], off: [] }, hot: { on: [], off: [] } };
const signal = new AbortController().signal;
process.stderr.write(`coverage overhead: ${files.length} modules × ${rounds} rounds, sandbox ${sandbox.isolation}\n`);
for (let round = 0; round < rounds; round++) {
  for (const f of files) {
    const parsed = await syntax.analyse(f.path, f.text, 'python');
    const doc = { path: f.path, text: f.text, language: 'python', projectRoot: f.dir };
    // Alternate which setting goes first, so warm-up and drift fall on both alike.
    const order = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    for (const kind of ['examples', 'tests']) {
      if (!f[kind]) continue;
      for (const mode of order) {
        const t0 = performance.now();
        const res = await tools[kind][mode].run(doc, parsed, signal);
        const ms = performance.now() - t0;
        if (res.findings.some((x) => x.level === 'error')) throw new Error(`${f.name}: unexpected error finding with coverage ${mode}: ${res.findings[0].message}`);
        if (f.name === 'hot_loop') {
          if (kind === 'examples') times.hot[mode].push(ms);
        } else times[kind][mode].push(ms);
      }
    }
  }
}
syntax.dispose();
const overhead = (a, b) => `${(((a - b) / b) * 100).toFixed(0)} %`;
console.log(`\nLine-coverage overhead — ${files.length - 1} corpus modules + 1 hot loop, ${rounds} rounds, sandbox ${sandbox.isolation}, load average ${loadavg()[0].toFixed(2)}\n`);
console.log('| runs | n | coverage on | coverage off | overhead of the medians |');
console.log('|---|---:|---:|---:|---:|');
for (const [label, t] of [['doctests per module', times.examples], ['related tests per module', times.tests], ['hot loop doctest (300,000 iterations)', times.hot]]) {
  const a = summary(t.on);
  const b = summary(t.off);
  console.log(`| ${label} | ${t.on.length} | ${cell(a)} | ${cell(b)} | ${overhead(a.median, b.median)} |`);
}
console.log(`\nwall time ${fmt(performance.now())}`);
rmSync(work, { recursive: true, force: true });
