/** Finding the files to critique: explicit files, and folders walked with .gitignore respected. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { languageOfPath } from '../engine/languages.js';
import { UsageError } from './args.js';

/** Folders that never hold code worth critiquing. */
const skippedDirs = new Set([
  'node_modules', '.git', '.hg', '.svn', 'dist', 'build', 'out', 'coverage', '.next', '.nuxt', '.turbo',
  '__pycache__', '.venv', 'venv', '.tox', '.nox', '.mypy_cache', '.pytest_cache', '.ruff_cache',
  'site-packages', '.eggs', '.cache', '.vscode-test',
]);

interface IgnoreLayer {
  dir: string;
  rules: Ignore;
}

async function readIgnoreFile(dir: string): Promise<Ignore | undefined> {
  try {
    return ignore().add(await readFile(join(dir, '.gitignore'), 'utf8'));
  } catch {
    return undefined;
  }
}

function ignoredBy(layers: readonly IgnoreLayer[], path: string, isDir: boolean): boolean {
  for (const layer of layers) {
    const rel = relative(layer.dir, path).split(sep).join('/');
    if (!rel || rel.startsWith('..')) continue;
    if (layer.rules.ignores(isDir ? `${rel}/` : rel)) return true;
  }
  return false;
}

async function isVirtualEnv(dir: string): Promise<boolean> {
  return stat(join(dir, 'pyvenv.cfg')).then(
    () => true,
    () => false,
  );
}

/**
 * Expands the command-line paths into supported source files. Missing paths and explicitly
 * named unsupported files are usage errors; folders silently skip what Critic cannot read.
 * `projectIgnore` holds the configuration's `ignore` patterns, relative to `root`.
 */
export async function collectFiles(paths: readonly string[], cwd: string, root: string, projectIgnore: readonly string[]): Promise<string[]> {
  const config: IgnoreLayer = { dir: root, rules: ignore().add([...projectIgnore]) };
  const out = new Set<string>();
  for (const p of paths) {
    const abs = resolve(cwd, p);
    const info = await stat(abs).catch(() => undefined);
    if (!info) throw new UsageError(`no such file or folder: ${p}`);
    if (info.isFile()) {
      if (!languageOfPath(abs)) throw new UsageError(`unsupported file type: ${p} (Critic reads .py, .js, .jsx, .mjs, .cjs, .ts, .tsx, .mts, .cts)`);
      out.add(abs);
      continue;
    }
    // .gitignore files from the root down to the folder apply, as in git.
    const layers: IgnoreLayer[] = [config];
    for (let d = root; abs.startsWith(d); ) {
      const rules = await readIgnoreFile(d);
      if (rules) layers.push({ dir: d, rules });
      const next = relative(d, abs).split(sep)[0];
      if (!next || next === '..') break;
      d = join(d, next);
    }
    await walk(abs, layers, out);
  }
  return [...out].sort();
}

async function walk(dir: string, layers: IgnoreLayer[], out: Set<string>): Promise<void> {
  const own = await readIgnoreFile(dir);
  const here = own && !layers.some((l) => l.dir === dir) ? [...layers, { dir, rules: own }] : layers;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (skippedDirs.has(e.name) || ignoredBy(here, p, true) || (await isVirtualEnv(p))) continue;
      await walk(p, here, out);
    } else if (e.isFile() && languageOfPath(p) && !ignoredBy(here, p, false)) {
      out.add(p);
    }
  }
}
