/**
 * Where a warm Critic (`critic daemon`, or a language server) for a project listens, and the checks
 * that make the place safe to use. Anyone who can write the folder could plant a socket that
 * answers with forged findings, or read the staged code a CLI sends; so both sides insist on a
 * folder owned by this user, not a symlink, with no access for group or others, and the client
 * also insists on the socket itself being a socket owned by this user.
 */
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, realpathSync, type Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/** Unix socket paths are limited to 108 bytes (sun_path) on Linux. */
const maxSocketPath = 107;

/** This process's user id (undefined where there are none, e.g. Windows: no warm path there). */
export function currentUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/**
 * The folder of Critic's sockets: `$XDG_RUNTIME_DIR/critic` (a per-user, 0700 folder the session
 * manager owns), else `critic-<uid>` in the OS temp folder.
 */
export function socketDir(env: NodeJS.ProcessEnv, uid: number): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && isAbsolute(runtime)) return join(runtime, 'critic');
  return join(tmpdir(), `critic-${uid}`);
}

/** The project's socket: named by a hash of its real root, so every spelling of the root finds one listener. */
export function socketPathFor(root: string, dir: string): string {
  let real = root;
  try {
    real = realpathSync(root);
  } catch {
    // A root that cannot be resolved still gets a stable name.
  }
  return join(dir, `${createHash('sha256').update(real).digest('hex').slice(0, 24)}.sock`);
}

/** Why `dir` is not a private folder of user `uid`, or undefined when it is. */
export function privateDirProblem(dir: string, uid: number): string | undefined {
  let s: Stats;
  try {
    s = lstatSync(dir);
  } catch (err) {
    return `${dir} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  if (s.isSymbolicLink()) return `${dir} is a symbolic link`;
  if (!s.isDirectory()) return `${dir} is not a folder`;
  if (s.uid !== uid) return `${dir} belongs to user ${s.uid}, not to you (${uid})`;
  if ((s.mode & 0o077) !== 0) return `${dir} is accessible to other users (mode ${(s.mode & 0o777).toString(8)})`;
  return undefined;
}

/** Why `path` is not a socket of user `uid` (a symlink, a regular file, someone else's), or undefined. */
export function socketFileProblem(path: string, uid: number): string | undefined {
  let s: Stats;
  try {
    s = lstatSync(path);
  } catch (err) {
    return `${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  if (s.isSymbolicLink()) return `${path} is a symbolic link`;
  if (!s.isSocket()) return `${path} is not a socket`;
  if (s.uid !== uid) return `${path} belongs to user ${s.uid}, not to you (${uid})`;
  return undefined;
}

export type SocketLocation = { ok: true; dir: string; path: string } | { ok: false; reason: string };

/**
 * The socket of `root` for this user. `create`: the folder is made (0700) when missing. Either
 * way it must pass `privateDirProblem`; a folder that does not is never used, and never "repaired"
 * (a chmod on someone else's folder would be a trap).
 */
export function locateSocket(root: string, opts: { env: NodeJS.ProcessEnv; create: boolean; uid?: number; dir?: string }): SocketLocation {
  const uid = opts.uid ?? currentUid();
  if (uid === undefined) return { ok: false, reason: 'the warm path needs Unix sockets and user ids (not available on this system)' };
  const dir = opts.dir ?? socketDir(opts.env, uid);
  if (opts.create) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      return { ok: false, reason: `cannot create ${dir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
    }
  }
  const problem = privateDirProblem(dir, uid);
  if (problem) return { ok: false, reason: `${problem}; Critic uses only a private folder for its socket` };
  const path = socketPathFor(root, dir);
  if (Buffer.byteLength(path) > maxSocketPath) return { ok: false, reason: `the socket path ${path} is longer than Unix allows; set XDG_RUNTIME_DIR or TMPDIR to a shorter folder` };
  return { ok: true, dir, path };
}
