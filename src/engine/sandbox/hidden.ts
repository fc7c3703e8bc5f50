/**
 * What of the project the sandbox must not show: credentials at any depth (and the real targets
 * of symlinks that point at credentials), Unix sockets and FIFOs (a host program listens on the
 * other end), and the project roots that must never be bound as a whole (shared folders).
 *
 * The walk runs before every sandboxed run, so it is bounded: it never follows symlinks, skips
 * the inside of dependency and cache folders (their contents come from package registries, not
 * from the user), looks only at the top of `.git` (its config holds remote URLs with tokens; git's
 * fsmonitor socket lives there), and refuses a tree with more entries than it can check.
 */
import { readdirSync, realpathSync, statSync, type Dirent } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { Lru } from '../lru.js';

/**
 * Gitignore-style patterns of credential files, hidden in every run (`execution.hide` adds more).
 * Patterns without a trailing slash hide files only (see `builtinHides`, which implements them).
 */
export const builtinHidden: readonly string[] = [
  '.env',
  '.env.*',
  '!.env.example',
  '!.env.sample',
  '!.env.template',
  '!.env.dist',
  '*.pem',
  '*.key',
  '*.p12',
  '*.pfx',
  '*.jks',
  '*.keystore',
  '*.ppk',
  'id_rsa*',
  'id_dsa*',
  'id_ecdsa*',
  'id_ed25519*',
  '.npmrc',
  '.yarnrc.yml',
  '.pypirc',
  '.netrc',
  '_netrc',
  '.pgpass',
  '.htpasswd',
  '.vault-token',
  '.git-credentials',
  '**/.git/config',
  '.aws/',
  '.ssh/',
  '.gnupg/',
  '.azure/',
  '.kube/',
  '**/.config/gcloud/',
  '**/.docker/config.json',
  'kubeconfig',
  '*.kubeconfig',
  'secrets.*',
  'credentials.*',
  '*.tfstate',
  '*.tfstate.*',
];

/** Folders whose inside is not searched: installed packages, virtual environments, caches. */
const skippedDirs = new Set(['node_modules', 'bower_components', '.venv', 'venv', '.tox', '.nox', '__pycache__', '.mypy_cache', '.pytest_cache', '.ruff_cache', 'site-packages', 'dist-packages', '.next', '.turbo', '.yarn']);

/** More entries than this and the project is refused: hiding credentials must not be best effort. */
export const maxScannedEntries = 100_000;
const maxDepth = 40;

export interface Mask {
  path: string;
  dir: boolean;
}

/** The project is too large to check for credentials before a run; the message is one line. */
export class ProjectScanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProjectScanError';
  }
}

/**
 * `builtinHidden` compiled by hand into tests on a name and its parent's name: `ignore` costs
 * ~25 µs a path cold, which on a tree of 20,000 entries doubles the walk. A test keeps the two
 * in agreement.
 */
const hiddenName = /^(?:\.env(?:\.(?!(?:example|sample|template|dist)$).+)?|.+\.(?:pem|key|p12|pfx|jks|keystore|ppk|kubeconfig|tfstate)|.+\.tfstate\..+|id_(?:rsa|dsa|ecdsa|ed25519).*|\.npmrc|\.yarnrc\.yml|\.pypirc|\.netrc|_netrc|\.pgpass|\.htpasswd|\.vault-token|\.git-credentials|kubeconfig|secrets\..*|credentials\..*)$/;
const hiddenDirName = /^(?:\.aws|\.ssh|\.gnupg|\.azure|\.kube)$/;

/** True when a path (relative, `/`-separated) is hidden by the built-in list. */
export function builtinHides(rel: string, dir: boolean): boolean {
  const parts = rel.split('/');
  const name = parts[parts.length - 1]!;
  const parent = parts[parts.length - 2];
  // Name patterns hide files only: a folder named `.env` is usually a virtual environment.
  if (dir ? hiddenDirName.test(name) : hiddenName.test(name)) return true;
  if (parent === '.git' && name === 'config' && !dir) return true;
  if (parent === '.docker' && name === 'config.json' && !dir) return true;
  return parent === '.config' && name === 'gcloud' && dir;
}

/**
 * True when the sandbox hides the file at `abs` by the built-in list (itself or a folder above
 * it); outside the project the path is checked from `/` (`root/.aws/credentials`).
 */
export function isHiddenFile(abs: string, projectRoot: string): boolean {
  const rel = abs.startsWith(`${projectRoot}/`) ? abs.slice(projectRoot.length + 1) : abs.replace(/^\/+/, '');
  const parts = rel.split(sep).join('/').split('/');
  return builtinHides(parts.join('/'), false) || parts.slice(0, -1).some((_, i) => builtinHides(parts.slice(0, i + 1).join('/'), true));
}

/** A matcher for the configured patterns (negations are dropped: configuration may only hide more). */
export function hiddenMatcher(extra: readonly string[] = []): Ignore | undefined {
  const patterns = extra.filter((p) => !p.trim().startsWith('!'));
  return patterns.length ? ignore().add(patterns) : undefined;
}

function matches(m: Ignore | undefined, rel: string, dir: boolean): boolean {
  if (rel === '' || rel.startsWith('..')) return false;
  return builtinHides(rel, dir) || Boolean(m?.ignores(dir ? `${rel}/` : rel));
}

interface CachedScan {
  /** Every directory read, with its mtime: a file added, removed or renamed changes its directory's. */
  dirs: Map<string, number>;
  masks: Mask[];
  entries: number;
}

const scans = new Lru<string, CachedScan>(16);

function stillValid(c: CachedScan): boolean {
  for (const [dir, mtime] of c.dirs) {
    try {
      if (statSync(dir).mtimeMs !== mtime) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Walks the project (without following symlinks) and returns what to mask inside the sandbox:
 * hidden files and folders, sockets and FIFOs, and — for a symlink whose real target is a
 * credential — that target, when `visible(target)` says the sandbox would show it. A repeated
 * scan of an unchanged tree costs one stat per directory.
 */
export function scanProject(root: string, opts: { hide?: readonly string[]; visible: (realPath: string) => boolean; maxEntries?: number }): { masks: Mask[]; entries: number } {
  const maxEntries = opts.maxEntries ?? maxScannedEntries;
  const key = JSON.stringify([root, opts.hide ?? [], maxEntries]);
  const cached = scans.get(key);
  if (cached && stillValid(cached)) return { masks: cached.masks, entries: cached.entries };
  const m = hiddenMatcher(opts.hide);
  const masks: Mask[] = [];
  const seen = new Set<string>();
  const dirs = new Map<string, number>();
  const add = (path: string, dir: boolean) => {
    if (!seen.has(path)) {
      seen.add(path);
      masks.push({ path, dir });
    }
  };
  const realRoot = safeRealpath(root) ?? root;
  let entries = 0;
  const walk = (dir: string, rel: string, depth: number, shallow: boolean) => {
    let list: Dirent[];
    try {
      dirs.set(dir, statSync(dir).mtimeMs);
      list = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    entries += list.length;
    if (entries > maxEntries) {
      throw new ProjectScanError(
        `Code is not executed: ${root} has more than ${maxEntries.toLocaleString('en-US')} files outside dependency folders, too many to check for credentials before each run; open the project's own folder instead.`,
      );
    }
    for (const e of list) {
      const path = join(dir, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isSocket() || e.isFIFO() || e.isCharacterDevice() || e.isBlockDevice()) {
        add(path, false);
      } else if (e.isSymbolicLink()) {
        symlinkTarget(path, realRoot, root, m, opts.visible, add);
      } else if (e.isDirectory()) {
        if (matches(m, r, true)) add(path, true);
        else if (e.name === '.git') walk(path, r, depth + 1, true);
        else if (!shallow && !skippedDirs.has(e.name) && depth < maxDepth) walk(path, r, depth + 1, false);
      } else if (matches(m, r, false)) {
        add(path, false);
      }
    }
  };
  walk(root, '', 0, false);
  scans.set(key, { dirs, masks, entries });
  return { masks, entries };
}

/**
 * A symlink's target is checked by its real path: relative to the project when it lies inside
 * (the walk may skip that folder), else against the patterns as a path from `/` (`root/.ssh/…`).
 */
function symlinkTarget(link: string, realRoot: string, root: string, m: Ignore | undefined, visible: (p: string) => boolean, add: (p: string, dir: boolean) => void): void {
  const target = safeRealpath(link);
  if (!target) return;
  let dir = false;
  try {
    dir = statSync(target).isDirectory();
  } catch {
    return;
  }
  const inside = target === realRoot || target.startsWith(`${realRoot}/`);
  const rel = inside ? relative(realRoot, target).split(sep).join('/') : target.slice(1);
  const hidden = matches(m, rel, dir) || pathHasHiddenAncestor(m, rel);
  if (!hidden) return;
  // Inside the project the target is masked at the path the sandbox shows it under.
  const shown = inside ? join(root, relative(realRoot, target)) : target;
  if (inside || visible(target)) add(shown, dir);
}

function pathHasHiddenAncestor(m: Ignore | undefined, rel: string): boolean {
  const parts = rel.split('/');
  for (let i = 1; i < parts.length; i++) if (matches(m, parts.slice(0, i).join('/'), true)) return true;
  return false;
}

function safeRealpath(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Folders other programs share (their files and sockets belong to someone else): never a
 * project root. Subfolders of the temp folders are fine (a project of its own); anything under
 * /run, /proc, /sys or /dev is not.
 */
export function sharedFolderReason(projectRoot: string, home = homedir()): string | undefined {
  const candidates = new Set([projectRoot, safeRealpath(projectRoot) ?? projectRoot]);
  const shared = new Set(['/', '/tmp', '/var/tmp', '/dev/shm', '/run', '/var/run', '/var', '/home', '/mnt', '/media', '/srv', '/opt', resolve(tmpdir())]);
  const runtime = process.env.XDG_RUNTIME_DIR;
  for (const p of candidates) {
    const norm = p.replace(/\/+$/, '') || '/';
    if (norm === home || home.startsWith(`${norm === '/' ? '' : norm}/`)) return `${norm} would expose your whole home directory`;
    if (shared.has(norm)) return `${norm} is a folder other programs share`;
    if (/^\/(run|var\/run|proc|sys|dev)(\/|$)/.test(norm)) return `${norm} holds system and session files (sockets of other programs)`;
    if (runtime && (norm === runtime || norm.startsWith(`${runtime}/`))) return `${norm} is your session's runtime folder (sockets of other programs)`;
  }
  return undefined;
}
