/**
 * The environment a sandboxed run sees: a short allow-list built from scratch, never the host's
 * environment, plus the request's extra variables minus anything that looks like a credential.
 */

/**
 * Names that usually hold credentials. Matched against upper-cased variable names; a variable is
 * dropped when any of these occurs anywhere in its name (so `MY_SERVICE_TOKEN`, `DB_PASSWORD`,
 * `X_API_KEY` are all caught). Deliberately broad: a harmless variable lost costs less than a
 * key that ends up in a critique sent to a model.
 */
const secretNameParts = [
  'KEY',
  'TOKEN',
  'SECRET',
  'PASSWORD',
  'PASSWD',
  'PASSPHRASE',
  'CREDENTIAL',
  'AUTH',
  'COOKIE',
  'SESSION',
  'PRIVATE',
  'SIGNATURE',
  'AWS_',
  'AZURE_',
  'GCP_',
  'GCLOUD',
  'GOOGLE_APPLICATION',
  'OPENAI',
  'ANTHROPIC',
  'HUGGINGFACE',
  'HF_',
  'GITHUB_',
  'GITLAB_',
  'NPM_',
  'PYPI',
  'TWINE_',
  'DOCKER_',
  'SSH_',
  'GPG_',
  'KUBECONFIG',
  'DATABASE_URL',
  'DSN',
  'WEBHOOK',
] as const;

/** True when an environment variable's name looks like it holds a secret. */
export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  return secretNameParts.some((part) => upper.includes(part));
}

/** Names the sandbox sets itself; a request cannot override them (HOME must stay the scratch dir). */
const reservedNames = new Set(['HOME', 'TMPDIR', 'PATH', 'PWD', 'NODE_OPTIONS', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'PYTHONHOME', 'PYTHONSTARTUP', 'BASH_ENV', 'ENV']);

export interface SandboxEnvOptions {
  /** The scratch directory: HOME, TMPDIR and (usually) the working directory. */
  scratch: string;
  /** Directory of the interpreter's real executable; first on PATH. */
  interpreterBin: string;
  /** `request.env`: filtered before use. */
  extra?: Record<string, string>;
  /** The host environment, only consulted for TZ and to recognise secret values (default: process.env). */
  host?: NodeJS.ProcessEnv;
}

export interface SandboxEnv {
  env: Record<string, string>;
  /** Names of request variables that were dropped, for a debug log line (never their values). */
  dropped: string[];
}

/**
 * Builds the allow-listed environment. Request variables are dropped when their name looks like a
 * secret, when they try to override what the sandbox controls, or when their value equals the value
 * of a secret-named host variable (a caller forwarding `process.env.OPENAI_API_KEY` under an
 * innocent name).
 */
export function sandboxEnv(opts: SandboxEnvOptions): SandboxEnv {
  const host = opts.host ?? process.env;
  const secretValues = new Set<string>();
  for (const [name, value] of Object.entries(host)) {
    if (value && value.length >= 8 && isSecretName(name)) secretValues.add(value);
  }
  const env: Record<string, string> = {
    PATH: [opts.interpreterBin, '/usr/local/bin', '/usr/bin', '/bin'].filter((p, i, all) => all.indexOf(p) === i).join(':'),
    HOME: opts.scratch,
    TMPDIR: opts.scratch,
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    TZ: host.TZ && /^[\w/+:.-]{1,64}$/.test(host.TZ) ? host.TZ : 'UTC',
    TERM: 'dumb',
    NO_COLOR: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    // Stable set/dict ordering makes two runs of the same code comparable (rewrite verification).
    PYTHONHASHSEED: '0',
    PYTHONNOUSERSITE: '1',
  };
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(opts.extra ?? {})) {
    const valid = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && typeof value === 'string' && !value.includes('\0');
    if (!valid || reservedNames.has(name.toUpperCase()) || isSecretName(name) || secretValues.has(value)) {
      dropped.push(name);
      continue;
    }
    env[name] = value;
  }
  return { env, dropped };
}
