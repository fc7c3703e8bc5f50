// npm run bench:eslint — the project's ESLint, trusted (in Critic's process) versus untrusted
// (in the bubblewrap sandbox), on the fixture project's config, each lint on a new text so no
// result is remembered. Baseline in the same run: the project's own `eslint` command on one file.
// Prints median (min–max) per row.
import { writeFileSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cell, summary, timeProcess } from './stats.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = process.argv.includes('--quick') ? 5 : 15;
const project = join(root, 'test', 'fixtures', 'eslint-project');
const file = join(project, 'src', 'greet.js');

const { EslintTool } = await import(join(root, 'out/engine/evidence/eslint.js'));
const { SyntaxService } = await import(join(root, 'out/engine/syntax/syntaxService.js'));
const { createSandbox } = await import(join(root, 'out/engine/sandbox/sandbox.js'));
const { nodeFs, nodeExec, assetsIn } = await import(join(root, 'out/engine/nodePorts.js'));
const { defaultConfig } = await import(join(root, 'out/engine/config.js'));
const { silentLogger } = await import(join(root, 'out/engine/types.js'));

const ctx = { log: silentLogger, fs: nodeFs, exec: nodeExec, assets: assetsIn(join(root, 'dist')), config: defaultConfig() };
const syntax = new SyntaxService(ctx.assets);
const sandbox = await createSandbox({ exec: nodeExec, log: silentLogger, execution: ctx.config.execution });
if (sandbox.isolation !== 'bubblewrap') {
  console.error(`bench:eslint needs bubblewrap (${sandbox.reason ?? sandbox.isolation}); run npm run setup:linux`);
  process.exit(2);
}
const base = readFileSync(file, 'utf8');
let n = 0;

async function lintOnce(tool, batch = 1) {
  const docs = Array.from({ length: batch }, () => ({ path: file, text: `${base}// edit ${n++}\n`, language: 'javascript', projectRoot: project }));
  const parsed = await Promise.all(docs.map((d) => syntax.analyse(d.path, d.text, d.language)));
  const t0 = performance.now();
  const out = await Promise.all(docs.map((d, i) => tool.run(d, parsed[i], new AbortController().signal)));
  const ms = performance.now() - t0;
  if (out.some((o) => !o.findings.some((f) => f.rule === 'eslint-no-undef'))) throw new Error('expected the no-undef finding');
  return ms;
}

async function series(tool, batch = 1) {
  await lintOnce(tool, batch); // cold: first ESLint load (in process) or first sandbox start
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await lintOnce(tool, batch));
  return summary(samples);
}

const rows = [];
rows.push(['trusted: in process, warm, 1 file', cell(await series(new EslintTool(ctx, { where: 'in-process' })))]);
rows.push(['untrusted: sandboxed, 1 file per run', cell(await series(new EslintTool(ctx, { where: 'sandbox', sandbox })))]);
rows.push(['untrusted: sandboxed, 8 files in one run', cell(await series(new EslintTool(ctx, { where: 'sandbox', sandbox }), 8))]);
const eslintBin = join(root, 'node_modules', 'eslint', 'bin', 'eslint.js');
const tmp = join(project, 'src', '.bench-greet.js');
const alone = [];
for (let i = 0; i < Math.min(runs, 7); i++) {
  writeFileSync(tmp, `${base}// edit ${n++}\n`);
  alone.push(timeProcess(process.execPath, [eslintBin, '--no-warn-ignored', tmp], { cwd: project }).ms);
}
(await import('node:fs')).rmSync(tmp, { force: true });
rows.push(['baseline: `eslint FILE` as its own process', cell(summary(alone))]);
syntax.dispose();

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`ESLint on ${file.replace(root + '/', '')} (${runs} runs each, median (min–max))`);
for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
