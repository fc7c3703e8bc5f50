// npm run bench:coverage — what recording line coverage (for fault localisation) costs the
// example and test runs. Every correct module of the detection corpus (Python doctests and tests,
// TypeScript JSDoc examples), plus one hot-loop
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
const { JsExamplesTool } = await load('engine/evidence/jsExamples.js');
const { RelatedTestsTool } = await load('engine/evidence/relatedTests.js');
const { createSandbox } = await load('engine/sandbox/sandbox.js');
const { nodeFs, nodeExec, assetsIn } = await load('engine/nodePorts.js');
const { parseConfig } = await load('engine/config.js');
const { silentLogger } = await load('engine/types.js');

const work = mkdtempSync(join(tmpdir(), 'critic-bench-coverage-'));
const files = [];
for (const c of loadCorpus()) {
  // JS/TS tests (node:test, vitest, jest) record no coverage yet: only their examples are measured.
  const dir = join(work, c.language, c.name);
  const tests = c.language === 'python' && c.tests.length > 0;
  if (c.hasExamples || tests) files.push({ name: c.name, language: c.language, dir, examples: c.hasExamples, tests, ...materialise({ case: c }, dir) });
}
// The worst case: a doctest that spends its time in a tight loop of the traced file.
const hot = join(work, 'hot_loop');
const hotText = ['def total(n):', '    """', '    >>> total(300000)', '    44999850000', '    """', '    s = 0', '    for i in range(n):', '        s += i', '    return s', ''].join('\n');
files.push({ name: 'hot_loop', language: 'python', dir: hot, examples: true, tests: false, path: join(hot, 'hot.py'), text: hotText });
mkdirSync(hot, { recursive: true });
writeFileSync(join(hot, 'hot.py'), hotText);

const contextFor = (lineCoverage) => ({ log: silentLogger, fs: nodeFs, exec: nodeExec, assets: assetsIn(join(root, 'dist')), config: parseConfig({ execution: { lineCoverage } }, 'bench') });
const on = contextFor(true);
const off = contextFor(false);
const syntax = new SyntaxService(on.assets);
const sandbox = await createSandbox({ exec: nodeExec, log: silentLogger, execution: on.config.execution });
if (sandbox.isolation === 'none') throw new Error(`no sandbox: ${sandbox.reason}`);
const tools = {
  python: {
    examples: { on: new PythonExamplesTool(on, { sandbox }), off: new PythonExamplesTool(off, { sandbox }) },
    tests: { on: new RelatedTestsTool(on, { sandbox, syntax }), off: new RelatedTestsTool(off, { sandbox, syntax }) },
  },
  typescript: { examples: { on: new JsExamplesTool(on, { sandbox }), off: new JsExamplesTool(off, { sandbox }) } },
};
const times = { examples: { on: [], off: [] }, jsExamples: { on: [], off: [] }, tests: { on: [], off: [] }, hot: { on: [], off: [] } };
const signal = new AbortController().signal;
process.stderr.write(`coverage overhead: ${files.length} modules × ${rounds} rounds, sandbox ${sandbox.isolation}\n`);
for (let round = 0; round < rounds; round++) {
  for (const f of files) {
    const parsed = await syntax.analyse(f.path, f.text, f.language);
    const doc = { path: f.path, text: f.text, language: f.language, projectRoot: f.dir };
    // Alternate which setting goes first, so warm-up and drift fall on both alike.
    const order = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
    for (const kind of ['examples', 'tests']) {
      if (!f[kind]) continue;
      for (const mode of order) {
        const t0 = performance.now();
        const res = await tools[f.language][kind][mode].run(doc, parsed, signal);
        const ms = performance.now() - t0;
        if (res.findings.some((x) => x.level === 'error')) throw new Error(`${f.name}: unexpected error finding with coverage ${mode}: ${res.findings[0].message}`);
        if (f.name === 'hot_loop') {
          if (kind === 'examples') times.hot[mode].push(ms);
        } else times[f.language === 'python' ? kind : 'jsExamples'][mode].push(ms);
      }
    }
  }
}
syntax.dispose();
const overhead = (a, b) => `${(((a - b) / b) * 100).toFixed(0)} %`;
console.log(`\nLine-coverage overhead — ${files.length - 1} corpus modules (Python and TypeScript) + 1 hot loop, ${rounds} rounds, sandbox ${sandbox.isolation}, load average ${loadavg()[0].toFixed(2)}\n`);
console.log('| runs | n | coverage on | coverage off | overhead of the medians |');
console.log('|---|---:|---:|---:|---:|');
for (const [label, t] of [['Python doctests per module', times.examples], ['Python related tests per module', times.tests], ['TS JSDoc examples per module', times.jsExamples], ['hot loop doctest (300,000 iterations)', times.hot]]) {
  const a = summary(t.on);
  const b = summary(t.off);
  console.log(`| ${label} | ${t.on.length} | ${cell(a)} | ${cell(b)} | ${overhead(a.median, b.median)} |`);
}
console.log(`\nwall time ${fmt(performance.now())}`);
rmSync(work, { recursive: true, force: true });
