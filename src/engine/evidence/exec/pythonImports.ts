/**
 * Whether a Python test file's imports reach a module, resolved the way the interpreter would
 * under pytest: every import statement (also inside `if` / `try` / functions), `import a.b`,
 * `from a import b` (module or attribute), relative imports, searched in the folders pytest puts
 * on sys.path (the test's basedir, the rootdir, `pythonpath`, a `src/` layout, the module's own
 * package root as if installed). A package `__init__.py` that imports the module counts as
 * reaching it (`from pkg import func` where `pkg/__init__.py` re-exports `func` from `pkg.core`).
 */
import { dirname, join, sep } from 'node:path';
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

/** Whether a package's `__init__.py` imports the module at `target` (one level of re-export). */
async function initReexports(init: string, target: string, ctx: ResolveContext, roots: readonly string[]): Promise<boolean> {
  if (!target.startsWith(dirname(init) + sep)) return false;
  let text: string;
  try {
    text = await ctx.fs.readFile(init);
  } catch {
    return false;
  }
  const key = `critic-init-imports:${init}`;
  try {
    const parsed = ctx.memo ? await ctx.memo.analyse(init, text, 'python', ctx.signal) : await ctx.syntax.analyse(key, text, 'python', ctx.signal);
    const pkg = await pythonModuleOf(init, ctx.fs);
    for (const dotted of pythonImportTargets(parsed, pkg)) {
      const hit = await locate(dotted, [pkg.root, ...roots], ctx.fs);
      if (hit?.file === target) return true;
    }
    return false;
  } finally {
    ctx.syntax.drop(key);
  }
}

/**
 * How `test` reaches the module at `target`: the import that does and the sys.path folder it
 * resolves through; undefined when none does.
 */
export async function resolvesTo(test: ParsedFile, testFile: string, target: string, ctx: ResolveContext): Promise<{ via: string; root: string; reexport?: boolean } | undefined> {
  const importer = await pythonModuleOf(testFile, ctx.fs);
  const roots = await searchRoots(testFile, target, ctx);
  const inits = new Set<string>();
  for (const dotted of pythonImportTargets(test, importer)) {
    const hit = await locate(dotted, roots, ctx.fs);
    if (!hit) continue;
    if (hit.file === target) return { via: dotted, root: hit.root };
    if (hit.file.endsWith(`${sep}__init__.py`) && !inits.has(hit.file)) {
      inits.add(hit.file);
      if (inits.size <= 8 && (await initReexports(hit.file, target, ctx, roots))) return { via: `${dotted} (whose __init__.py imports it)`, root: hit.root, reexport: true };
    }
  }
  return undefined;
}
