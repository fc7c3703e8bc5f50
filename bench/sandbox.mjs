// Per-run overhead of the sandbox: median (min–max) wall time of N trivial Python runs through
// the real sandbox, next to the same interpreter started directly in the same process.
//   node esbuild.mjs && node bench/sandbox.mjs [runs]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeContext, out } from '../test/support/engine.mjs';

const runs = Number(process.argv[2] ?? 20);
const { createSandbox } = await import(out('engine/sandbox/sandbox.js'));
const ctx = makeContext();
const sandbox = await createSandbox({ exec: ctx.exec, log: ctx.log, execution: ctx.config.execution });
if (sandbox.isolation !== 'bubblewrap') throw new Error(`no bubblewrap sandbox here: ${sandbox.reason}`);
const root = mkdtempSync(join(tmpdir(), 'critic-bench-'));
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1] };
};
const timeIt = async (f) => {
  const t = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - t) / 1e6;
};
try {
  await sandbox.run({ interpreter: 'python', args: ['-c', 'pass'], projectRoot: root, timeoutMs: 10_000 });
  const direct = [];
  const boxed = [];
  const python = spawnSync('python3', ['-I', '-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).stdout.trim();
  for (let i = 0; i < runs; i++) {
    direct.push(await timeIt(() => spawnSync(python, ['-c', 'print(1)'])));
    boxed.push(await timeIt(() => sandbox.run({ interpreter: 'python', args: ['-c', 'print(1)'], projectRoot: root, timeoutMs: 10_000 })));
  }
  const fmt = ({ median, min, max }) => `${median.toFixed(1)} ms (${min.toFixed(1)}–${max.toFixed(1)})`;
  const d = stats(direct);
  const b = stats(boxed);
  console.log(`| what | median (min–max) over ${runs} runs |\n|---|---|`);
  console.log(`| python -c 'print(1)' directly | ${fmt(d)} |`);
  console.log(`| same through the sandbox | ${fmt(b)} |`);
  console.log(`| sandbox overhead (median difference) | ${(b.median - d.median).toFixed(1)} ms |`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
