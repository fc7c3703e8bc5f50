/**
 * The one upward search for project files (`.critic.json`, pytest and ruff configuration,
 * package.json, tsconfig.json, ESLint's flat config…). Every search states where it stops:
 * always at the filesystem root (and after 64 folders), and optionally at a root folder (the
 * project or workspace root: the search never looks above it) or at a boundary marker (the
 * folder holding `.git`: a configuration outside the repository belongs to someone else).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

export interface StopRule {
  /** The highest folder searched (the project or workspace root). A start outside it searches only itself. */
  root?: string;
  /** Searched, then the last: e.g. `(dir) => existsSync(join(dir, '.git'))`. */
  boundary?: (dir: string) => boolean;
}

/** Bounded so a pathological path cannot make a search long. */
const maxDepth = 64;

function within(dir: string, root: string): boolean {
  return dir === root || dir.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** `start` (a folder), its parent, and so on up to the first stop, nearest first. */
export function* ancestors(start: string, stop: StopRule = {}): Generator<string> {
  const root = stop.root === undefined ? undefined : resolve(stop.root);
  let dir = resolve(start);
  for (let depth = 0; depth < maxDepth; depth++) {
    yield dir;
    const parent = dirname(dir);
    if (parent === dir || (root !== undefined && (dir === root || !within(dir, root))) || stop.boundary?.(dir)) return;
    dir = parent;
  }
}

/** The nearest `dir/name` that exists, for the names in order within each folder. */
export function findUp(names: readonly string[], start: string, stop: StopRule = {}): string | undefined {
  for (const dir of ancestors(start, stop)) {
    for (const name of names) {
      const path = join(dir, name);
      if (existsSync(path)) return path;
    }
  }
  return undefined;
}

/** A boundary at the folder that holds `.git` (the repository's top). */
export const gitBoundary = (dir: string): boolean => existsSync(join(dir, '.git'));
