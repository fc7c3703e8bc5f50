// npm run bench — static evidence timings.
//   (a) cold `critic check FILE` as a whole process (includes Node start, wasm and TypeScript load)
//   (b) warm re-critique of one edited unit inside one process (incremental parse + tools)
//   (c) baselines in the same run: `tsc --noEmit` on the TypeScript file, ruff (wasm) alone on the Python file
// Prints median (min–max) per cell, peak RSS, and writes .bench/static.svg.
import { mkdirSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pythonFile, typescriptFile } from './generate.mjs';
import { barChartSvg, cell, summary, timeProcess } from './stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const sizes = quick ? [100, 1000] : [100, 200, 1000, 5000];
const coldRuns = quick ? 3 : 5;
const warmRuns = quick ? 10 : 20;

const { Engine } = await import(join(root, 'out/engine/pipeline.js'));
const { staticTools } = await import(join(root, 'out/engine/toolset.js'));
const { nodeFs, nodeExec, assetsIn } = await import(join(root, 'out/engine/nodePorts.js'));
const { defaultConfig } = await import(join(root, 'out/engine/config.js'));
const { silentLogger } = await import(join(root, 'out/engine/types.js'));

const work = mkdtempSync(join(tmpdir(), 'critic-bench-'));
const cli = join(root, 'dist/cli.js');
const ruffAlone = join(work, 'ruff-alone.cjs');
// The baseline for ruff: the same wasm build run on its own in a fresh process, default rules,
// with the V8 flag the CLI sets (Liftoff only): without it V8's background tier-up of the 10 MB
// wasm delays the process exit and the baseline looks several times slower than it is.
writeFileSync(
  ruffAlone,
  `require('v8').setFlagsFromString('--liftoff-only');
const { Workspace, PositionEncoding } = require(${JSON.stringify(join(root, 'node_modules/@astral-sh/ruff-wasm-nodejs'))});
const text = require('fs').readFileSync(process.argv[2], 'utf8');
const ws = new Workspace({ lint: { select: ['E9', 'F', 'B', 'PLE'] } }, PositionEncoding.Utf16);
console.log(ws.check(text).length);`,
);

const rows = [];
const chartRows = [];
for (const lang of ['python', 'typescript']) {
  for (const lines of sizes) {
    const ext = lang === 'python' ? 'py' : 'ts';
    const dir = join(work, `${lang}-${lines}`);
    mkdirSync(dir);
    const file = join(dir, `module.${ext}`);
    const text = lang === 'python' ? pythonFile(lines) : typescriptFile(lines);
    writeFileSync(file, text);

    // (a) cold whole-process check, and (c) the standalone baseline, interleaved so load affects both alike.
    const cold = [];
    const base = [];
    let rss = 0;
    for (let i = 0; i < coldRuns; i++) {
      const r = timeProcess(process.execPath, [cli, 'check', file, '--no-exec', '--no-color'], { cwd: dir });
      if (r.status !== 0) throw new Error(`critic check failed (${r.status}) on ${file}:\n${r.stdout}${r.stderr}`);
      cold.push(r.ms);
      rss = Math.max(rss, r.rssKiB);
      const b =
        lang === 'python'
          ? timeProcess(process.execPath, [ruffAlone, file], { cwd: dir })
          : timeProcess(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '--strict', '--target', 'es2022', '--module', 'esnext', '--moduleResolution', 'bundler', '--skipLibCheck', file], { cwd: dir });
      if (b.status !== 0) throw new Error(`baseline failed on ${file}: ${b.stdout}${b.stderr}`);
      base.push(b.ms);
    }

    // (b) warm: one engine, edit one line inside one unit, re-critique that unit.
    const ctx = { log: silentLogger, fs: nodeFs, exec: nodeExec, assets: assetsIn(join(root, 'dist')), config: defaultConfig() };
    ctx.config.execution.enabled = false;
    const engine = new Engine(ctx, staticTools(ctx));
    const doc = { path: file, text, language: lang, projectRoot: dir };
    const first = await engine.check(doc);
    if (first.findings.some((f) => f.level === 'error')) throw new Error(`generated ${file} has errors: ${first.findings[0].message}`);
    const target = first.units.filter((u) => u.kind === 'function')[Math.floor(first.units.length / 2)] ?? first.units[1];
    const lineNo = target.range.start.line + 3;
    const lineArr = text.split('\n');
    const warm = [];
    const parse = [];
    for (let i = 0; i < warmRuns; i++) {
      const edited = [...lineArr];
      edited[lineNo] = `${edited[lineNo]}${lang === 'python' ? '  # edit ' : ' // edit '}${i}`;
      const t0 = performance.now();
      const res = await engine.check({ ...doc, text: edited.join('\n') }, { changedLines: [{ start: target.range.start.line, end: target.range.end.line }] });
      warm.push(performance.now() - t0);
      parse.push(res.timings.parse);
    }
    await engine.dispose();
    const row = { lang, lines, cold: summary(cold), warm: summary(warm), parse: summary(parse), baseline: summary(base), rssMiB: rss / 1024 };
    rows.push(row);
    chartRows.push({ label: `${lang} ${lines} lines`, values: { cold: row.cold.median, warm: row.warm.median, base: row.baseline.median } });
    process.stderr.write(`  measured ${lang} ${lines}\n`);
  }
}
rmSync(work, { recursive: true, force: true });

const warmProcess = process.resourceUsage().maxRSS / 1024;
console.log(`\nCritic static evidence — median (min–max); cold runs: ${coldRuns}, warm runs: ${warmRuns}; load average ${(await import('node:os')).loadavg()[0].toFixed(2)}\n`);
console.log('| language | lines | (a) cold critic check | peak RSS | (b) warm edited unit | of which parse | (c) baseline alone |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  const baseName = r.lang === 'python' ? 'ruff' : 'tsc --noEmit';
  console.log(`| ${r.lang} | ${r.lines} | ${cell(r.cold)} | ${r.rssMiB.toFixed(0)} MiB | ${cell(r.warm)} | ${cell(r.parse)} | ${baseName}: ${cell(r.baseline)} |`);
}
console.log(`\nwarm process peak RSS: ${warmProcess.toFixed(0)} MiB`);
const t1000 = rows.filter((r) => r.lines === 1000);
for (const r of t1000) console.log(`target warm ≤ 150 ms (${r.lang}, 1,000 lines): ${r.warm.median <= 150 ? 'met' : 'MISSED'} (${cell(r.warm)})`);
for (const r of rows.filter((r) => r.lines === 200)) console.log(`target cold ≤ 1.5 s (${r.lang}, 200 lines): ${r.cold.median <= 1500 ? 'met' : 'MISSED'} (${cell(r.cold)})`);
mkdirSync(join(root, '.bench'), { recursive: true });
writeFileSync(join(root, '.bench/static.svg'), barChartSvg('Critic static evidence (median)', chartRows, [
  { key: 'cold', label: 'cold critic check' },
  { key: 'warm', label: 'warm edited unit' },
  { key: 'base', label: 'tsc / ruff alone' },
]));
writeFileSync(join(root, '.bench/static.json'), JSON.stringify(rows, null, 2));
console.log('chart: .bench/static.svg');
