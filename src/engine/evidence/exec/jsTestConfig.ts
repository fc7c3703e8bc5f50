/**
 * Which files a JS/TS project's test runner collects, read statically: vitest (`vitest.config.*`,
 * `vite.config.*` `test.include` / `test.exclude` / `test.dir`), jest (`jest.config.*` or the
 * `jest` key of package.json: `testMatch`, `testRegex`, `roots`), ava and mocha by their defaults
 * and literal settings. Config files are JS/TS programs: only string literals in them are read,
 * they are never executed (they belong to the untrusted repository).
 */
import { dirname, join } from 'node:path';
import type { FileSystemPort } from '../../types.js';
import { ancestors } from '../../findUp.js';
import { mochaScriptArgs, mochaSpecHints } from './mochaRunner.js';

export type JsRunnerName = 'vitest' | 'jest' | 'ava' | 'mocha' | 'uvu' | 'node:test';

export interface JsTestConfig {
  runner: JsRunnerName;
  /** The package folder the patterns are relative to. */
  root: string;
  /** Where the patterns came from (a file, `package.json#jest`, or `defaults`). */
  source: string;
  /** Globs relative to `root` a test file matches (any of). */
  include: string[];
  /** jest `testRegex` sources, matched against the absolute path. */
  regex: string[];
  exclude: string[];
  /** Folders (absolute) the runner searches; empty means `root`. */
  roots: string[];
}

export const jsRunnerDefaults: Record<JsRunnerName, string[]> = {
  vitest: ['**/*.{test,spec}.?(c|m)[jt]s?(x)'],
  jest: ['**/__tests__/**/*.?([mc])[jt]s?(x)', '**/?(*.)+(spec|test).?([mc])[jt]s?(x)'],
  ava: ['test.{js,mjs,cjs}', 'src/test.{js,mjs,cjs}', 'source/test.{js,mjs,cjs}', '**/test-*.{js,mjs,cjs}', '**/*.spec.{js,mjs,cjs}', '**/*.test.{js,mjs,cjs}', '**/test/**/*.{js,mjs,cjs}', '**/tests/**/*.{js,mjs,cjs}', '**/__tests__/**/*.{js,mjs,cjs}'],
  mocha: ['test/*.{js,cjs,mjs}'],
  // uvu's own default pattern: files in a test(s)/__test(s)__ folder, or named *.test(s) / *.spec.
  uvu: ['**/{test,tests,__test__,__tests__}/**/*.{js,mjs,cjs,ts,tsx,jsx}', '**/*.{test,tests,spec}.{js,mjs,cjs,ts,tsx,jsx}'],
  'node:test': ['**/*.test.{js,mjs,cjs,ts,mts,cts}', '**/*-test.{js,mjs,cjs,ts,mts,cts}', '**/*_test.{js,mjs,cjs,ts,mts,cts}', '**/test-*.{js,mjs,cjs,ts,mts,cts}', '**/test.{js,mjs,cjs,ts,mts,cts}', '**/test/**/*.{js,mjs,cjs,ts,mts,cts}'],
};

const configExts = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'];

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
  jest?: Record<string, unknown>;
  ava?: Record<string, unknown>;
  mocha?: Record<string, unknown>;
}

/** The string literals of the array written after `key:` in a config's text (first occurrence). */
export function literalArray(text: string, key: string): string[] | undefined {
  const m = new RegExp(`(?:^|[\\s,{])['"]?${key}['"]?\\s*:\\s*\\[([^\\]]*)\\]`, 'm').exec(text);
  if (!m) return undefined;
  return [...m[1]!.matchAll(/(['"`])((?:\\.|(?!\1).)*)\1/g)].map((x) => x[2]!.replace(/\\(.)/g, '$1'));
}

/**
 * The text without the objects written after the given keys (braces balanced, strings skipped):
 * vitest's `coverage: { include: […] }` lists source files, not tests, and must not be read as
 * `test.include`.
 */
export function withoutObjects(text: string, keys: readonly string[]): string {
  const re = new RegExp(`(?:^|[\\s,{])['"]?(?:${keys.join('|')})['"]?\\s*:\\s*\\{`, 'gm');
  let out = '';
  let from = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index < from) continue;
    let depth = 0;
    let i = m.index + m[0].length - 1;
    let quote: string | undefined;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (quote) {
        if (c === '\\') i++;
        else if (c === quote) quote = undefined;
      } else if (c === '"' || c === "'" || c === '`') quote = c;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) break;
    }
    out += text.slice(from, m.index + m[0].length - 1);
    from = i + 1;
    re.lastIndex = from;
  }
  return out + text.slice(from);
}

/** Objects of a vitest config whose `include` / `exclude` / `dir` are not about test files. */
const nonTestObjects = ['coverage', 'typecheck', 'benchmark', 'server', 'deps', 'optimizeDeps', 'build', 'browser', 'watch'];

/** The string literal written after `key:` (first occurrence). */
export function literalString(text: string, key: string): string | undefined {
  const m = new RegExp(`(?:^|[\\s,{])['"]?${key}['"]?\\s*:\\s*(['"\`])((?:\\\\.|(?!\\1).)*)\\1`, 'm').exec(text);
  return m ? m[2]!.replace(/\\(.)/g, '$1') : undefined;
}

const frameworks = ['vitest', 'jest', 'ava', 'mocha', 'uvu'] as const;

/**
 * The runner a package's manifest declares: the one its `test` script starts (`node --test`
 * included), else its dependencies, then any `test:*` script (a monorepo package's `"test:lib":
 * "vitest"`); `node:test` when none does. The script comes first: a package that tests with
 * `node --test` and keeps mocha for an editor's test runner runs its tests with node:test.
 */
export function declaredRunner(pkg: Manifest): JsRunnerName {
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  const scripts = Object.entries(pkg.scripts ?? {});
  const test = pkg.scripts?.test ?? '';
  const testScripts = scripts.filter(([k]) => /^test[:-]/.test(k)).map(([, v]) => v).join('\n');
  for (const r of frameworks) if (new RegExp(`\\b${r}\\b`).test(test)) return r;
  if (/\bnode\b[^&|;]*\s--test\b/.test(test)) return 'node:test';
  for (const text of [test, testScripts]) for (const r of frameworks) if (r in deps || new RegExp(`\\b${r}\\b`).test(text)) return r;
  return 'node:test';
}

/**
 * The runner of the package in `dir`: what its manifest declares, else a runner config file in the
 * folder (`vitest.config.ts`, `jest.config.js`), else what the enclosing packages up to the
 * project root declare (a workspace root that installs vitest for every package).
 */
async function runnerOf(dir: string, pkg: Manifest, projectRoot: string, fs: FileSystemPort): Promise<JsRunnerName> {
  const own = declaredRunner(pkg);
  if (own !== 'node:test') return own;
  for (const ext of configExts) {
    if (await fs.exists(join(dir, `vitest.config.${ext}`))) return 'vitest';
    if (await fs.exists(join(dir, `jest.config.${ext}`))) return 'jest';
  }
  if (await fs.exists(join(dir, 'jest.config.json'))) return 'jest';
  // The folders above the package, up to the project root (a workspace root installs for every package).
  for (const d of ancestors(dir, { root: projectRoot })) {
    if (d === dir) continue;
    const text = await readText(fs, join(d, 'package.json'));
    if (text !== undefined) {
      try {
        const up = declaredRunner(JSON.parse(text) as Manifest);
        if (up !== 'node:test') return up;
      } catch {
        /* unreadable manifest: keep looking */
      }
    }
  }
  return 'node:test';
}

async function readText(fs: FileSystemPort, path: string): Promise<string | undefined> {
  if (!(await fs.exists(path))) return undefined;
  try {
    return await fs.readFile(path);
  } catch {
    return undefined;
  }
}

/** The nearest package.json folder from `file` up to the project root, with its parsed manifest. */
export async function nearestPackage(file: string, projectRoot: string, fs: FileSystemPort): Promise<{ dir: string; pkg: Manifest } | undefined> {
  for (const dir of ancestors(dirname(file), { root: projectRoot })) {
    const text = await readText(fs, join(dir, 'package.json'));
    if (text !== undefined) {
      try {
        return { dir, pkg: JSON.parse(text) as Manifest };
      } catch {
        return { dir, pkg: {} };
      }
    }
  }
  return undefined;
}

const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : undefined);

/** The test-file patterns of the project `file` belongs to; `log` hears where they came from. */
export async function jsTestConfigFor(file: string, projectRoot: string, fs: FileSystemPort, log?: (msg: string) => void): Promise<JsTestConfig> {
  const found = await nearestPackage(file, projectRoot, fs);
  const root = found?.dir ?? projectRoot;
  const pkg = found?.pkg ?? {};
  const runner = await runnerOf(root, pkg, projectRoot, fs);
  const base: JsTestConfig = { runner, root, source: 'defaults', include: [...jsRunnerDefaults[runner]], regex: [], exclude: [], roots: [] };
  const rootDir = (p: string) => join(root, p.replace(/^<rootDir>\/?/, ''));
  if (runner === 'vitest') {
    for (const name of ['vitest.config', 'vite.config', 'vitest.workspace']) {
      for (const ext of configExts) {
        const path = join(root, `${name}.${ext}`);
        const raw = await readText(fs, path);
        if (raw === undefined) continue;
        const text = withoutObjects(raw, nonTestObjects);
        const include = literalArray(text, 'include');
        const exclude = literalArray(text, 'exclude');
        const dir = literalString(text, 'dir');
        if (include?.length) base.include = include;
        if (exclude) base.exclude = exclude;
        if (dir) base.roots = [join(root, dir)];
        base.source = path;
        log?.(`test configuration: ${path} (vitest include ${JSON.stringify(base.include)})`);
        return base;
      }
    }
  }
  if (runner === 'jest') {
    let values: ((k: string) => string[] | undefined) | undefined;
    if (pkg.jest && typeof pkg.jest === 'object') {
      const j = pkg.jest;
      values = (k) => strings(j[k]);
      base.source = join(root, 'package.json#jest');
    } else {
      for (const ext of [...configExts, 'json']) {
        const path = join(root, `jest.config.${ext}`);
        const text = await readText(fs, path);
        if (text === undefined) continue;
        if (ext === 'json') {
          let j: Record<string, unknown> = {};
          try {
            j = JSON.parse(text) as Record<string, unknown>;
          } catch {
            /* unreadable: defaults */
          }
          values = (k) => strings(j[k]);
        } else values = (k) => literalArray(text, k) ?? (k === 'testRegex' ? strings(literalString(text, k)) : undefined);
        base.source = path;
        break;
      }
    }
    if (values) {
      const match = values('testMatch');
      const regex = values('testRegex');
      const roots = values('roots');
      if (match?.length) base.include = match.map((m) => m.replace(/^<rootDir>\//, ''));
      if (regex?.length) {
        base.regex = regex;
        if (!match?.length) base.include = [];
      }
      if (roots?.length) base.roots = roots.map(rootDir);
      base.exclude = (values('testPathIgnorePatterns') ?? []).map((p) => p.replace(/^<rootDir>\//, ''));
      log?.(`test configuration: ${base.source} (jest testMatch ${JSON.stringify(base.include)}${base.regex.length ? `, testRegex ${JSON.stringify(base.regex)}` : ''}${base.roots.length ? `, roots ${JSON.stringify(base.roots)}` : ''})`);
      return base;
    }
  }
  if (runner === 'ava') {
    const files = strings(pkg.ava?.files);
    if (files?.length) {
      base.include = files.filter((f) => !f.startsWith('!'));
      base.exclude = files.filter((f) => f.startsWith('!')).map((f) => f.slice(1));
      base.source = join(root, 'package.json#ava');
    }
  }
  if (runner === 'mocha') {
    // mocha runs the union of the specs its command line, its rc file and package.json#mocha name.
    const hints = mochaSpecHints(mochaScriptArgs(pkg.scripts));
    const spec = [...hints.spec];
    const sources = spec.length ? [join(root, 'package.json#scripts.test')] : [];
    let recursive = hints.recursive;
    const extensions = [...hints.extensions];
    for (const name of ['.mocharc.js', '.mocharc.cjs', '.mocharc.json', '.mocharc.jsonc', '.mocharc.yml', '.mocharc.yaml']) {
      const text = await readText(fs, join(root, name));
      if (text === undefined) continue;
      const rc = literalArray(text, 'spec') ?? strings(literalString(text, 'spec')) ?? [...text.matchAll(/^spec:\s*['"]?([^'"\n]+)/gm)].map((m) => m[1]!.trim());
      spec.push(...rc);
      if (rc.length) sources.push(join(root, name));
      if (/['"]?recursive['"]?\s*:\s*true/.test(text)) recursive = true;
      extensions.push(...(literalArray(text, 'extension') ?? strings(literalString(text, 'extension')) ?? []));
      break;
    }
    const fromPkg = strings(pkg.mocha?.spec) ?? [];
    if (fromPkg.length) sources.push(join(root, 'package.json#mocha'));
    spec.push(...fromPkg);
    if (pkg.mocha?.recursive === true) recursive = true;
    extensions.push(...(strings(pkg.mocha?.extension) ?? []));
    const exts = [...new Set(['js', 'cjs', 'mjs', ...extensions.map((e) => e.replace(/^\./, ''))])];
    const inFolder = (dir: string) => `${dir.replace(/\/+$/, '')}/${recursive ? '**/' : ''}*.{${exts.join(',')}}`;
    if (spec.length) {
      // A folder (no glob, no extension) stands for the test files in it, as mocha reads it.
      base.include = spec.map((g) => g.replace(/^\.\//, '')).map((g) => (/[*?{[]/.test(g) || /\.\w+$/.test(g) ? g : inFolder(g)));
      base.source = sources.join(', ');
    } else if (recursive || extensions.length) base.include = [inFolder('test')];
  }
  if (runner === 'uvu') {
    // `uvu [dir] [pattern]`: the folder it searches (options and their values skipped).
    const words = /\buvu\b(.*)/.exec(pkg.scripts?.test ?? '')?.[1]?.split(/\s+/).filter(Boolean) ?? [];
    const positional = words.filter((w, i) => !w.startsWith('-') && !/^-(r|i|-require|-ignore)$/.test(words[i - 1] ?? '') && !/[&|;]/.test(w));
    const dir = positional[0];
    if (dir && !dir.includes('..')) {
      base.roots = [join(root, dir)];
      base.include = ['**/*.{js,mjs,cjs,ts,tsx,jsx}'];
      base.source = join(root, 'package.json#scripts.test');
    }
  }
  log?.(`test configuration: ${base.source === 'defaults' ? `${runner} defaults` : base.source} (${JSON.stringify(base.include)})`);
  return base;
}
