/**
 * The JSDoc examples of many modules in one sandboxed Node: a parent starts one worker thread
 * per module (a fresh V8 isolate and module graph, so no module sees another's globals or
 * module state), running exactly the per-file runner (jsExampleRunner.ts) on that module's
 * bundle under a marker of its own, and terminates a worker that outlives the per-file timeout
 * (which stops even a synchronous infinite loop). The parent reads every module's files into
 * memory before the first worker starts and writes each module's just before its worker, so a
 * module cannot change what a later one runs. As for Python (pythonExampleBatch.ts), a module
 * whose worker ended any other way gets no seed and runs on its own as before.
 */
import { SandboxError } from '../../sandbox/sandbox.js';
import type { Sandbox } from '../../sandbox/types.js';
import { batchSeeds, type BatchSeed } from './exampleBatches.js';
import { jsExampleBundleFile, jsExampleRunner, type JsExampleRunnerConfig } from './jsExampleRunner.js';
import { collectResults, newMarker, runnerConfigFile, runnerResultsFile } from './protocol.js';

export const jsBatchRunnerFile = 'critic_examples_batch.mjs';

export interface JsBatchModule {
  config: Omit<JsExampleRunnerConfig, 'marker' | 'skip'>;
  bundle: string;
}

/** The per-file runner for module i: its own config and bundle names. */
const moduleRunner = (i: number) => jsExampleRunner.replaceAll(runnerConfigFile, `critic_config_${i}.json`).replaceAll(`./${jsExampleBundleFile}`, `./critic_bundle_${i}.mjs`);

// An ES module; String.raw, no backtick or dollar-brace inside.
const jsBatchRunner = String.raw`
import { readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

const at = (name) => new URL('./' + name, import.meta.url);
const cfg = JSON.parse(readFileSync(at('critic_batch.json'), 'utf8'));
rmSync(at('critic_batch.json'));
const fd = process.env.CRITIC_RESULTS_FD;
delete process.env.CRITIC_RESULTS_FD;
const write = (o) => writeSync(Number(fd), cfg.marker + ' ' + JSON.stringify(o) + '\n');
const files = cfg.modules.map((names) => names.map((n) => [n, readFileSync(at(n), 'utf8')]));
for (const names of cfg.modules) for (const n of names) rmSync(at(n));

for (let i = 0; i < files.length; i++) {
  for (const [n, text] of files[i]) writeFileSync(at(n), text);
  const ev = await new Promise((resolve) => {
    let settled = false;
    const settle = (v) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(v);
      }
    };
    const w = new Worker(at(files[i][0][0]), { env: { ...process.env, CRITIC_RESULTS_FD: fd }, resourceLimits: cfg.heapMb ? { maxOldGenerationSizeMb: cfg.heapMb } : undefined });
    const timer = setTimeout(() => {
      settled = true;
      w.terminate().then(() => resolve({ how: 'timeout' }), () => resolve({ how: 'timeout' }));
    }, cfg.timeoutMs);
    w.on('error', (e) => settle({ how: 'error', code: String((e && e.code) || 'error') }));
    w.on('exit', (code) => settle({ how: 'exit', code }));
  });
  for (const [n] of files[i]) rmSync(at(n), { force: true });
  write({ t: 'exit', i, ...ev });
}
write({ t: 'batch-end' });
process.exit(0);
`;

export interface JsBatchRequest {
  sandbox: Sandbox;
  projectRoot: string;
  modules: readonly JsBatchModule[];
  timeoutMs: number;
  /** The per-run memory limit, for workers' heaps. */
  memoryMb: number;
  signal: AbortSignal;
}

/** Runs the modules in one sandbox run; the seed of module i, or undefined where it must run on its own. */
export async function runJsExampleBatch(req: JsBatchRequest): Promise<Array<BatchSeed | undefined>> {
  const marker = newMarker();
  const markers = req.modules.map(() => newMarker());
  const files: Record<string, string> = { [jsBatchRunnerFile]: jsBatchRunner };
  const names = req.modules.map((m, i) => {
    const own = [`critic_examples_${i}.mjs`, `critic_config_${i}.json`, `critic_bundle_${i}.mjs`];
    files[own[0]!] = moduleRunner(i);
    files[own[1]!] = JSON.stringify({ ...m.config, marker: markers[i], skip: [] });
    files[own[2]!] = m.bundle;
    return own;
  });
  // A worker's heap is its own: capped like a per-file run's (where no cgroup caps the whole run, the sandbox caps Node's heap).
  files['critic_batch.json'] = JSON.stringify({ marker, modules: names, timeoutMs: req.timeoutMs, heapMb: req.sandbox.enforcement?.memory === 'cgroup' ? 0 : Math.max(16, req.memoryMb) });
  const total = req.modules.length * (req.timeoutMs + 1000) + 10_000;
  const res = await req.sandbox.run({
    interpreter: 'node',
    args: ['--enable-source-maps', jsBatchRunnerFile],
    projectRoot: req.projectRoot,
    files,
    timeoutMs: total,
    cpuSeconds: Math.ceil(total / 1000),
    // A worker thread and the threads V8 starts for it.
    extraTasks: 4,
    signal: req.signal,
    ...collectResults,
  });
  const stream = res.collected?.[runnerResultsFile];
  if (stream === undefined) throw new SandboxError('The example batch needs the sandbox result channel.');
  return batchSeeds(stream, marker, markers, 'was stopped');
}
