/**
 * Which interpreter the sandbox really starts for a project (path and version, and for Python
 * whether pytest is importable): part of every execution cache key, and how the related-tests tool
 * picks pytest or unittest. Asked inside the sandbox, once per sandbox and project.
 */
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

async function probe(sandbox: Sandbox, interpreter: 'python' | 'node', projectRoot: string, signal?: AbortSignal): Promise<InterpreterIdentity> {
  const res = await sandbox.run({ interpreter, args: [...probes[interpreter]], projectRoot, timeoutMs: 15_000, signal });
  if (res.exitCode !== 0) throw new Error(`${interpreter} did not start in the sandbox (${res.limitHit ?? `exit ${res.exitCode}`}): ${res.stderr.trim().slice(0, 300)}`);
  const lines = res.stdout.trim().split('\n');
  const pytest = lines.find((l) => l.startsWith('pytest='))?.slice('pytest='.length) || undefined;
  return { id: `${interpreter} ${lines.filter((l) => !l.startsWith('pytest=')).join(' ')}`, pytest };
}
