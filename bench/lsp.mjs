// Benchmarks the language server through a real JSON-RPC client over stdio (the same client the
// tests use), static tier (not trusted: syntax, TypeScript, ruff). Prints medians with min–max,
// next to the CLI (`critic check --no-exec`, one process per file) on the same files in the same run.
//
//   npm run bench:lsp            (or: node bench/lsp.mjs [--runs=N])
// Targets (issue 10): warm didOpen of a 1,000-line file ≤ 300 ms; a one-line edit ≤ 50 ms median;
// server start to first static finding on a 200-line file ≤ 1 s cold.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pythonFile, typescriptFile } from './generate.mjs';
import { cell, summary, timeProcess } from './stats.mjs';
import { startLsp, uriOf } from '../test/support/lspClient.mjs';

const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 7);
const root = mkdtempSync(join(tmpdir(), 'critic-bench-lsp-'));
const cli = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'dist', 'cli.js');
writeFileSync(join(root, '.critic.json'), '{}\n');

// One static finding at the end of each file, so "first finding" has something to find.
const py = (lines) => `${pythonFile(lines - 3)}\ndef broken():\n    return undefined_name\n`;
const ts = (lines) => `${typescriptFile(lines - 2)}\nexport const bad: number = "x";\n`;
const kinds = [
  { name: 'Python', ext: 'py', language: 'python', make: py, rule: 'ruff-F821' },
  { name: 'TypeScript', ext: 'ts', language: 'typescript', make: ts, rule: 'ts-2322' },
];

const rows = [];
let memory;
const raw = [];
const row = (what, lsp, baseline, target) => {
  raw.push({ what, server: summary(lsp), cli: baseline ? summary(baseline) : null, target });
  rows.push({ what, lsp: cell(summary(lsp)), baseline: baseline ? cell(summary(baseline)) : '—', target });
};

/** Time from didOpen to the server's final publish for that document. */
async function openAndWait(client, path, text, language) {
  const uri = uriOf(path);
  const t0 = performance.now();
  await client.open(path, text, language);
  await client.waitStatus(uri, 1);
  return performance.now() - t0;
}

function cliRuns(path) {
  const out = [];
  for (let i = 0; i < Math.max(3, Math.ceil(runs / 2)); i++) {
    const r = timeProcess(process.execPath, [cli, 'check', path, '--no-exec', '--fail-on', 'never', '-q'], { cwd: root });
    if (r.status !== 0) throw new Error(`critic check failed: ${r.stderr}`);
    out.push(r.ms);
  }
  return out;
}

try {
  // 1 and 2: one warm server, static tier.
  const client = await startLsp({ root, settings: { debounceMs: 0 } });
  for (const k of kinds) {
    const warm = join(root, `warm.${k.ext}`);
    await openAndWait(client, warm, k.make(1000), k.language);
    const opens = [];
    for (let i = 0; i < runs; i++) {
      const path = join(root, `open${i}.${k.ext}`);
      const text = k.make(1000);
      writeFileSync(path, text);
      opens.push(await openAndWait(client, path, text, k.language));
      const last = client.lastFor(uriOf(path), 1);
      if (!last.some((d) => d.code === k.rule)) throw new Error(`no ${k.rule} in ${path}: ${JSON.stringify(last)}`);
    }
    const cliPath = join(root, `open0.${k.ext}`);
    row(`${k.name}: 1,000-line file, didOpen → static findings (warm)`, opens, cliRuns(cliPath), '≤ 300 ms');

    const edits = [];
    for (let i = 0; i < Math.max(runs * 3, 20); i++) {
      const line = 10 + ((i * 37) % 900);
      const t0 = performance.now();
      const v = client.change(warm, { start: { line, character: 0 }, end: { line, character: 0 } }, i % 2 ? '' : ' ');
      await client.waitStatus(uriOf(warm), v);
      edits.push(performance.now() - t0);
    }
    row(`${k.name}: one-line edit of that file, re-critiqued (static)`, edits, null, '≤ 50 ms median');
  }
  // Memory over 200 consecutive edits of the Python file (the server's RSS from /proc).
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${client.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  const memPath = join(root, 'memory.py');
  const memText = py(1000);
  writeFileSync(memPath, memText);
  await openAndWait(client, memPath, memText, 'python');
  const samples = [];
  for (let i = 1; i <= 200; i++) {
    const line = 10 + ((i * 37) % 900);
    const v = client.change(memPath, { start: { line, character: 0 }, end: { line, character: 0 } }, i % 2 ? '' : ' ');
    await client.waitStatus(uriOf(memPath), v);
    if (i === 20 || i === 200) samples.push(rss());
  }
  memory = { after20: samples[0], after200: samples[1] };
  await client.stop();

  // 3: cold start to the first static finding.
  for (const k of kinds) {
    const path = join(root, `cold.${k.ext}`);
    const text = k.make(200);
    writeFileSync(path, text);
    const colds = [];
    for (let i = 0; i < Math.max(3, Math.ceil(runs / 2)); i++) {
      const t0 = performance.now();
      const c = await startLsp({ root, settings: { debounceMs: 0 } });
      await c.open(path, text, k.language);
      await c.waitFor(uriOf(path), (p) => p.diagnostics.some((d) => d.code === k.rule));
      colds.push(performance.now() - t0);
      await c.stop();
    }
    row(`${k.name}: server start → first static finding, 200 lines (cold)`, colds, cliRuns(path), '≤ 1 s');
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

const w = [62, 26, 26, 16];
const line = (cols) => cols.map((c, i) => String(c).padEnd(w[i])).join(' ');
console.log(`critic lsp (stdio, static tier), ${runs} runs; baseline: critic check --no-exec (a process per run, same file); load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')} on ${(await import('node:os')).availableParallelism()} cores\n`);
console.log(line(['measurement', 'server median (min–max)', 'CLI median (min–max)', 'target']));
for (const r of rows) console.log(line([r.what, r.lsp, r.baseline, r.target]));
console.log(`\nserver RSS over 200 one-line edits of a 1,000-line Python file: ${memory.after20.toFixed(0)} MB after 20, ${memory.after200.toFixed(0)} MB after 200 (target: no growth)`);

const benchDir = join(cli, '..', '..', '.bench');
mkdirSync(benchDir, { recursive: true });
writeFileSync(join(benchDir, 'lsp.json'), JSON.stringify({ loadavg: (await import('node:os')).loadavg(), runs, rows: raw, memory }, null, 2));
