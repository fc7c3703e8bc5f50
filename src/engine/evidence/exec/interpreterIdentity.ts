/**
 * Which interpreter the sandbox really starts for a project (path and version, and for Python
 * whether pytest is importable): part of every execution cache key, and how the related-tests tool
 * picks pytest or unittest. Asked inside the sandbox, once per sandbox and project.
 */
import { realpath } from 'node:fs/promises';
import type { Sandbox } from '../../sandbox/types.js';

const probes = {
  python: [
    '-c',
    [
      'import sys, importlib.util',
      'print(sys.executable)',
      'print(sys.version.split()[0])',
      'spec = importlib.util.find_spec("pytest")',
      'v = ""',
      'if spec is not None:',
      '    try:',
      '        import importlib.metadata as m; v = m.version("pytest")',
      '    except Exception:',
      '        v = "unknown"',
      'print("pytest=" + v)',
      'import site',
      'for p in (site.getsitepackages() if hasattr(site, "getsitepackages") else []):',
      '    print("site=" + p)',
    ].join('\n'),
  ],
  node: ['-e', 'process.stdout.write(process.execPath + "\\n" + process.version + "\\n")'],
} as const;

export interface InterpreterIdentity {
  /** `python /usr/bin/python3 3.11.7`, used in cache keys. */
  id: string;
  /** pytest's version when the project's Python can import it. */
  pytest?: string;
}

const known = new WeakMap<Sandbox, Map<string, Promise<InterpreterIdentity>>>();

/** The interpreter identity for a project, probed once per sandbox (failures are not remembered). */
export function interpreterIdentity(sandbox: Sandbox, interpreter: 'python' | 'node', projectRoot: string, signal?: AbortSignal): Promise<InterpreterIdentity> {
  let byProject = known.get(sandbox);
  if (!byProject) known.set(sandbox, (byProject = new Map()));
  const key = `${interpreter}\0${projectRoot}`;
  let found = byProject.get(key);
  if (!found) {
    found = probe(sandbox, interpreter, projectRoot, signal);
    byProject.set(key, found);
    found.catch(() => byProject.delete(key));
  }
  return found;
}

function isIdentity(v: unknown): InterpreterIdentity | undefined {
  const i = v as InterpreterIdentity | undefined;
  if (!i || typeof i.id !== 'string' || (i.pytest !== undefined && typeof i.pytest !== 'string')) return undefined;
  return { id: i.id, ...(i.pytest !== undefined ? { pytest: i.pytest } : {}) };
}

/**
 * With a probe cache the answer is remembered on disk for the real interpreter, while its binary
 * and its site-packages folders (installing or upgrading pytest changes them) are unchanged.
 */
async function probe(sandbox: Sandbox, interpreter: 'python' | 'node', projectRoot: string, signal?: AbortSignal): Promise<InterpreterIdentity> {
  const cache = sandbox.probes;
  const resolved = cache && sandbox.resolve ? await sandbox.resolve(interpreter, projectRoot) : undefined;
  const real = resolved ? await realpath(resolved.executable).catch(() => resolved.executable) : undefined;
  const parts = resolved ? [interpreter, resolved.executable, real, sandbox.isolation] : undefined;
  if (cache && parts) {
    const hit = await cache.get('identity', parts, isIdentity);
    if (hit) return hit;
  }
  const res = await sandbox.run({ interpreter, args: [...probes[interpreter]], projectRoot, timeoutMs: 15_000, signal });
  if (res.exitCode !== 0) throw new Error(`${interpreter} did not start in the sandbox (${res.limitHit ?? `exit ${res.exitCode}`}): ${res.stderr.trim().slice(0, 300)}`);
  const lines = res.stdout.trim().split('\n');
  const pytest = lines.find((l) => l.startsWith('pytest='))?.slice('pytest='.length) || undefined;
  const sites = lines.filter((l) => l.startsWith('site=/')).map((l) => l.slice('site='.length));
  const identity: InterpreterIdentity = { id: `${interpreter} ${lines.filter((l) => !l.startsWith('pytest=') && !l.startsWith('site=')).join(' ')}`, ...(pytest ? { pytest } : {}) };
  if (cache && parts && resolved && real) await cache.set('identity', parts, identity, [resolved.executable, real, ...sites]);
  return identity;
}
