/**
 * How Python sees a file: its dotted module name and the folder that must be on sys.path for the
 * user's own imports (including package-relative ones) to work as they do in the project.
 */
import { basename, dirname, join } from 'node:path';
import type { FileSystemPort } from '../../types.js';

export interface PythonModule {
  /** Dotted name, e.g. `shop.cart` (or `shop` for `shop/__init__.py`). */
  name: string;
  /** Whether the file is a package's `__init__.py`. */
  isPackage: boolean;
  /** The folder above the top package (or the file's folder outside packages): goes first on sys.path. */
  root: string;
}

function stemOf(file: string): string {
  return basename(file).replace(/\.pyi?$/, '');
}

/** Walks up while `__init__.py` exists to find the top package, like Python's own import system. */
export async function pythonModuleOf(file: string, fs: FileSystemPort): Promise<PythonModule> {
  const stem = stemOf(file);
  const isPackage = stem === '__init__';
  const parts = isPackage ? [] : [stem];
  let dir = dirname(file);
  if (isPackage) {
    parts.unshift(basename(dir));
    dir = dirname(dir);
  }
  // Bounded so a pathological tree cannot make this loop long.
  for (let i = 0; i < 32 && dirname(dir) !== dir && (await fs.exists(join(dir, '__init__.py'))); i++) {
    parts.unshift(basename(dir));
    dir = dirname(dir);
  }
  return { name: parts.join('.'), isPackage, root: dir };
}

/**
 * The absolute dotted module an import statement's source names, resolving leading dots against
 * the importing module (`from ..util import x` in `shop.cart.views` → `shop.util`). Undefined when
 * the dots climb above the top package.
 */
export function absoluteModule(source: string, importer: PythonModule): string | undefined {
  const dots = /^\.*/.exec(source)![0].length;
  if (dots === 0) return source;
  const pkg = importer.name.split('.');
  if (!importer.isPackage) pkg.pop();
  // Python refuses a relative import outside a package, and one that climbs above the top package.
  if (pkg.length === 0 || dots - 1 >= pkg.length) return undefined;
  const base = pkg.slice(0, pkg.length - (dots - 1));
  const rest = source.slice(dots);
  return [...base, ...(rest ? [rest] : [])].join('.') || undefined;
}

/** The names an import statement brings in from its module (`from a import b, c as d` → b, c). */
export function importedNames(statement: string): string[] {
  const m = /\bimport\s+\(?([\s\S]*?)\)?\s*$/.exec(statement);
  if (!m || !/^\s*from\b/.test(statement)) return [];
  return m[1]!
    .split(',')
    .map((p) => p.trim().split(/\s+as\s+/)[0]!.trim())
    .filter((n) => /^\w+$/.test(n));
}

/** Files a dotted module may live in under `root`: `a/b.py` or `a/b/__init__.py`. */
export function moduleFileCandidates(root: string, dotted: string): string[] {
  const rel = dotted.split('.');
  return [join(root, ...rel) + '.py', join(root, ...rel, '__init__.py')];
}

/**
 * The texts of the project files a module imports directly (and its parent packages' `__init__.py`),
 * so a cached result is dropped when a sibling the examples depend on changes. Bounded; files that
 * cannot be read are skipped.
 */
export async function localDependencyTexts(
  module: PythonModule,
  imports: ReadonlyArray<{ source: string; text: string }>,
  fs: FileSystemPort,
  limit = 24,
): Promise<Array<[string, string]>> {
  const dotted = new Set<string>();
  const parts = module.name.split('.');
  for (let i = 1; i < parts.length; i++) dotted.add(parts.slice(0, i).join('.'));
  for (const imp of imports) {
    const abs = absoluteModule(imp.source, module);
    if (!abs) continue;
    dotted.add(abs);
    for (const n of importedNames(imp.text)) dotted.add(`${abs}.${n}`);
  }
  const out: Array<[string, string]> = [];
  for (const d of [...dotted].sort()) {
    if (out.length >= limit) break;
    for (const file of moduleFileCandidates(module.root, d)) {
      if (!(await fs.exists(file))) continue;
      try {
        out.push([file, await fs.readFile(file)]);
      } catch {
        /* unreadable: the run will say so if it matters */
      }
      break;
    }
  }
  return out;
}
