/**
 * Which module a relative JS/TS import names, resolved the way bundlers and TypeScript do
 * (extensionless, `./x.js` standing for `./x.ts`, a folder's `index`), and whether a test's imports
 * reach a file directly or through re-exporting modules (`import { f } from '../src'` with
 * `src/index.ts` saying `export * from './utils'`). Only files inside the project are followed, and
 * re-export chains only a few levels deep: the aim is the project's own barrels, not its graph.
 */
import { dirname, extname, join, resolve, sep } from 'node:path';
import type { FileSystemPort } from '../../types.js';

export const jsExtensions = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
/** `./x.js` in TypeScript sources names `./x.ts` (and so on). */
const tsCounterparts: Record<string, string[]> = { '.js': ['.ts', '.tsx'], '.jsx': ['.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };
const maxDepth = 4;

/** The file a relative specifier written in `fromFile` names, or undefined (not relative, not found). */
export async function resolveJsImport(fromFile: string, spec: string, fs: FileSystemPort): Promise<string | undefined> {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve(dirname(fromFile), spec.replace(/[?#].*$/, ''));
  const ext = extname(base);
  const tries: string[] = [];
  if (jsExtensions.includes(ext)) tries.push(base, ...(tsCounterparts[ext] ?? []).map((e) => base.slice(0, -ext.length) + e));
  tries.push(...jsExtensions.map((e) => base + e), ...jsExtensions.map((e) => join(base, `index${e}`)));
  for (const t of tries) if (await fs.exists(t)) return t;
  return undefined;
}

/** The sources of a module's re-export statements (`export * from`, `export { a } from`, `export type … from`). */
export function reexportSources(text: string): string[] {
  return [...text.matchAll(/^\s*export\s+(?:type\s+)?(?:\*(?:\s+as\s+[\w$]+)?|\{[^}]*\})\s*from\s*(['"])([^'"\n]+)\1/gm)].map((m) => m[2]!);
}

export interface JsReach {
  /** The module the test imports that leads to the target (the target itself when direct). */
  via: string;
  /** Whether the target is reached through re-exports rather than imported itself. */
  reexport: boolean;
}

/**
 * Whether the import specifiers of `testFile` reach `target`: an import names it, or names a
 * module of the project whose re-exports (transitively) do. `textOf` reads a module (the unsaved
 * text when it is the document).
 */
export async function jsImportsReach(testFile: string, sources: readonly string[], target: string, projectRoot: string, fs: FileSystemPort, textOf: (path: string) => Promise<string | undefined>): Promise<JsReach | undefined> {
  const memo = new Map<string, boolean>();
  const reaches = async (file: string, depth: number, seen: Set<string>): Promise<boolean> => {
    if (file === target) return true;
    if (depth >= maxDepth || seen.has(file) || !file.startsWith(projectRoot) || file.split(sep).includes('node_modules')) return false;
    const known = memo.get(file);
    if (known !== undefined) return known;
    seen.add(file);
    const text = await textOf(file);
    let found = false;
    for (const spec of text ? reexportSources(text) : []) {
      const next = await resolveJsImport(file, spec, fs);
      if (next && (await reaches(next, depth + 1, seen))) {
        found = true;
        break;
      }
    }
    memo.set(file, found);
    return found;
  };
  let through: string | undefined;
  for (const spec of sources) {
    const file = await resolveJsImport(testFile, spec, fs);
    if (!file) continue;
    if (file === target) return { via: spec, reexport: false };
    if (!through && (await reaches(file, 0, new Set()))) through = spec;
  }
  return through ? { via: through, reexport: true } : undefined;
}
