/**
 * The user's own configuration and trust decisions, as opposed to a project's `.critic.json`.
 * User level: flags, environment, `--config FILE` (the user named it on the command line), and
 * `$XDG_CONFIG_HOME/critic/config.json` (default `~/.config/critic/config.json`), which may also
 * list `trustedProjects`. Only the user level may choose the model endpoint, loosen limits or
 * trust a project.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { checkField, ConfigError, defaultConfig, parseConfig, type CriticConfig } from './config.js';
import { trustedProjectsField } from './configDefinition.js';

export interface UserConfig {
  /** Where it was read from (undefined: no user config file). */
  file?: string;
  /** Defaults with the user config file over them. */
  config: CriticConfig;
  /** Absolute real paths of trusted project roots (a project at or below one is trusted). */
  trustedProjects: string[];
  /** One line per key the file has that Critic does not know (skipped). */
  warnings: string[];
}

/** `$XDG_CONFIG_HOME/critic/config.json`, else `~/.config/critic/config.json` (XDG: only an absolute XDG_CONFIG_HOME counts). */
export function userConfigPath(env: NodeJS.ProcessEnv): string {
  const xdg = env.XDG_CONFIG_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.config');
  return join(base, 'critic', 'config.json');
}

/** How the path is shown in messages: `~/…` for the home folder. */
export function displayPath(path: string, env: NodeJS.ProcessEnv): string {
  const home = env.HOME || homedir();
  return home && path.startsWith(home + sep) ? `~${path.slice(home.length)}` : path;
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/** Reads the user config file, if there is one; a broken one is a ConfigError (exit 2), never silently skipped. */
export function loadUserConfig(env: NodeJS.ProcessEnv): UserConfig {
  const file = userConfigPath(env);
  if (!existsSync(file)) return { config: defaultConfig(), trustedProjects: [], warnings: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(file, '(file)', `not valid JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(file, '(file)', 'expected an object');
  const { trustedProjects, ...rest } = raw as Record<string, unknown>;
  const home = env.HOME || homedir();
  const trusted: string[] = [];
  if (trustedProjects !== undefined) {
    checkField(trustedProjectsField, trustedProjects, file, 'trustedProjects');
    for (const p of trustedProjects as string[]) trusted.push(realOrResolved(p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p));
  }
  const warnings: string[] = [];
  return { file, config: parseConfig(rest, file, defaultConfig(), (w) => warnings.push(w)), trustedProjects: trusted, warnings };
}

/** Why a project is trusted, or undefined when it is not. */
export type TrustSource = '--trust-project' | 'CRITIC_TRUST_PROJECT' | 'trustedProjects';

/** The user's trust decision for the project at `root`: the flag, the environment, or a trusted root in the user config. */
export function projectTrust(root: string, opts: { flag: boolean; env: NodeJS.ProcessEnv; user: UserConfig }): TrustSource | undefined {
  if (opts.flag) return '--trust-project';
  const v = (opts.env.CRITIC_TRUST_PROJECT ?? '').trim().toLowerCase();
  if (v === '1' || v === 'true' || v === 'yes') return 'CRITIC_TRUST_PROJECT';
  const real = realOrResolved(root);
  if (opts.user.trustedProjects.some((t) => real === t || real.startsWith(t.endsWith(sep) ? t : t + sep))) return 'trustedProjects';
  return undefined;
}
