/** Finding the project root and its `.critic.json` (shared by the CLI, the language server and the extension), and layering it over the user's configuration. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, configFileName, parseConfigText, type CriticConfig } from './config.js';
import { restrictProjectConfig } from './projectTrust.js';
import { displayPath, loadUserConfig, projectTrust, userConfigPath, type TrustSource, type UserConfig } from './userConfig.js';
import { ancestors } from './findUp.js';

export interface Project {
  root: string;
  configFile?: string;
  /** The effective configuration: defaults ← user config (or --config) ← the project file (restricted unless trusted). */
  config: CriticConfig;
  /** The user level alone (defaults ← user config or --config): what chooses the model endpoint and its key. */
  userConfig: CriticConfig;
  /** Who trusted the project, or undefined: its ESLint then runs only in the sandbox and its file is restricted. */
  trust?: TrustSource;
  /** Project settings that were ignored or clamped because the project is not trusted. */
  ignored: string[];
  /** Unknown keys in the user config and the project file, one line each (they were skipped). */
  warnings: string[];
}

/**
 * The nearest folder at or above `start` holding `.critic.json`, else the git root, else
 * `fallback` (default: `start`). The extension finds projects with it too, so both agree.
 */
export function findProjectRoot(start: string, fallback = resolve(start)): { root: string; configFile?: string } {
  let gitRoot: string | undefined;
  for (const dir of ancestors(start)) {
    if (existsSync(join(dir, configFileName))) return { root: dir, configFile: join(dir, configFileName) };
    if (!gitRoot && existsSync(join(dir, '.git'))) gitRoot = dir;
  }
  return { root: gitRoot ?? fallback };
}

export interface LoadProjectOptions {
  /** `--config FILE`: the user named it, so it is user-level and replaces the project's `.critic.json`. */
  explicitConfig?: string;
  /** `--trust-project`. */
  trustFlag?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Read from the environment's user config path when not given. */
  user?: UserConfig;
}

export function loadProject(start: string, opts: LoadProjectOptions = {}): Project {
  const env = opts.env ?? {};
  const user = opts.user ?? loadUserConfig(env);
  if (opts.explicitConfig) {
    const file = resolve(start, opts.explicitConfig);
    if (!existsSync(file)) throw new ConfigError(opts.explicitConfig, '(file)', 'the configuration file does not exist');
    const root = dirname(file);
    const warnings = [...(user.warnings ?? [])];
    const config = parseConfigText(readFileSync(file, 'utf8'), opts.explicitConfig, user.config, (w) => warnings.push(w));
    return { root, configFile: file, config, userConfig: config, trust: projectTrust(root, { flag: !!opts.trustFlag, env, user }), ignored: [], warnings };
  }
  const { root, configFile } = findProjectRoot(start);
  const trust = projectTrust(root, { flag: !!opts.trustFlag, env, user });
  const warnings = [...(user.warnings ?? [])];
  if (!configFile) return { root, config: structuredClone(user.config), userConfig: user.config, trust, ignored: [], warnings };
  // Validated even when untrusted: a broken file is reported (exit 2), never half-used.
  const merged = parseConfigText(readFileSync(configFile, 'utf8'), configFile, user.config, (w) => warnings.push(w));
  if (trust) return { root, configFile, config: merged, userConfig: user.config, trust, ignored: [], warnings };
  const { config, ignored } = restrictProjectConfig(merged, user.config);
  return { root, configFile, config, userConfig: user.config, ignored, warnings };
}

/** The one line that says which project settings were ignored and how to trust the project. */
export function untrustedNotice(project: Project, env: NodeJS.ProcessEnv): string | undefined {
  if (project.trust || !project.ignored.length || !project.configFile) return undefined;
  return `${project.configFile} is not trusted, so Critic ignored ${project.ignored.join(', ')}; to trust this project pass --trust-project, set CRITIC_TRUST_PROJECT=1, or add it to "trustedProjects" in ${displayPath(userConfigPath(env), env)}`;
}
