/** Finding the project root and its `.critic.json` (shared by the CLI, the language server and the extension). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, configFileName, defaultConfig, parseConfigText, type CriticConfig } from './config.js';

export interface Project {
  root: string;
  configFile?: string;
  config: CriticConfig;
}

/**
 * The nearest folder at or above `start` holding `.critic.json`, else the git root, else
 * `fallback` (default: `start`). The extension finds projects with it too, so both agree.
 */
export function findProjectRoot(start: string, fallback = resolve(start)): { root: string; configFile?: string } {
  let gitRoot: string | undefined;
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, configFileName))) return { root: dir, configFile: join(dir, configFileName) };
    if (!gitRoot && existsSync(join(dir, '.git'))) gitRoot = dir;
    if (dirname(dir) === dir) break;
  }
  return { root: gitRoot ?? fallback };
}

export function loadProject(start: string, explicitConfig?: string): Project {
  if (explicitConfig) {
    const file = resolve(explicitConfig);
    if (!existsSync(file)) throw new ConfigError(explicitConfig, '(file)', 'the configuration file does not exist');
    return { root: dirname(file), configFile: file, config: parseConfigText(readFileSync(file, 'utf8'), explicitConfig) };
  }
  const { root, configFile } = findProjectRoot(start);
  if (!configFile) return { root, config: defaultConfig() };
  return { root, configFile, config: parseConfigText(readFileSync(configFile, 'utf8'), configFile) };
}
