/**
 * Finds the tests that exercise a file the way the project's test runner finds tests: Python by
 * the project's pytest configuration (`testpaths`, `python_files`, `norecursedirs`; pytest's
 * defaults without one: `test_*.py` / `*_test.py` anywhere under the rootdir), JS/TS by the
 * vitest / jest / ava / mocha configuration or defaults (jsTestConfig.ts), plus `.critic.json`
 * `tests.paths` / `tests.patterns`. Of the files the runner would collect, the related ones are
 * named after the module or import it (read with tree-sitter, every import statement including
 * those inside `if` / `try`, resolved to a file the way Python or the bundler would). Every
 * decision is kept so `--verbose` can say why a test did or did not count.
 */
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import type { TestsConfig } from '../../config.js';
import { isJsFamily, languageOfPath } from '../../languages.js';
import type { ParsedFile, SyntaxService } from '../../syntax/syntaxService.js';
import type { FileSystemPort } from '../../types.js';
import type { SourceDocument } from '../tool.js';
import { jsTestConfigFor, type JsTestConfig } from './jsTestConfig.js';
import { pytestConfigFor, isNorecurse, matchesPythonFiles, type PytestConfig } from './pytestConfig.js';
import { pythonImportTargets, resolvesTo, type ResolveContext } from './pythonImports.js';
import { pythonModuleOf } from './pythonModule.js';
import { jsExtensions, jsImportsReach } from './jsImports.js';
import { matchesGlob } from './testGlobs.js';
import type { ParseMemo } from './parseMemo.js';

export interface DiscoveryOptions {
  fs: FileSystemPort;
  syntax: SyntaxService;
  signal?: AbortSignal;
  /** `.critic.json` `tests`. */
  tests?: TestsConfig;
  /** Test files whose imports are read at most (default 400). */
  maxCandidates?: number;
  /** Parses each candidate once per check (and once while it is unchanged), not once per file. */
  memo?: ParseMemo;
  /** What each Python test file reaches, shared by the files of one check (pythonImports.ts). */
  closures?: ResolveContext['closures'];
  /** The candidate test files of each walk, shared by the files of one check (their walks are the same). */
  walks?: Map<string, Promise<{ files: string[]; capped: boolean }>>;
}

/** What discovery found and why; the counts feed the run summary. */
export interface Discovery {
  /** The related test files, conventional names first. */
  files: string[];
  /** One line per decision, for the verbose log. */
  decisions: string[];
  /** Test files the runner would collect that were looked at. */
  candidates: number;
  /** Python: the project's pytest configuration (defaults when it has none). */
  pytest?: PytestConfig;
  /** Python: sys.path folders through which the related tests import the module. */
  importRoots: string[];
  /** JS/TS: the runner and patterns. */
  js?: JsTestConfig;
}

/** Never searched, whatever a configuration says. */
const skippedDirs = new Set(['node_modules', '.git', '.hg', '.venv', 'venv', 'env', '.env', '__pycache__', '.tox', '.nox', '.mypy_cache', '.pytest_cache', '.ruff_cache', 'dist', 'build', 'out', 'coverage', '.next', 'site-packages']);
const maxListed = 20_000;

/** Whether a path looks like a test file by the common conventions (no configuration read). */
export function isTestFile(path: string): boolean {
  const name = basename(path);
  if (name.endsWith('.py')) return /^test_.*\.py$/.test(name) || /_test\.py$/.test(name) || name === 'tests.py';
  if (!jsExtensions.includes(extname(name))) return false;
  return /\.(test|spec)\.[cm]?[jt]sx?$/.test(name) || path.split(sep).includes('__tests__');
}

function stripJsExtension(p: string): string {
  const ext = extname(p);
  return jsExtensions.includes(ext) ? p.slice(0, -ext.length) : p;
}

const slash = (p: string) => p.split(sep).join('/');

/** Test files named after the module, in the usual places. */
function conventionalCandidates(doc: SourceDocument): string[] {
  const dir = dirname(doc.path);
  const rel = relative(doc.projectRoot, dir);
  const relParts = rel && !rel.startsWith('..') ? rel.split(sep) : [];
  // `src/shop/cart.py` is mirrored as `tests/src/shop/test_cart.py`, `tests/shop/test_cart.py` and `tests/test_cart.py`.
  const mirrors = [...new Set([relParts, relParts[0] === 'src' || relParts[0] === 'lib' ? relParts.slice(1) : relParts, []].map((p) => p.join(sep)))];
  const roots = [dir, join(dir, 'test'), join(dir, 'tests'), join(dir, '__tests__'), ...['test', 'tests', '__tests__', 'spec'].flatMap((t) => mirrors.map((m) => join(doc.projectRoot, t, m)))];
  if (doc.language === 'python') {
    const stem = basename(doc.path, '.py').replace(/^_+/, '');
    return [...new Set(roots.flatMap((r) => [join(r, `test_${stem}.py`), join(r, `${stem}_test.py`)]))];
  }
  const stem = stripJsExtension(basename(doc.path));
  const names = jsExtensions.flatMap((e) => [`${stem}.test${e}`, `${stem}.spec${e}`]);
  const underTests = jsExtensions.map((e) => join(dir, '__tests__', `${stem}${e}`));
  return [...new Set([...roots.flatMap((r) => names.map((n) => join(r, n))), ...underTests])];
}

interface Walk {
  /** Everything the walk depends on besides the file system: walks with the same key find the same files. */
  key: string;
  /** Whether a file (absolute) is a test file the runner would collect. */
  isTest(path: string): boolean;
  /** Whether to descend into a folder (by name). */
  descend(name: string): boolean;
}

/** The test files under `starts` (folders or files), depth-first, bounded. */
async function collectTestFiles(starts: readonly string[], walk: Walk, limit: number, fs: FileSystemPort): Promise<{ files: string[]; capped: boolean }> {
  const files: string[] = [];
  const seen = new Set<string>();
  let listed = 0;
  let capped = false;
  const visit = async (dir: string, depth: number): Promise<void> => {
    if (files.length >= limit || listed >= maxListed) {
      capped = true;
      return;
    }
    const entries = await fs.readdir(dir);
    if (!entries) return;
    listed += entries.length;
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory) {
        if (depth < 16 && !skippedDirs.has(e.name) && walk.descend(e.name)) await visit(p, depth + 1);
      } else if (e.isFile && walk.isTest(p) && !seen.has(p)) {
        seen.add(p);
        files.push(p);
        if (files.length >= limit) {
          capped = true;
          return;
        }
      }
    }
  };
  for (const s of starts) {
    if (await fs.exists(join(s, '.'))) {
      if (await fs.readdir(s)) await visit(s, 0);
      else if (!seen.has(s)) {
        seen.add(s);
        files.push(s);
      }
    }
  }
  return { files, capped };
}

/** Where a Python project's runner looks, and which files it collects. */
function pythonWalk(doc: SourceDocument, cfg: PytestConfig, tests: TestsConfig | undefined): { starts: string[]; walk: Walk; describe: string } {
  const patterns = tests?.patterns ?? [];
  const starts = cfg.testpaths.length ? cfg.testpaths.map((t) => join(cfg.rootdir, t)) : [cfg.rootdir];
  for (const p of tests?.paths ?? []) starts.push(join(doc.projectRoot, p));
  const walk: Walk = {
    key: JSON.stringify(['python', starts, cfg.pythonFiles, Boolean(cfg.file), patterns, doc.projectRoot, cfg.norecursedirs]),
    isTest: (p) => {
      if (!p.endsWith('.py')) return false;
      if (matchesPythonFiles(slash(p), cfg.pythonFiles)) return true;
      // unittest's own default (`test*.py`), for projects that run `python -m unittest`.
      if (!cfg.file && /^test.*\.py$/.test(basename(p))) return true;
      return patterns.some((g) => matchesGlob(slash(relative(doc.projectRoot, p)), g));
    },
    descend: (name) => !isNorecurse(name, cfg.norecursedirs),
  };
  const rel = (p: string) => relative(doc.projectRoot, p) || '.';
  return { starts, walk, describe: `searching ${starts.map(rel).join(', ')} for ${[...cfg.pythonFiles, ...patterns].join(', ')}` };
}

/** Where a JS/TS project's runner looks, and which files it collects. */
function jsWalk(doc: SourceDocument, cfg: JsTestConfig, tests: TestsConfig | undefined): { starts: string[]; walk: Walk; describe: string } {
  const patterns = tests?.patterns ?? [];
  const starts = cfg.roots.length ? [...cfg.roots] : [cfg.root];
  for (const p of tests?.paths ?? []) starts.push(join(doc.projectRoot, p));
  const regex = cfg.regex.flatMap((r) => {
    try {
      return [new RegExp(r)];
    } catch {
      return [];
    }
  });
  const walk: Walk = {
    key: JSON.stringify(['js', starts, cfg.root, cfg.exclude, cfg.include, cfg.regex, patterns, doc.projectRoot]),
    isTest: (p) => {
      if (!jsExtensions.includes(extname(p)) || p.endsWith('.d.ts')) return false;
      const rel = slash(relative(cfg.root, p));
      if (cfg.exclude.some((g) => matchesGlob(rel, g.replace(/^\*\*\//, '**/')))) return false;
      if (cfg.include.some((g) => matchesGlob(rel, g)) || regex.some((r) => r.test(slash(p)))) return true;
      return patterns.some((g) => matchesGlob(slash(relative(doc.projectRoot, p)), g));
    },
    descend: (name) => !name.startsWith('.'),
  };
  return { starts, walk, describe: `searching ${starts.map((s) => relative(doc.projectRoot, s) || '.').join(', ')} for ${[...cfg.include, ...cfg.regex.map((r) => `/${r}/`), ...patterns].join(', ')}` };
}

/** Whether a JS file reaches the candidates only through node:test's `**\/test/**` folder pattern. */
function onlyByFolder(file: string, cfg: JsTestConfig): boolean {
  const rel = slash(relative(cfg.root, file));
  return !cfg.include.some((g) => !g.startsWith('**/test/**') && matchesGlob(rel, g));
}

/** Whether a JS/TS text imports or requires Node's test runner. */
function declaresNodeTests(text: string): boolean {
  return /(?:from\s*|import\s*\(\s*|require\s*\(\s*)(['"])(?:node:)?test\1/.test(text);
}

/** Finds the related test files of `doc` and says why. A test file under critique is its own test. */
export async function discoverRelatedTests(doc: SourceDocument, opts: DiscoveryOptions): Promise<Discovery> {
  const python = doc.language === 'python';
  const decisions: string[] = [];
  const log = (m: string) => decisions.push(m);
  const rel = (p: string) => relative(doc.projectRoot, p);
  const out: string[] = [];
  const importRoots = new Set<string>();
  if (isTestFile(doc.path)) {
    out.push(doc.path);
    log(`related: ${rel(doc.path)} (the file is a test file itself)`);
  }
  const pytest = python ? await pytestConfigFor(doc.path, doc.projectRoot, opts.fs, log) : undefined;
  const js = python ? undefined : await jsTestConfigFor(doc.path, doc.projectRoot, opts.fs, log);
  const { starts, walk, describe } = python ? pythonWalk(doc, pytest!, opts.tests) : jsWalk(doc, js!, opts.tests);
  log(describe);
  for (const c of conventionalCandidates(doc)) {
    if (out.includes(c) || !(await opts.fs.exists(c))) continue;
    out.push(c);
    log(`related: ${rel(c)} (named after the module)`);
  }
  const limit = opts.maxCandidates ?? 400;
  const walkKey = `${limit}\0${walk.key}`;
  let walked = opts.walks?.get(walkKey);
  if (!walked) {
    walked = collectTestFiles(starts, walk, limit, opts.fs);
    opts.walks?.set(walkKey, walked);
  }
  const { files: candidates, capped } = await walked;
  if (capped) log(`stopped after ${candidates.length} candidate test files (limit ${limit})`);
  const target = python ? await pythonModuleOf(doc.path, opts.fs) : undefined;
  const stem = python ? target!.name.split('.').pop()! : stripJsExtension(basename(doc.path));
  const needle = stem === 'index' || stem === '__init__' ? basename(dirname(doc.path)) : stem;
  let unrelated = 0;
  const throughPackage: string[] = [];
  for (const file of candidates) {
    if (out.includes(file)) continue;
    const language = languageOfPath(file);
    if (!language || isJsFamily(language) === python) continue;
    let text: string;
    try {
      text = await opts.fs.readFile(file);
    } catch {
      continue;
    }
    const no = (why: string) => {
      if (unrelated++ < 40) log(`not related: ${rel(file)} (${why})`);
    };
    // Cheap filter before parsing: an import that reaches the module names it (or, for a package re-export, its package).
    const pkg = python && target!.name.includes('.') ? target!.name.split('.')[0]! : undefined;
    // JS/TS: `import … from '../src'` names a folder whose index re-exports the module.
    const relativeJs = !python && /(['"])\.\.?(?:\/[^'"\n]*)?\1/.test(text);
    // Python: a test may reach it through its own package's helpers (`from . import tomllib`, `from tests._common import …`).
    const ownPackage = python ? (await pythonModuleOf(file, opts.fs)).name.split('.') : [];
    const throughOwn = python && (/^\s*from\s+\./m.test(text) || (ownPackage.length > 1 && new RegExp(`^\\s*(?:from|import)\\s+${ownPackage[0]}\\b`, 'm').test(text)));
    if (!text.includes(needle) && !(pkg && text.includes(pkg)) && !relativeJs && !throughOwn) {
      no(`does not mention ${needle}`);
      continue;
    }
    // `node --test` with no files runs every script in a test/ folder, but a project whose tests
    // are named (`x.test.js`) keeps benchmarks, fixtures and build checks there: under node:test's
    // defaults, a file found only by its folder is a test when it declares tests with node:test.
    if (!python && js?.runner === 'node:test' && js.source === 'defaults' && onlyByFolder(file, js) && !declaresNodeTests(text)) {
      no('a script in a test folder that declares no node:test tests');
      continue;
    }
    const key = `critic-test-imports:${file}`;
    try {
      const parsed = opts.memo ? await opts.memo.analyse(file, text, language, opts.signal) : await opts.syntax.analyse(key, text, language, opts.signal);
      if (python) {
        const how = await resolvesTo(parsed, file, doc.path, { fs: opts.fs, syntax: opts.syntax, projectRoot: doc.projectRoot, rootdir: pytest!.rootdir, pythonpath: pytest!.pythonpath, signal: opts.signal, memo: opts.memo, closures: opts.closures });
        if (how) {
          // Tests that import the module itself run before those that reach it through a package.
          (how.reexport ? throughPackage : out).push(file);
          for (const r of how.roots ?? [how.root]) importRoots.add(r);
          log(`related: ${rel(file)} (imports ${how.via})`);
        } else no(`its imports (${pythonImportTargets(parsed, await pythonModuleOf(file, opts.fs)).slice(0, 4).join(', ') || 'none'}) do not reach ${target!.name}`);
      } else {
        const textOf = (p: string) => (p === doc.path ? Promise.resolve(doc.text) : opts.fs.readFile(p).catch(() => undefined));
        const how = await jsImportsReach(file, parsed.imports.map((i) => i.source), doc.path, doc.projectRoot, opts.fs, textOf);
        if (how) {
          (how.reexport ? throughPackage : out).push(file);
          log(`related: ${rel(file)} (imports ${how.reexport ? `${how.via}, which re-exports ${basename(doc.path)}` : basename(doc.path)})`);
        } else no(`does not import ${basename(doc.path)}${relativeJs ? ' (nor a module re-exporting it)' : ''}`);
      }
    } finally {
      opts.syntax.drop(key);
    }
  }
  out.push(...throughPackage);
  if (unrelated > 40) log(`… and ${unrelated - 40} more unrelated test files`);
  if (!out.length) log(`no related tests for ${rel(doc.path)} among ${candidates.length} candidate test files`);
  return { files: out, decisions, candidates: candidates.length, pytest, js, importRoots: [...importRoots] };
}

/** The related test files of `doc` (see discoverRelatedTests). */
export async function relatedTestFiles(doc: SourceDocument, opts: DiscoveryOptions): Promise<string[]> {
  return (await discoverRelatedTests(doc, opts)).files;
}
