// npm run bench:host — how long the VS Code extension host's event loop is blocked while Critic
// works: a cold critique of a 2,000-line TypeScript file, then 200 small edits (two-line
// insertions, which autoCheck "insertions" re-critiques after the idle delay).
//
// A throwaway probe extension runs inside the same extension host as Critic (code-server 4.100 =
// VS Code 1.100) and records perf_hooks.monitorEventLoopDelay there. Run it against this tree
// (the thin client: the engine is in the language server's process) and, for the table's
// "before" row, against another checkout's build: `BEFORE=/path/to/checkout npm run bench:host`
// (that checkout must have been built with `node esbuild.mjs --production`; BEFORE_LABEL names
// its row). A third row, the floor, runs the probe without Critic (FLOOR=0 skips it). RUNS=N (3);
// the runs go round robin over the builds, so a drifting load hits every row alike.
// HOST_PROFILE=dir writes a CPU profile of the extension host per phase.
// Target: max ≤ 16 ms (one frame at 60 Hz).
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { e2eUnavailableReason, launchBrowser, openFile, openWorkbench, packageVsix, repoRoot, runCommand, sleep, startCodeServer } from '../test/e2e/codeServer.mjs';

const runs = Number(process.env.RUNS ?? 3);
const reason = e2eUnavailableReason();
if (reason) {
  console.error(`bench:host needs code-server: ${reason} (npm run setup:e2e)`);
  process.exit(2);
}

/**
 * 2,000 lines of TypeScript: 100 functions, ten with a JSDoc example (two of which fail, so Critic
 * has findings to draw and move with every edit), and a few type errors (VS Code shows those).
 */
function bigTs() {
  const out = [];
  for (let i = 0; i < 100; i++) {
    out.push(
      `/**`,
      ` * Scales item ${i}.`,
      // Every tenth function has an example (run in the sandbox); the rest are type-checked and linted.
      i % 10 === 0 ? ` * @example` : ` *`,
      i % 10 === 0 ? ` * scale${i}([1, 2], 2) // => ${i % 50 === 0 ? '[2, 5]' : '[2, 4]'}` : ` * Multiplies each value.`,
      ` */`,
      `export function scale${i}(values: number[], factor: number): number[] {`,
      `  const out: number[] = [];`,
      `  for (const v of values) {`,
      `    out.push(v * factor);`,
      `  }`,
      i % 25 === 0 ? `  const wrong: string = out.length;` : `  const n = out.length;`,
      `  if (out.length !== values.length) {`,
      `    throw new Error('length ' + out.length);`,
      `  }`,
      `  return out;`,
      `}`,
      ``,
      `export const label${i} = 'item-${i}';`,
      `export type Item${i} = { id: number; name: string };`,
      ``,
    );
  }
  return out.join('\n') + '\n';
}

async function probeExtension(dir, resultsFile) {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({
    name: 'critic-host-probe', displayName: 'Critic host probe', description: 'Measures the extension host event loop.', publisher: 'critic-dev',
    version: '0.0.1', license: 'MIT', engines: { vscode: '^1.100.0' }, main: './extension.js', activationEvents: [],
    contributes: { commands: [{ command: 'criticProbe.run', title: 'Run Host Probe', category: 'Critic Probe' }] },
  }, null, 2));
  await writeFile(join(dir, 'README.md'), '# probe\n');
  await writeFile(join(dir, 'extension.js'), `const vscode = require('vscode');
const fs = require('fs');
const { monitorEventLoopDelay } = require('perf_hooks');
// HOST_PROFILE=dir: also record a CPU profile of the extension host per phase (to see what blocks it).
const profileDir = ${JSON.stringify(process.env.HOST_PROFILE ?? '')};
let session;
const post = (method, params) => new Promise((res, rej) => session.post(method, params, (err, r) => (err ? rej(err) : res(r))));
async function profileStart() {
  if (!profileDir) return;
  if (!session) { session = new (require('inspector').Session)(); session.connect(); await post('Profiler.enable'); }
  await post('Profiler.start');
}
async function profileStop(name) {
  if (!profileDir) return;
  const { profile } = await post('Profiler.stop');
  fs.mkdirSync(profileDir, { recursive: true });
  fs.writeFileSync(require('path').join(profileDir, name + '-' + process.pid + '.cpuprofile'), JSON.stringify(profile));
}
const ms = (h) => ({ max: h.max / 1e6, p99: h.percentile(99) / 1e6, mean: h.mean / 1e6 });
// CPU the extension host spent (all of it: every extension, threads included), in ms: less
// sensitive to the machine's load than the delays, and next to the floor's it is Critic's share.
const cpuSince = (u) => { const d = process.cpuUsage(u); return (d.user + d.system) / 1000; };
exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand('criticProbe.run', () => run().catch((err) => fs.writeFileSync(${JSON.stringify(resultsFile)}, JSON.stringify({ error: String(err && err.stack || err) })))));
  async function run() {
    fs.writeFileSync(${JSON.stringify(resultsFile + '.started')}, '');
    const ext = vscode.extensions.getExtension('critic-dev.critic');
    // Without Critic (the "floor" row), the same phases measure what the extension host does anyway.
    const api = !ext ? { idle: () => new Promise((r) => setTimeout(r, 5000)), findings: () => [] } : ext.isActive ? ext.exports : await ext.activate();
    const doc = vscode.workspace.textDocuments.find((d) => d.fileName.endsWith('big.ts'));
    const editor = await vscode.window.showTextDocument(doc);
    const result = {};
    await profileStart();
    let h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    let t = Date.now();
    let cpu = process.cpuUsage();
    if (ext) await vscode.commands.executeCommand('critic.critiqueFile');
    await api.idle(120000);
    h.disable();
    result.cold = { ...ms(h), ms: Date.now() - t, cpuMs: cpuSince(cpu), findings: api.findings(doc.uri).length };
    await profileStop('cold');
    await profileStart();
    h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    t = Date.now();
    cpu = process.cpuUsage();
    for (let i = 0; i < 200; i++) {
      // A two-line insertion in a function body (what autoCheck "insertions" re-critiques after
      // the idle delay); every 20th edit waits past the delay so a critique really runs meanwhile.
      const line = editor.document.lineAt(editor.document.lineCount - 1).lineNumber - 8;
      await editor.edit((e) => e.insert(new vscode.Position(line, 0), '  void ' + i + ';\\n  void 0;\\n'));
      await new Promise((r) => setTimeout(r, i % 20 === 19 ? 400 : 15));
    }
    await api.idle(120000);
    h.disable();
    result.edits = { ...ms(h), ms: Date.now() - t, cpuMs: cpuSince(cpu) };
    await profileStop('edits');
    fs.writeFileSync(${JSON.stringify(resultsFile)}, JSON.stringify(result));
  }
};
`);
  // A syntax error in the probe only shows in the extension host's log: catch it here.
  execFileSync(process.execPath, ['--check', join(dir, 'extension.js')], { stdio: 'inherit' });
}

/** One build's workspace, probe and packaged extensions, made once and reused by every run. */
async function prepare(label, extensionDir) {
  const tmp = await mkdtemp(join(tmpdir(), 'critic-bench-host-'));
  const workspace = join(tmp, 'workspace');
  await mkdir(workspace, { recursive: true });
  await writeFile(join(workspace, 'big.ts'), bigTs());
  await writeFile(join(workspace, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'es2022', module: 'nodenext' } }));
  const resultsFile = join(tmp, 'results.json');
  await probeExtension(join(tmp, 'probe'), resultsFile);
  const probe = await packageVsix(join(tmp, 'probe'), join(tmp, 'probe.vsix'));
  const critic = extensionDir ? await packageVsix(extensionDir, join(tmp, 'critic.vsix'), { timeoutMs: 120_000 }) : undefined;
  return { label, tmp, workspace, resultsFile, vsix: critic ? [critic, probe] : [probe], out: [], loads: [] };
}

async function measureOnce(target, run) {
  const { label, workspace, resultsFile } = target;
  await rm(resultsFile, { force: true });
  await rm(resultsFile + '.started', { force: true });
  target.loads.push(loadavg()[0]);
  const server = await startCodeServer({ workspace, vsix: target.vsix, settings: { 'critic.autoCheck': 'insertions', 'critic.autoCheckDelayMs': 100, 'typescript.validate.enable': false } });
  const browser = await launchBrowser();
  try {
    await openWorkbench(browser.page, server);
    await openFile(browser.page, 'big.ts');
    await sleep(1500);
    await runCommand(browser.page, 'Critic Probe: Run Host Probe');
    const started = Date.now();
    while (!existsSync(resultsFile)) {
      // A probe that fails to activate never writes anything: say so instead of waiting out the limit.
      if (!existsSync(resultsFile + '.started') && Date.now() - started > 60_000) throw new Error(`the probe did not start in 60 s; see the extension host log under ${server.userDataDir}/logs`);
      if (Date.now() - started > 900_000) throw new Error('the probe did not finish in 900 s');
      await sleep(500);
    }
    const result = JSON.parse(readFileSync(resultsFile, 'utf8'));
    if (result.error) throw new Error(`the probe failed in ${label}: ${result.error}`);
    // Two examples fail: a build with Critic that shows nothing did not critique (no sandbox, a dead server).
    if (target.vsix.length > 1 && !result.cold.findings) console.error(`${label}, run ${run + 1}: Critic showed no findings for big.ts — is bubblewrap installed (npm run setup:linux)? See the extension host log.`);
    console.error(`${label}, run ${run + 1} (load ${target.loads.at(-1).toFixed(1)}): ${JSON.stringify(result)}`);
    target.out.push(result);
  } finally {
    await browser.close();
    await server.stop({ removeTemp: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs) => `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;

const targets = [];
if (process.env.BEFORE) targets.push([process.env.BEFORE_LABEL ?? `before: ${process.env.BEFORE}`, resolve(process.env.BEFORE)]);
targets.push(['after: this tree (language server)', repoRoot]);
// The floor: the probe alone, same edits, no Critic; what code-server's own extension host costs.
if (process.env.FLOOR !== '0') targets.push(['floor: no Critic installed', undefined]);
const rows = [];
for (const [label, dir] of targets) {
  if (dir && !existsSync(join(dir, 'dist', 'extension.js'))) execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: dir, stdio: 'inherit' });
  rows.push(await prepare(label, dir));
}
// Round robin (run 1 of every build, then run 2, …): on a shared machine the load drifts, and
// measuring one build after the other would compare the builds at different loads.
try {
  for (let run = 0; run < runs; run++) for (const target of rows) await measureOnce(target, run);
} finally {
  for (const r of rows) await rm(r.tmp, { recursive: true, force: true });
}
console.log(`\nExtension host event-loop delay (ms; median (min–max) over ${runs} runs; target max ≤ 16); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores\n`);
console.log('| build | phase | max | p99 | mean | wall ms | host CPU ms | load (1 min) at start |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  for (const phase of ['cold', 'edits']) {
    const xs = r.out.map((o) => o[phase]);
    console.log(`| ${r.label} | ${phase === 'cold' ? 'cold critique, 2,000-line TS' : '200 edits'} | ${fmt(xs.map((x) => x.max))} | ${fmt(xs.map((x) => x.p99))} | ${fmt(xs.map((x) => x.mean))} | ${fmt(xs.map((x) => x.ms))} | ${fmt(xs.map((x) => x.cpuMs))} | ${fmt(r.loads)} |`);
  }
}
