/**
 * Whether a Python test file's imports reach a module, resolved the way the interpreter would
 * under pytest: every import statement (also inside `if` / `try` / functions), `import a.b`,
 * `from a import b` (module or attribute), relative imports, searched in the folders pytest puts
 * on sys.path (the test's basedir, the rootdir, `pythonpath`, a `src/` layout, the module's own
 * package root as if installed). Imports are followed through the project's own modules: a
 * package `__init__.py` that re-exports the module, a test helper or a module that uses it count
 * as reaching it (resolvesTo).
 */
import { join, sep } from 'node:path';
import type { ParsedFile, SyntaxService } from '../../syntax/syntaxService.js';
import type { FileSystemPort } from '../../types.js';
import { absoluteModule, moduleFileCandidates, pythonModuleOf, type PythonModule } from './pythonModule.js';
import type { ParseMemo } from './parseMemo.js';

/** The dotted modules an import statement may load (`import a.b as c, d` → a, a.b, d; `from a import b` → a, a.b). */
export function statementTargets(statement: string, importer: PythonModule): string[] {
  const text = statement.replace(/#[^\n]*/g, '').replace(/\\\n/g, ' ');
  const from = /^\s*from\s+([.\w]+)\s+import\s+\(?([\s\S]*?)\)?\s*$/.exec(text);
  const out: string[] = [];
  if (from) {
    const base = absoluteModule(from[1]!, importer);
    if (!base) return [];
    out.push(base);
    for (const part of from[2]!.split(',')) {
      const name = part.trim().split(/\s+as\s+/)[0]!.trim();
      if (/^\w+$/.test(name)) out.push(`${base}.${name}`);
    }
    return out;
  }
  const imp = /^\s*import\s+([\s\S]+)$/.exec(text);
  if (!imp) return [];
  for (const part of imp[1]!.split(',')) {
    const name = part.trim().split(/\s+as\s+/)[0]!.trim();
    if (/^[\w.]+$/.test(name)) out.push(name);
  }
  return out;
}

/** Every dotted module a parsed file imports (and the packages above each, which load first), in order, without repeats. */
export function pythonImportTargets(parsed: ParsedFile, importer: PythonModule): string[] {
  const out = new Set<string>();
  for (const dotted of parsed.imports.flatMap((i) => statementTargets(i.text, importer))) {
    out.add(dotted);
    const parts = dotted.split('.');
    for (let i = parts.length - 1; i > 0; i--) out.add(parts.slice(0, i).join('.'));
  }
  return [...out];
}

export interface ResolveContext {
  fs: FileSystemPort;
  syntax: SyntaxService;
  projectRoot: string;
  /** pytest's rootdir. */
  rootdir: string;
  /** pytest `pythonpath` entries, relative to the rootdir. */
  pythonpath: readonly string[];
  signal?: AbortSignal;
  /** Parses once per check instead of once per file under critique. */
  memo?: ParseMemo;
  /**
   * What each test file reaches, once for all the modules of a check. Only share it between
   * checks whose reads go through one recording file system (relatedTests.ts).
   */
  closures?: Map<string, Promise<Map<string, Reach>>>;
}

/** The file a dotted module is loaded from, searching `roots` in order. */
async function locate(dotted: string, roots: readonly string[], fs: FileSystemPort): Promise<{ file: string; root: string } | undefined> {
  for (const root of roots) {
    for (const file of moduleFileCandidates(root, dotted)) if (await fs.exists(file)) return { file, root };
  }
  return undefined;
}

/** The sys.path folders pytest (prepend import mode) would search for a test file's imports. */
async function searchRoots(testFile: string, target: string, ctx: ResolveContext): Promise<string[]> {
  const testModule = await pythonModuleOf(testFile, ctx.fs);
  const targetModule = await pythonModuleOf(target, ctx.fs);
  const roots = [testModule.root, ctx.rootdir, ...ctx.pythonpath.map((p) => join(ctx.rootdir, p)), ctx.projectRoot, join(ctx.rootdir, 'src'), join(ctx.projectRoot, 'src'), targetModule.root];
  return [...new Set(roots)];
}

/** Project modules read while following a test's imports (per test file), and how deep. */
const maxFollowed = 40;
const maxDepth = 4;

/** Whether a file is the project's own code (not an installed copy or a virtual environment). */
function isProjectFile(file: string, projectRoot: string): boolean {
  return file.startsWith(projectRoot + sep) && !file.split(sep).some((p) => p === 'site-packages' || p === 'node_modules' || p === '.venv' || p === '.tox');
}

/** The dotted modules a project file imports, resolved to files (its own package root first). */
async function importedFiles(file: string, ctx: ResolveContext, roots: readonly string[]): Promise<Array<{ dotted: string; file: string; root: string }>> {
  let text: string;
  try {
    text = await ctx.fs.readFile(file);
  } catch {
    return [];
  }
  const key = `critic-local-imports:${file}`;
  try {
    const parsed = ctx.memo ? await ctx.memo.analyse(file, text, 'python', ctx.signal) : await ctx.syntax.analyse(key, text, 'python', ctx.signal);
    const mod = await pythonModuleOf(file, ctx.fs);
    const out: Array<{ dotted: string; file: string; root: string }> = [];
    for (const dotted of pythonImportTargets(parsed, mod)) {
      const hit = await locate(dotted, [mod.root, ...roots], ctx.fs);
      if (hit && hit.file !== file) out.push({ dotted, file: hit.file, root: hit.root });
    }
    return out;
  } finally {
    ctx.syntax.drop(key);
  }
}

/**
 * How `test` reaches the module at `target`: the import that does and the sys.path folder it
 * resolves through; undefined when none does. Besides a direct import, the test's imports are
 * followed through the project's own modules (breadth-first, bounded): a package `__init__.py`
 * that re-exports it, the test package's helpers (`from . import tomllib` where
 * `tests/__init__.py` does `import tomli as tomllib`), a public module that uses a private one
 * (`tomli/_parser.py` imports `tomli/_re.py`). A bug there is what those tests would catch.
 */
export async function resolvesTo(test: ParsedFile, testFile: string, target: string, ctx: ResolveContext): Promise<Reach | undefined> {
  const roots = await searchRoots(testFile, target, ctx);
  const key = `${testFile}\0${roots.join('\0')}`;
  let closure = ctx.closures?.get(key);
  if (!closure) {
    const walk = (closure = reachable(test, testFile, roots, ctx));
    if (ctx.closures) {
      ctx.closures.set(key, walk);
      // A walk cut short (a cancelled check) is not an answer for the next module.
      walk.catch(() => ctx.closures?.get(key) === walk && ctx.closures.delete(key));
    }
  }
  return (await closure).get(target);
}

/** How a test file reaches a module (resolvesTo). */
export interface Reach {
  via: string;
  root: string;
  roots?: string[];
  reexport?: boolean;
}

/**
 * Every file the test's imports reach, each with the first way they reach it, in the order a
 * search for one of them would meet it: one walk answers for every module of a check.
 */
async function reachable(test: ParsedFile, testFile: string, roots: readonly string[], ctx: ResolveContext): Promise<Map<string, Reach>> {
  const importer = await pythonModuleOf(testFile, ctx.fs);
  interface Step {
    file: string;
    root: string;
    chain: Array<{ dotted: string; file: string; root: string }>;
  }
  const out = new Map<string, Reach>();
  let frontier: Step[] = [];
  const seen = new Set<string>([testFile]);
  for (const dotted of pythonImportTargets(test, importer)) {
    const hit = await locate(dotted, roots, ctx.fs);
    if (!hit || seen.has(hit.file)) continue;
    out.set(hit.file, { via: dotted, root: hit.root });
    seen.add(hit.file);
    frontier.push({ file: hit.file, root: hit.root, chain: [{ dotted, file: hit.file, root: hit.root }] });
  }
  let followed = 0;
  for (let depth = 0; depth < maxDepth && frontier.length; depth++) {
    const next: Step[] = [];
    for (const step of frontier) {
      if (!isProjectFile(step.file, ctx.projectRoot) || followed++ >= maxFollowed) continue;
      for (const hit of await importedFiles(step.file, ctx, roots)) {
        if (seen.has(hit.file)) continue;
        seen.add(hit.file);
        // Every folder the chain resolved through goes on sys.path (`tests` from the rootdir, `tomli` from `src/`).
        out.set(hit.file, { via: describeChain(step.chain), root: step.root, roots: [...new Set([...step.chain.map((c) => c.root), hit.root])], reexport: true });
        next.push({ file: hit.file, root: step.root, chain: [...step.chain, hit] });
      }
    }
    frontier = next;
  }
  return out;
}

/** `tomli (whose __init__.py imports it)`, `tests (whose __init__.py imports tomli, which imports it)`. */
function describeChain(chain: ReadonlyArray<{ dotted: string; file: string }>): string {
  const says = (c: { file: string }) => (c.file.endsWith(`${sep}__init__.py`) ? 'whose __init__.py imports' : 'which imports');
  const words = chain.map((c, i) => `${i ? `${c.dotted}, ` : ''}${says(c)}`);
  return `${chain[0]!.dotted} (${words.join(' ')} it)`;
}
