/**
 * Runs a project's ava tests (ava 4 and later) with the project's own ava inside the sandbox. ava
 * reads its own configuration (`ava.config.*`, `package.json#ava`) through a configuration file of
 * Critic's that loads the project's and turns ava's cache off (ava writes it to
 * `node_modules/.cache/ava`, which is read-only in the sandbox: every file failed with `mkdir`
 * ENOENT). The wrapper reads ava's TAP output as it streams and writes one result line per test to
 * the result channel (protocol.ts). ava runs each test file in its own worker, so a file that
 * fails to load is reported on its own and hides nothing. The tests load the files on disk: the
 * unsaved text of the file under critique is mounted over its file (SandboxRunRequest.overlays).
 */
import { join } from 'node:path';
import type { FileSystemPort } from '../../types.js';
import { ancestors } from '../../findUp.js';
import { jsResultsChannel } from './runnerPrelude.js';

export const avaRunnerFile = 'critic_ava.mjs';
export const avaConfigFile = 'critic_ava.config.mjs';

export interface AvaRunnerConfig {
  marker: string;
  /** Absolute path of ava's CLI entry (`entrypoints/cli.mjs`). */
  bin: string;
  /** The package folder ava starts in (its project folder). */
  cwd: string;
  files: string[];
}

/** The project's ava: `{ bin }`, `{ old: version }` for an ava before 4, or undefined when not installed. */
export async function avaBin(dir: string, projectRoot: string, fs: FileSystemPort): Promise<{ bin: string } | { old: string } | undefined> {
  for (const d of ancestors(dir, { root: projectRoot })) {
    const pkgDir = join(d, 'node_modules', 'ava');
    const bin = join(pkgDir, 'entrypoints', 'cli.mjs');
    if (await fs.exists(bin)) return { bin };
    if (await fs.exists(join(pkgDir, 'package.json'))) {
      const version = await fs
        .readFile(join(pkgDir, 'package.json'))
        .then((t) => String((JSON.parse(t) as { version?: unknown }).version ?? '?'))
        .catch(() => '?');
      return { old: version };
    }
  }
  return undefined;
}

// The project's own configuration with the cache off (ava rejects `watch` in a config file).
export const avaConfig = String.raw`
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
const dir = process.env.CRITIC_AVA_CWD || process.cwd();
let own = {};
for (const name of ['ava.config.js', 'ava.config.mjs', 'ava.config.cjs']) {
  const path = join(dir, name);
  if (existsSync(path)) {
    own = (await import(pathToFileURL(path).href)).default;
    break;
  }
}
export default async (ctx) => ({ ...(typeof own === 'function' ? await own(ctx) : own), cache: false, failFast: false });
`;

// Runs as an ES module; String.raw keeps backslashes, and the text has no backtick or dollar-brace.
export const avaRunner = String.raw`
import { readFileSync, rmSync, openSync, writeSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
${jsResultsChannel}
// ava prefixes each title with its file when it runs several (reporters/prefix-title.js): the
// same prefixes tell which file a result is from.
const common = (paths) => {
  if (paths.length < 2) return '';
  const parts = paths[0].split(sep);
  let end = parts.length;
  for (const p of paths.slice(1)) {
    const q = p.split(sep);
    for (let i = 0; i < end; i++) if (q[i] !== parts[i]) end = i;
  }
  const prefix = parts.slice(0, end).join(sep);
  return prefix.endsWith(sep) ? prefix : prefix + sep;
};
const base = common(cfg.files);
const prefixes = cfg.files.length < 2 ? [] : cfg.files.map((file) => {
  const parts = (file.startsWith(base) ? file.slice(base.length) : file).split(sep).filter((p) => p !== '__tests__');
  const name = parts.pop().replace(/\.spec\./, '.').replace(/\.test\./, '.').replace(/test-/, '').replace(/\.[^.]+$/, '');
  return { file, prefix: [...parts, name].join(' \u203a ') + ' \u203a ' };
}).sort((a, b) => b.prefix.length - a.prefix.length);
const fileOf = (title) => {
  if (cfg.files.length < 2) return { file: cfg.files[0] || '', title };
  const hit = prefixes.find((p) => title.startsWith(p.prefix));
  return hit ? { file: hit.file, title: title.slice(hit.prefix.length) } : undefined;
};
// A small reader of the YAML block ava writes under a failing test (supertap).
const readYaml = (lines) => {
  const out = {};
  let key;
  let diff = [];
  let inDiff = false;
  for (const raw of lines) {
    const m = /^    ([A-Za-z]\w*):\s?(.*)$/.exec(raw);
    if (m) {
      inDiff = false;
      key = m[1];
      out[key] = m[2].replace(/^['"]|['"]$/g, '').replace(/^[|>]-?$/, '');
      continue;
    }
    if (/Difference/.test(raw)) {
      inDiff = true;
      continue;
    }
    if (inDiff) {
      diff.push(raw.trim());
      continue;
    }
    if (key && /^      /.test(raw)) out[key] = (out[key] ? out[key] + ' ' : '') + raw.trim();
  }
  out.diff = diff;
  return out;
};
let pending;
let crash;
const flush = () => {
  if (!pending) return;
  const p = pending;
  pending = undefined;
  const y = readYaml(p.yaml);
  const exited = /^(.+?) exited with a non-zero exit code: \d+$/.exec(p.title) || /^(.+?) exited due to (\w+)$/.exec(p.title);
  if (exited) {
    const file = isAbsolute(exited[1]) ? exited[1] : resolve(cfg.cwd, exited[1]);
    emit({ t: 'collect', file, msg: (crash && crash.msg) || p.title, stack: (crash && crash.stack) || '' });
    crash = undefined;
    return;
  }
  const where = fileOf(p.title);
  if (!where) {
    // Outside any test (a file that throws while loading, an uncaught exception): its file follows.
    crash = { msg: p.title, stack: y.at ? '    at ' + y.at : '' };
    return;
  }
  const name = where.title;
  const ev = { t: 'result', id: where.file + '::' + name, name, leaf: name.split(' \u203a ').pop(), file: where.file, line: 0, outcome: p.skip ? 'skipped' : p.ok ? 'passed' : 'failed' };
  if (!p.ok && !p.skip) {
    const timedOut = /timed out/i.test(y.message || '') || /timed out/i.test(p.title);
    if (timedOut) ev.outcome = 'timeout';
    ev.exc = y.name || 'Error';
    ev.msg = (y.message || (y.assertion ? y.assertion + ' failed' : 'failed')).slice(0, 2000);
    const actual = y.diff.filter((l) => l.startsWith('- ')).map((l) => l.slice(2));
    const expected = y.diff.filter((l) => l.startsWith('+ ')).map((l) => l.slice(2));
    if (actual.length === 1 && expected.length === 1) {
      ev.actual = actual[0];
      ev.expected = expected[0];
    }
    ev.stack = y.at ? '    at ' + y.at : '';
  }
  emit(ev);
};
const config = fileURLToPath(new URL('./critic_ava.config.mjs', import.meta.url));
const child = spawn(process.execPath, [cfg.bin, '--tap', '--config', config, ...cfg.files], { cwd: cfg.cwd, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CI: '1', FORCE_COLOR: '0', NO_COLOR: '1', CRITIC_AVA_CWD: cfg.cwd } });
child.on('error', (e) => {
  emit({ t: 'collect', file: cfg.files[0] || '', msg: 'could not start ava: ' + e.message, frames: [] });
});
const rl = createInterface({ input: child.stdout });
let inYaml = false;
rl.on('line', (line) => {
  if (inYaml) {
    if (/^  \.\.\.\s*$/.test(line)) inYaml = false;
    else if (pending) pending.yaml.push(line);
    return;
  }
  if (/^  ---\s*$/.test(line)) {
    inYaml = true;
    return;
  }
  const m = /^(not )?ok \d+ - (.*?)(?: # (SKIP|TODO)\b.*)?$/.exec(line);
  if (m) {
    flush();
    pending = { ok: !m[1], title: m[2], skip: m[3] === 'SKIP' || m[3] === 'TODO', yaml: [] };
    return;
  }
  // Anything else is ava's own or the tests' output: kept on stderr for the log.
  if (line.trim() && !/^(TAP version|1\.\.\d+|# )/.test(line)) process.stderr.write(line + '\n');
});
rl.on('close', () => {
  flush();
  if (crash) emit({ t: 'collect', file: cfg.files[0] || '', msg: crash.msg, stack: crash.stack });
  emit({ t: 'end', runner: 'ava' });
  process.exitCode = 0;
});
`;
