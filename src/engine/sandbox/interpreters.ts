/**
 * Finds the real interpreter behind whatever `python3` / `node` is on PATH. Version managers put
 * shims there (pyenv's are bash scripts that pick a version per directory); inside the sandbox
 * there is no shell profile and no home directory, so the sandbox must start the real binary and
 * bind its installation prefix read-only.
 */
import { realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import type { ProbeCache } from './probeCache.js';
import type { ExecPort } from '../types.js';

export type InterpreterKind = 'python' | 'node';

export interface ResolvedInterpreter {
  kind: InterpreterKind;
  /** Absolute path of the executable to start (a venv's `bin/python` stays a venv path so `pyvenv.cfg` is found). */
  executable: string;
  /** Directory to put first on the sandbox's PATH. */
  binDir: string;
  /** Installation prefixes the sandbox must bind read-only (real paths, deduplicated). */
  prefixes: string[];
}

/** Thrown when the interpreter cannot be found or probed; the message is one actionable line. */
export class InterpreterNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterpreterNotFoundError';
  }
}

// `-I`: the probe runs in the project directory (pyenv picks the version from `.python-version`
// there) but must not import anything from it.
const pythonProbe = 'import sys;print(sys.executable);print(sys.prefix);print(sys.base_prefix)';
const nodeProbe = 'console.log(process.execPath)';

const cache = new Map<string, Promise<ResolvedInterpreter>>();

/**
 * Resolves the interpreter as the user's shell would find it in `projectRoot` (version managers
 * choose per directory). Cached per process and project: the probe costs an interpreter start.
 */
export function resolveInterpreter(exec: ExecPort, kind: InterpreterKind, projectRoot: string, probes?: ProbeCache): Promise<ResolvedInterpreter> {
  const key = `${kind}\0${projectRoot}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = probes ? remembered(exec, kind, projectRoot, probes) : probe(exec, kind, projectRoot);
    cache.set(key, hit);
    // A failure is not cached: the user may install the interpreter and try again.
    hit.catch(() => cache.delete(key));
  }
  return hit;
}

/** Environment variables that steer which interpreter a shim or version manager picks. */
const steering = /^(PATH|VIRTUAL_ENV|CONDA_\w+|PYENV(_\w+)?|ASDF_\w+|NVM_\w+|VOLTA_\w+|FNM_\w+|NODE_VERSION|NODENV_\w+|MISE_\w+|RTX_\w+)$/;
const versionFiles = ['.python-version', '.tool-versions', '.node-version', '.nvmrc', '.mise.toml'];

/** What a resolution depends on besides the environment: the candidates on PATH, version files up the tree. */
function resolutionInputs(kind: InterpreterKind, projectRoot: string, env: NodeJS.ProcessEnv): string[] {
  // The candidate in every PATH folder (present or missing), not the folders' own times: pyenv
  // touches its shims folder on every rehash, while only a new or changed candidate matters.
  const dirs = [...(env.PATH ?? '').split(delimiter).filter((d) => d.startsWith('/')), '/usr/bin', '/bin', '/usr/sbin'];
  const files: string[] = [];
  for (const name of kind === 'python' ? ['python3', 'python'] : ['node']) for (const d of dirs) files.push(join(d, name));
  for (let dir = resolve(projectRoot); ; dir = dirname(dir)) {
    for (const f of versionFiles) files.push(join(dir, f));
    if (dirname(dir) === dir) break;
  }
  const pyenvRoot = env.PYENV_ROOT || join(env.HOME || homedir(), '.pyenv');
  files.push(join(pyenvRoot, 'version'));
  return files;
}

function isResolved(kind: InterpreterKind, v: unknown): ResolvedInterpreter | undefined {
  const r = v as ResolvedInterpreter | undefined;
  const abs = (p: unknown) => typeof p === 'string' && p.startsWith('/') && !p.includes('\0');
  if (!r || r.kind !== kind || !abs(r.executable) || !abs(r.binDir) || !Array.isArray(r.prefixes) || !r.prefixes.every(abs)) return undefined;
  if (r.prefixes.some((p) => exposesHome(p))) return undefined;
  return { kind, executable: r.executable, binDir: r.binDir, prefixes: [...r.prefixes] };
}

/** The probe's answer from the probe cache while nothing it depends on changed; else probed and stored. */
async function remembered(exec: ExecPort, kind: InterpreterKind, projectRoot: string, probes: ProbeCache): Promise<ResolvedInterpreter> {
  const env = process.env;
  const parts = [kind, resolve(projectRoot), Object.entries(env).filter(([k]) => steering.test(k)).sort(([a], [b]) => (a < b ? -1 : 1))];
  const inputs = resolutionInputs(kind, projectRoot, env);
  const hit = await probes.get('interpreter', parts, (v) => isResolved(kind, v));
  if (hit) return hit;
  const found = await probe(exec, kind, projectRoot);
  const real = await realpath(found.executable).catch(() => found.executable);
  await probes.set('interpreter', parts, found, [...inputs, found.executable, real]);
  return found;
}

async function probe(exec: ExecPort, kind: InterpreterKind, projectRoot: string): Promise<ResolvedInterpreter> {
  const candidates = kind === 'python' ? [['python3', '-I', '-c', pythonProbe], ['python', '-I', '-c', pythonProbe]] : [['node', '-e', nodeProbe]];
  const failures: string[] = [];
  for (const [command, ...args] of candidates) {
    let lines: string[];
    try {
      const r = await exec.run({ command: command!, args, cwd: projectRoot, env: probeEnv(), timeoutMs: 15_000 });
      lines = r.stdout.trim().split('\n').map((l) => l.trim());
      if (r.exitCode !== 0 || !lines[0]?.startsWith('/')) {
        failures.push(`${command}: ${(r.stderr.trim().split('\n').pop() ?? '') || `exit ${r.exitCode}`}`);
        continue;
      }
    } catch (err) {
      failures.push(`${command}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      continue;
    }
    const executable = lines[0]!;
    const real = await realpath(executable);
    // The real binary lives in <prefix>/bin; a venv adds its own prefix on top of the base one.
    const prefixes = [dirname(dirname(real)), ...(kind === 'python' ? lines.slice(1, 3) : [])];
    const unique: string[] = [];
    for (const p of prefixes) {
      if (!p.startsWith('/')) continue;
      let r = await realpath(p).catch(() => undefined);
      // `~/bin/python3` has the home directory as its prefix: bind only the binary's directory then.
      if (r && exposesHome(r)) r = dirname(real);
      if (r && !unique.includes(r)) unique.push(r);
    }
    return { kind, executable, binDir: dirname(executable), prefixes: unique };
  }
  const install = kind === 'python' ? 'install Python 3 (python3 on PATH)' : 'install Node.js (node on PATH)';
  throw new InterpreterNotFoundError(`Cannot run ${kind} code: no working ${kind} interpreter found (${failures.join('; ')}); ${install}.`);
}

/** True for `/`, the home directory and its ancestors: binding one would expose the user's files. */
export function exposesHome(path: string): boolean {
  const home = homedir();
  return path === '/' || path === home || home.startsWith(`${path.replace(/\/$/, '')}/`);
}

/** The probe is trusted (a fixed one-liner) and needs the user's environment for shims to work. */
function probeEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NODE_OPTIONS' && !k.startsWith('PYTHON')) env[k] = v;
  return env;
}

/** Forgets cached probes (tests; or after the user changed their interpreter). */
export function clearInterpreterCache(): void {
  cache.clear();
}
