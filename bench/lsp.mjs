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
import { createRequire } from 'node:module';
import v8 from 'node:v8';

// The server runs wasm Liftoff-only; so does the in-process ruff baseline below.
v8.setFlagsFromString('--liftoff-only');
const requireDep = createRequire(import.meta.url);

const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? 7);
// --only=typescript (or python) limits the languages; --parts=open,edit,memory,cold the measurements.
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
// --before=<another build's dist/cli.js>: its cold starts alternate with this build's (before/after in one run).
const before = process.argv.find((a) => a.startsWith('--before='))?.slice(9);
const parts = new Set(process.argv.find((a) => a.startsWith('--parts='))?.slice(8).split(',') ?? ['open', 'edit', 'memory', 'cold']);
const root = mkdtempSync(join(tmpdir(), 'critic-bench-lsp-'));
const cli = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', 'dist', 'cli.js');
writeFileSync(join(root, '.critic.json'), '{}\n');
// Every process of this run (servers and CLI baselines) shares a fresh user cache folder: the first
// one compiles TypeScript and writes the V8 code cache, the later ones (the cold rows too) load it,
// as a returning user's would; nothing of the user's own cache is read or written.
process.env.CRITIC_CACHE_DIR = join(root, 'user-cache');

// One static finding at the end of each file, so "first finding" has something to find.
const py = (lines) => `${pythonFile(lines - 3)}\ndef broken():\n    return undefined_name\n`;
const ts = (lines) => `${typescriptFile(lines - 2)}\nexport const bad: number = "x";\n`;
const kinds = [
  { name: 'Python', ext: 'py', language: 'python', make: py, rule: 'ruff-F821' },
  { name: 'TypeScript', ext: 'ts', language: 'typescript', make: ts, rule: 'ts-2322' },
].filter((k) => !only || only.includes(k.language));

const rows = [];
let memory;
const raw = [];
const row = (what, lsp, baseline, target) => {
  raw.push({ what, server: summary(lsp), cli: baseline ? summary(baseline) : null, target });
  rows.push({ what, lsp: cell(summary(lsp)), baseline: baseline ? cell(summary(baseline)) : '—', target });
};

/**
 * A real one-line edit: even steps insert a space at the start of a line, odd steps delete it
 * again (an empty replacement of an empty range would be a no-op the server never re-checks).
 */
function oneLineEdit(client, path, i) {
  const line = editedLine(i);
  return i % 2 === 0
    ? client.change(path, { start: { line, character: 0 }, end: { line, character: 0 } }, ' ')
    : client.change(path, { start: { line, character: 0 }, end: { line, character: 1 } }, '');
}

/** The same edit as `oneLineEdit`, on a string. */
function editText(text, i) {
  const lines = text.split('\n');
  const line = editedLine(i);
  lines[line] = i % 2 === 0 ? ' ' + lines[line] : lines[line].slice(1);
  return lines.join('\n');
}

/** The first 0-based line each bench edit touches (see `oneLineEdit`). */
const editedLine = (i) => 10 + ((Math.floor(i / 2) * 37) % 900);

/**
 * The floor for a re-check: the tool alone, warm, in this process, on the same edits — a
 * TypeScript language service (what tsserver does per edit: syntactic + semantic diagnostics of
 * the file, from snapshots that carry the change range as tsserver's do) or a ruff wasm Workspace.
 * For TypeScript `region` also times what tsserver sends first for a large file: syntactic
 * diagnostics and `getRegionSemanticDiagnostics` of the edited line widened to its function or
 * class member, as the server asks for. The server's number minus this is Critic's own overhead.
 */
function toolAlone(kind, text, count) {
  const times = [];
  const region = [];
  if (kind.ext === 'ts') {
    const ts = requireDep('typescript');
    const file = join(root, 'alone.ts');
    let version = 0;
    const snapshots = new Map();
    const snapshotOf = (t) => {
      const snap = ts.ScriptSnapshot.fromString(t);
      snap.getChangeRange = (old) => {
        const a = old.getText(0, old.getLength());
        let start = 0;
        while (start < Math.min(a.length, t.length) && a.charCodeAt(start) === t.charCodeAt(start)) start++;
        let ea = a.length;
        let eb = t.length;
        while (ea > start && eb > start && a.charCodeAt(ea - 1) === t.charCodeAt(eb - 1)) ea--, eb--;
        return { span: { start, length: ea - start }, newLength: eb - start };
      };
      return snap;
    };
    const options = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, moduleDetection: ts.ModuleDetectionKind.Force, strict: true, skipLibCheck: true, noEmit: true, types: ['*'] };
    const host = {
      getCompilationSettings: () => options, getScriptFileNames: () => [file], getScriptVersion: (f) => (f === file ? String(version) : '0'),
      getScriptSnapshot: (f) => {
        if (f === file) {
          if (!snapshots.has(version)) snapshots.set(version, snapshotOf(text));
          return snapshots.get(version);
        }
        return ts.sys.fileExists(f) ? ts.ScriptSnapshot.fromString(ts.sys.readFile(f)) : undefined;
      },
      getCurrentDirectory: () => root, getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: ts.sys.fileExists, readFile: ts.sys.readFile, readDirectory: ts.sys.readDirectory, directoryExists: ts.sys.directoryExists, getDirectories: ts.sys.getDirectories,
    };
    const service = ts.createLanguageService(host, ts.createDocumentRegistry());
    service.getSemanticDiagnostics(file);
    /** The edited line widened to the top-level statement (or class member) it is in. */
    const rangeOf = (line) => {
      const sf = service.getProgram().getSourceFile(file);
      const pos = sf.getLineStarts()[line];
      const inside = (n) => n.getStart(sf) <= pos && pos < n.end;
      let node = sf.statements.find(inside);
      if (node && ts.isClassDeclaration(node)) node = node.members.find(inside) ?? node;
      const end = sf.getLineStarts()[line + 1];
      return node ? { pos: Math.min(pos, node.getStart(sf)), end: Math.max(end, node.end) } : { pos, end };
    };
    for (let i = 0; i < count * 2; i++) {
      text = editText(text, i);
      version++;
      snapshots.delete(version - 2);
      const t0 = performance.now();
      service.getSyntacticDiagnostics(file);
      // Alternate: even rounds time the region answer first (then the whole file, untimed, as
      // the server does), odd rounds the whole file alone.
      if (i % 2 === 0) {
        if (!service.getRegionSemanticDiagnostics(file, [rangeOf(editedLine(i))])) throw new Error('TypeScript declined a region check');
        region.push(performance.now() - t0);
        service.getSemanticDiagnostics(file);
      } else {
        service.getSemanticDiagnostics(file);
        times.push(performance.now() - t0);
      }
    }
    service.dispose();
  } else {
    const { Workspace, PositionEncoding } = requireDep('@astral-sh/ruff-wasm-nodejs');
    const ws = new Workspace({ lint: { select: ['E9', 'F', 'B', 'PLE'] } }, PositionEncoding.Utf16);
    ws.check(text);
    for (let i = 0; i < count; i++) {
      text = editText(text, i);
      const t0 = performance.now();
      ws.check(text);
      times.push(performance.now() - t0);
    }
    ws.free();
  }
  return { times, region };
}

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
    if (parts.has('open')) {
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
    }
    if (!parts.has('edit')) continue;

    const edits = [];
    const regions = [];
    for (let i = 0; i < Math.max(runs * 3, 20); i++) {
      const t0 = performance.now();
      const v = oneLineEdit(client, warm, i);
      const uri = uriOf(warm);
      // TypeScript answers for the edited region first (partial: 'region'), then the whole file.
      const first = await Promise.race([client.waitStatus(uri, v, 'tools-done', (s) => s.partial === 'region'), client.waitStatus(uri, v)]);
      if (first.partial === 'region') regions.push(performance.now() - t0);
      await client.waitStatus(uri, v);
      edits.push(performance.now() - t0);
    }
    const alone = toolAlone(k, k.make(1000), edits.length);
    if (k.ext === 'ts') {
      if (regions.length !== edits.length) throw new Error(`only ${regions.length} of ${edits.length} TypeScript edits got a region answer`);
      row(`${k.name}: one-line edit, edit → region findings published`, regions, alone.region, '≤ 50 ms median');
      row(`${k.name}: one-line edit, edit → full-file findings published`, edits, alone.times, '(authoritative)');
    } else {
      row(`${k.name}: one-line edit of that file, re-critiqued (static)`, edits, alone.times, '≤ 50 ms median');
    }
  }
  // Memory over 200 consecutive edits of the Python file (the server's RSS from /proc).
  if (parts.has('memory')) {
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${client.pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  const memPath = join(root, 'memory.py');
  const memText = py(1000);
  writeFileSync(memPath, memText);
  await openAndWait(client, memPath, memText, 'python');
  const samples = [];
  const start = rss();
  for (let i = 0; i < 200; i++) {
    const v = oneLineEdit(client, memPath, i);
    await client.waitStatus(uriOf(memPath), v);
    samples.push(rss());
  }
  // The server cannot be asked to collect garbage, so these are RSS as the kernel sees it.
  memory = { start, after20: samples[19], after200: samples[199], peak: Math.max(...samples) };
  }
  await client.stop();

  // 3: cold start to the first static finding.
  for (const k of parts.has('cold') ? kinds : []) {
    const path = join(root, `cold.${k.ext}`);
    const text = k.make(200);
    writeFileSync(path, text);
    const colds = [];
    const beforeColds = [];
    const coldOnce = async (cliPath) => {
      const t0 = performance.now();
      const c = await startLsp({ root, settings: { debounceMs: 0 }, ...(cliPath ? { cli: cliPath } : {}) });
      await c.open(path, text, k.language);
      await c.waitFor(uriOf(path), (p) => p.diagnostics.some((d) => d.code === k.rule));
      const ms = performance.now() - t0;
      await c.stop();
      return ms;
    };
    // Each build's first start writes its V8 code cache for TypeScript; a returning user's is there.
    await coldOnce();
    if (before) await coldOnce(before);
    // With --before, the other build's server starts alternate with this one's (same machine state).
    for (let i = 0; i < Math.max(3, Math.ceil(runs / 2)); i++) {
      colds.push(await coldOnce());
      if (before) beforeColds.push(await coldOnce(before));
    }
    row(`${k.name}: server start → first static finding, 200 lines (cold)`, colds, cliRuns(path), '≤ 1 s');
    if (before) row(`  the same with the --before build (${before})`, beforeColds, undefined, '');
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

const w = [62, 26, 26, 16];
const line = (cols) => cols.map((c, i) => String(c).padEnd(w[i])).join(' ');
console.log(`critic lsp (stdio, static tier, debounce 0 so no idle wait is in any number), ${runs} runs; baseline: critic check --no-exec (a process per run, same file), and for edits the tool alone in-process (a warm TypeScript language service — region check and whole-file check — / ruff wasm Workspace, same edits); load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')} on ${(await import('node:os')).availableParallelism()} cores\n`);
console.log(line(['measurement', 'server median (min–max)', 'baseline median (min–max)', 'target']));
for (const r of rows) console.log(line([r.what, r.lsp, r.baseline, r.target]));
if (memory) console.log(`\nserver RSS over 200 one-line edits of a 1,000-line Python file: ${memory.start.toFixed(0)} MB before, ${memory.after20.toFixed(0)} MB after 20, ${memory.after200.toFixed(0)} MB after 200, peak ${memory.peak.toFixed(0)} MB (target: no growth)`);

const benchDir = join(cli, '..', '..', '.bench');
mkdirSync(benchDir, { recursive: true });
writeFileSync(join(benchDir, 'lsp.json'), JSON.stringify({ loadavg: (await import('node:os')).loadavg(), runs, rows: raw, memory }, null, 2));
