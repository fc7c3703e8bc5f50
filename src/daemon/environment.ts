/**
 * The part of the environment that changes what the engine finds and runs: which python and node
 * (PATH, a virtualenv, pyenv), the home and temp folders, the time zone. A daemon started in
 * another shell (another virtualenv) would check with another interpreter than the CLI, so the
 * CLI sends these and the daemon serves only an identical set.
 */
const named = ['PATH', 'HOME', 'TMPDIR', 'TZ', 'VIRTUAL_ENV', 'CONDA_PREFIX', 'NODE_PATH', 'NODE_OPTIONS', 'XDG_RUNTIME_DIR'];
/** Resolved by the CLI itself and sent as settings (trust, cache folder), or irrelevant to a model-less engine. */
const resolvedByCli = new Set(['CRITIC_TRUST_PROJECT', 'CRITIC_CACHE_DIR', 'CRITIC_MODEL']);

export function engineEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    if (named.includes(k) || k.startsWith('PYENV_') || k.startsWith('PYTHON') || (k.startsWith('CRITIC_') && !resolvedByCli.has(k))) out[k] = v;
  }
  // git runs hooks with its own exec path in front of PATH; no tool Critic runs lives there.
  const gitExec = env.GIT_EXEC_PATH;
  if (gitExec && out.PATH) out.PATH = out.PATH.split(':').filter((p, i) => !(i === 0 && p === gitExec)).join(':');
  return out;
}

/** The names whose values differ between two environments (sorted), empty when they match. */
export function environmentDifferences(a: Record<string, string>, b: Record<string, string>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
}
