// Memory over 200 consecutive critiques of an edited file, driven exactly the way the extension
// drives the engine: the engine as the language server builds it (createCritic: tree-sitter, ruff,
// TypeScript; dist/server.js runs the same in its process) behind the extension's per-document
// controller (src/vscode/documentRuns.ts),
// with one incremental edit before each critique (a line inserted in a function, then removed
// again, so the file keeps its size).
//
//   node esbuild.mjs && node --expose-gc bench/extensionMemory.mjs [--runs 200] [--exec]
//
// Prints heap, external/arrayBuffers, RSS and the WebAssembly memories of web-tree-sitter and ruff
// after 0, 50, 100, 150 and 200 critiques per file, and whether they grew after the warm-up.
// `--exec` also runs the docstring examples in the sandbox (slower; the default measures the
// in-process tools, where tree-sitter and ruff live).
import { build } from 'esbuild';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 200;
const exec = args.includes('--exec');
const checkpoints = [0, 50, 100, 150, 200].filter((n) => n <= runs);
if (!checkpoints.includes(runs)) checkpoints.push(runs);

if (!globalThis.gc) {
  console.error('Run with --expose-gc (node --expose-gc bench/extensionMemory.mjs) so the numbers are measured after a collection.');
  process.exit(2);
}
if (!existsSync(join(root, 'out', 'engine', 'critic.js'))) {
  console.error('out/engine/critic.js is missing: run node esbuild.mjs first.');
  process.exit(2);
}

// --- WebAssembly memories, recorded by module as they are created ------------------------------
const memories = new Map(); // label → WebAssembly.Memory
function labelOf(module) {
  const names = WebAssembly.Module.exports(module).map((e) => e.name);
  if (names.some((n) => n.startsWith('ts_parser'))) return 'tree-sitter';
  if (names.some((n) => n.startsWith('workspace_'))) return 'ruff';
  return undefined;
}
function remember(module, instance, imports) {
  const label = labelOf(module);
  if (!label) return;
  const memory = instance.exports.memory ?? Object.values(imports?.env ?? {}).find((v) => v instanceof WebAssembly.Memory);
  if (memory instanceof WebAssembly.Memory && !memories.has(label)) memories.set(label, memory);
}
const { instantiate, Instance } = WebAssembly;
WebAssembly.instantiate = async function (source, imports) {
  const result = await instantiate.call(WebAssembly, source, imports);
  if (result instanceof WebAssembly.Instance) remember(source, result, imports);
  else remember(result.module, result.instance, imports);
  return result;
};
WebAssembly.Instance = new Proxy(Instance, {
  construct(target, argArray) {
    const instance = Reflect.construct(target, argArray);
    remember(argArray[0], instance, argArray[1]);
    return instance;
  },
});

// --- the extension's parts -----------------------------------------------------------------------
const tmp = mkdtempSync(join(tmpdir(), 'critic-bench-mem-'));
const controllerFile = join(tmp, 'documentRuns.cjs');
await build({ entryPoints: [join(root, 'src/vscode/documentRuns.ts')], bundle: true, platform: 'node', format: 'cjs', outfile: controllerFile, logLevel: 'error' });
const { DocumentRuns } = require(controllerFile);
const { createCritic } = require(join(root, 'out', 'engine', 'critic.js'));
const { assetsIn, nodeExec, nodeFs } = require(join(root, 'out', 'engine', 'nodePorts.js'));
const { defaultConfig } = require(join(root, 'out', 'engine', 'config.js'));

const silent = { error: (m, e) => console.error(m, e), warn() {}, info() {}, debug() {} };
const config = defaultConfig();
config.execution.enabled = exec;
const critic = await createCritic({ log: silent, fs: nodeFs, exec: nodeExec, assets: assetsIn(join(root, 'dist')), config }, { trusted: true });
// The shape the benchmark was written against (the extension's former in-host engine).
const engineHost = {
  check: (_spec, doc, opts) => critic.check(doc, opts),
  units: (_spec, doc, signal) => critic.units(doc, signal),
  project: async () => ({ engine: critic.engine }),
  dispose: () => critic.dispose(),
};
const spec = { root: tmp, config, trusted: true, model: { provider: 'none' }, key: 'bench' };

// --- two documents: Python (tree-sitter + ruff + examples) and TypeScript (tree-sitter + TS) ----
function pythonSource(n) {
  const out = ['"""Generated for the memory benchmark."""', 'import math', ''];
  for (let i = 0; i < n; i++) {
    out.push('', `def f${i}(values, scale=${i + 1}):`, `    """Scaled sum.`, '', `    >>> f${i}([1, 2], 1)`, '    3', '    """', '    total = 0', '    for v in values:', `        total += v * scale`, '    return total', '');
  }
  return out.join('\n');
}
function tsSource(n) {
  const out = ['// Generated for the memory benchmark.', 'export interface Item { price: number; qty: number }', ''];
  for (let i = 0; i < n; i++) {
    out.push(`export function total${i}(items: Item[], rate = ${i}): number {`, '  let sum = 0;', '  for (const it of items) {', '    sum += it.price * it.qty;', '  }', '  return sum * (1 + rate / 100);', '}', '');
  }
  return out.join('\n');
}
const docs = [
  { key: 'file:///bench/calc.py', path: join(tmp, 'calc.py'), language: 'python', text: pythonSource(40), version: 1, bodyLine: (i) => 3 + 12 * i + 7 + 1 },
  { key: 'file:///bench/cart.ts', path: join(tmp, 'cart.ts'), language: 'typescript', text: tsSource(40), version: 1, bodyLine: (i) => 3 + 8 * i + 1 },
];
for (const d of docs) writeFileSync(d.path, d.text);
const byKey = new Map(docs.map((d) => [d.key, d]));

const controller = new DocumentRuns({
  snapshot: (key) => {
    const d = byKey.get(key);
    return d && { key, path: d.path, version: d.version, text: d.text, language: d.language };
  },
  check: (doc, scope, signal, onPartial) =>
    engineHost.check(spec, { path: doc.path, text: doc.text, language: doc.language, projectRoot: tmp, version: doc.version }, { signal, changedLines: scope.lines, onProgress: onPartial }),
  units: (doc, signal) => engineHost.units(spec, { path: doc.path, text: doc.text, language: doc.language, projectRoot: tmp }, signal),
  publish: () => {},
  log: silent,
});

/** Applies one edit to the document text (as VS Code would) and tells the controller. */
function edit(d, iteration) {
  const fn = Math.floor(iteration / 2) % 40;
  const line = d.bodyLine(fn);
  const lines = d.text.split('\n');
  let change;
  if (iteration % 2 === 0) {
    const text = d.language === 'python' ? `    bench_${iteration} = ${iteration}\n` : `  const bench${iteration} = ${iteration};\n`;
    change = { range: { start: { line, character: 0 }, end: { line, character: 0 } }, text };
    lines.splice(line, 0, text.slice(0, -1));
  } else {
    change = { range: { start: { line, character: 0 }, end: { line: line + 1, character: 0 } }, text: '' };
    lines.splice(line, 1);
  }
  d.text = lines.join('\n');
  d.version++;
  controller.edit(d.key, [change], { autoCheck: 'off', delayMs: 0 });
}

const mb = (n) => (n / 1024 / 1024).toFixed(1);
async function sample(critiques) {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((r) => setImmediate(r));
  }
  const m = process.memoryUsage();
  const project = await engineHost.project(spec);
  return {
    critiques,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    rss: m.rss,
    treeSitter: memories.get('tree-sitter')?.buffer.byteLength ?? 0,
    ruff: memories.get('ruff')?.buffer.byteLength ?? 0,
    trees: project.engine.syntax.cachedTrees,
  };
}

const samples = [];
const started = performance.now();
let findings = 0;
for (let i = 0; i <= runs; i++) {
  if (i > 0) for (const d of docs) edit(d, i);
  for (const d of docs) findings += (await controller.request(d.key, { reason: 'file' }))?.findings.length ?? 0;
  if (checkpoints.includes(i)) samples.push(await sample(i));
}
const seconds = (performance.now() - started) / 1000;

console.log(`Critic extension memory: ${runs} critiques each of an edited ${docs.map((d) => `${d.language} file (${d.text.split('\n').length} lines)`).join(' and a ')}`);
console.log(`through createCritic (as in dist/server.js) + src/vscode/documentRuns.ts; execution ${exec ? 'on (sandbox)' : 'off (in-process tools only)'}; ${seconds.toFixed(1)} s, ${(seconds * 1000 / (runs + 1) / docs.length).toFixed(1)} ms per critique; ${findings} findings in total\n`);
const header = ['critiques', 'heapUsed MB', 'external MB', 'arrayBuffers MB', 'rss MB', 'tree-sitter wasm MB', 'ruff wasm MB', 'cached trees'];
const rows = samples.map((s) => [s.critiques, mb(s.heapUsed), mb(s.external), mb(s.arrayBuffers), mb(s.rss), mb(s.treeSitter), mb(s.ruff), s.trees]);
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
const line = (cells) => cells.map((c, i) => String(c).padStart(widths[i])).join('  ');
console.log(line(header));
for (const r of rows) console.log(line(r));

// After the warm-up (the first 50), nothing that belongs to tree-sitter may grow: wasm memory
// only ever grows, so any increase would be trees or cursors never freed. The JS heap gets a
// tolerance for the TypeScript service's and V8's own caches.
const warm = samples.find((s) => s.critiques === 50) ?? samples[0];
const last = samples[samples.length - 1];
const verdicts = [
  ['tree-sitter wasm memory', last.treeSitter - warm.treeSitter, 0],
  ['ruff wasm memory', last.ruff - warm.ruff, 0],
  ['JS heap', last.heapUsed - warm.heapUsed, Math.max(8 * 1024 * 1024, warm.heapUsed * 0.1)],
  ['external + array buffers', last.external - warm.external, 4 * 1024 * 1024],
];
console.log('');
let grew = false;
for (const [what, delta, tolerance] of verdicts) {
  const bad = delta > tolerance;
  grew ||= bad;
  console.log(`${bad ? 'GREW' : 'flat'}  ${what}: ${delta >= 0 ? '+' : ''}${mb(delta)} MB from ${warm.critiques} to ${last.critiques} critiques${tolerance ? ` (tolerance ${mb(tolerance)} MB)` : ''}`);
}
console.log(`\n${grew ? 'Memory GREW over the run.' : 'No memory growth after the warm-up.'} Parse trees cached at the end: ${last.trees} (LRU, freed on eviction).`);

controller.dispose();
await engineHost.dispose();
rmSync(tmp, { recursive: true, force: true });
process.exitCode = grew ? 1 : 0;
