/**
 * Finds the tests that exercise a file: by naming convention (`tests/test_x.py`, `x_test.py`,
 * `x.test.ts`, `x.spec.js`, `__tests__/x.ts`, …) and by reading the imports of candidate test
 * files with tree-sitter. The search is bounded (folders, depth, files) and skips dependency and
 * build folders.
 */
import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { isJsFamily, languageOfPath } from '../../languages.js';
import type { ParsedFile, SyntaxService } from '../../syntax/syntaxService.js';
import type { FileSystemPort } from '../../types.js';
import type { SourceDocument } from '../tool.js';
import { absoluteModule, importedNames, pythonModuleOf, type PythonModule } from './pythonModule.js';

export interface DiscoveryOptions {
  fs: FileSystemPort;
  syntax: SyntaxService;
  signal?: AbortSignal;
  /** Test files whose imports are read at most (default 200). */
  maxCandidates?: number;
}

const skippedDirs = new Set(['node_modules', '.git', '.hg', '.venv', 'venv', 'env', '.env', '__pycache__', '.tox', '.nox', '.mypy_cache', '.pytest_cache', 'dist', 'build', 'out', 'coverage', '.next', 'site-packages']);
const testDirNames = new Set(['test', 'tests', '__tests__', 'spec', 'testing']);
const jsExtensions = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

/** Whether a path looks like a test file for its language family. */
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

/** Test files named after the module, in the usual places. */
function conventionalCandidates(doc: SourceDocument): string[] {
  const dir = dirname(doc.path);
  const rel = relative(doc.projectRoot, dir);
  const relParts = rel && !rel.startsWith('..') ? rel.split(sep) : [];
  // `src/shop/cart.py` is mirrored as `tests/src/shop/test_cart.py`, `tests/shop/test_cart.py` and `tests/test_cart.py`.
  const mirrors = [...new Set([relParts, relParts[0] === 'src' || relParts[0] === 'lib' ? relParts.slice(1) : relParts, []].map((p) => p.join(sep)))];
  const roots = [dir, join(dir, 'test'), join(dir, 'tests'), join(dir, '__tests__'), ...['test', 'tests', '__tests__', 'spec'].flatMap((t) => mirrors.map((m) => join(doc.projectRoot, t, m)))];
  if (doc.language === 'python') {
    const stem = basename(doc.path, '.py');
    return [...new Set(roots.flatMap((r) => [join(r, `test_${stem}.py`), join(r, `${stem}_test.py`)]))];
  }
  const stem = stripJsExtension(basename(doc.path));
  const names = jsExtensions.flatMap((e) => [`${stem}.test${e}`, `${stem}.spec${e}`]);
  const underTests = jsExtensions.map((e) => join(dir, '__tests__', `${stem}${e}`));
  return [...new Set([...roots.flatMap((r) => names.map((n) => join(r, n))), ...underTests])];
}

/** Test-looking files in the file's folder and in test folders between it and the project root. */
async function scannedCandidates(doc: SourceDocument, python: boolean, limit: number): Promise<string[]> {
  const found: string[] = [];
  let listed = 0;
  const maxListed = 4000;
  const list = async (dir: string, depth: number, inTestDir: boolean): Promise<void> => {
    if (found.length >= limit || listed >= maxListed) return;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    listed += entries.length;
    for (const e of entries) {
      if (found.length >= limit) return;
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (depth > 0 && !skippedDirs.has(e.name) && !e.name.startsWith('.')) await list(p, depth - 1, inTestDir || testDirNames.has(e.name));
      } else if (e.isFile() && (python ? e.name.endsWith('.py') : jsExtensions.includes(extname(e.name)))) {
        if (isTestFile(p) || (inTestDir && !e.name.startsWith('_'))) found.push(p);
      }
    }
  };
  await list(dirname(doc.path), 0, false);
  for (let d = dirname(doc.path); ; d = dirname(d)) {
    for (const t of testDirNames) await list(join(d, t), 4, true);
    if (d === doc.projectRoot || dirname(d) === d || !d.startsWith(doc.projectRoot)) break;
  }
  return found;
}

function importsPythonModule(test: ParsedFile, testModule: PythonModule, target: PythonModule): boolean {
  for (const imp of test.imports) {
    const abs = absoluteModule(imp.source, testModule);
    if (!abs) continue;
    const names = [abs, ...importedNames(imp.text).map((n) => `${abs}.${n}`)];
    // A dotted suffix also counts: tests often put a package folder itself on sys.path.
    if (names.some((n) => n === target.name || target.name.endsWith(`.${n}`))) return true;
  }
  return false;
}

function importsJsModule(test: ParsedFile, testFile: string, target: string): boolean {
  const wanted = stripJsExtension(target);
  for (const imp of test.imports) {
    if (!imp.source.startsWith('.')) continue;
    const p = stripJsExtension(resolve(dirname(testFile), imp.source));
    if (p === wanted || (basename(wanted) === 'index' && p === dirname(wanted))) return true;
  }
  return false;
}

/** The test files that exercise `doc`, conventional names first. A test file under critique is its own test. */
export async function relatedTestFiles(doc: SourceDocument, opts: DiscoveryOptions): Promise<string[]> {
  const python = doc.language === 'python';
  const out: string[] = [];
  if (isTestFile(doc.path)) out.push(doc.path);
  for (const c of conventionalCandidates(doc)) if (!out.includes(c) && (await opts.fs.exists(c))) out.push(c);
  const target = python ? await pythonModuleOf(doc.path, opts.fs) : undefined;
  const stem = python ? target!.name.split('.').pop()! : stripJsExtension(basename(doc.path));
  for (const file of await scannedCandidates(doc, python, opts.maxCandidates ?? 200)) {
    if (out.includes(file)) continue;
    const language = languageOfPath(file);
    if (!language || isJsFamily(language) === python) continue;
    let text: string;
    try {
      text = await opts.fs.readFile(file);
    } catch {
      continue;
    }
    // Cheap filter before parsing: an import of the module names it somewhere.
    if (!text.includes(stem === 'index' ? basename(dirname(doc.path)) : stem)) continue;
    const key = `critic-test-imports:${file}`;
    try {
      const parsed = await opts.syntax.analyse(key, text, language, opts.signal);
      const hit = python ? importsPythonModule(parsed, await pythonModuleOf(file, opts.fs), target!) : importsJsModule(parsed, file, doc.path);
      if (hit) out.push(file);
    } finally {
      opts.syntax.drop(key);
    }
  }
  return out;
}
