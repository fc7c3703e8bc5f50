/**
 * The project a file belongs to and its `.critic.json`, found the way the CLI finds them (the
 * nearest folder holding `.critic.json`, else the git root, else the workspace folder), so the
 * editor and `critic check` agree. Pure node code.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, configFileName, defaultConfig, parseConfigText, type CriticConfig } from '../engine/config.js';

export interface ProjectConfig {
  root: string;
  configFile?: string;
  /** `.critic.json` over the defaults (the defaults when it is missing or invalid). */
  config: CriticConfig;
  /** Why `.critic.json` was not used, as one line. */
  problem?: string;
}

export function findProjectRoot(file: string, fallback: string): { root: string; configFile?: string } {
  let gitRoot: string | undefined;
  for (let dir = dirname(resolve(file)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, configFileName))) return { root: dir, configFile: join(dir, configFileName) };
    if (!gitRoot && existsSync(join(dir, '.git'))) gitRoot = dir;
    if (dirname(dir) === dir) break;
  }
  return { root: gitRoot ?? fallback };
}

const cache = new Map<string, { mtime: number; project: ProjectConfig }>();

/** The project of `file`; `.critic.json` is re-read only when it changed. */
export function projectOf(file: string, fallbackRoot: string): ProjectConfig {
  const { root, configFile } = findProjectRoot(file, fallbackRoot);
  if (!configFile) return { root, config: defaultConfig() };
  let mtime = -1;
  try {
    mtime = statSync(configFile).mtimeMs;
  } catch {
    /* removed meanwhile */
  }
  const hit = cache.get(configFile);
  if (hit && hit.mtime === mtime) return hit.project;
  let project: ProjectConfig;
  try {
    project = { root, configFile, config: parseConfigText(readFileSync(configFile, 'utf8'), configFile) };
  } catch (err) {
    const why = err instanceof ConfigError ? err.message : `${configFile}: ${(err as Error).message}`;
    project = { root, configFile, config: defaultConfig(), problem: `${why} — using the defaults until it is fixed.` };
  }
  cache.set(configFile, { mtime, project });
  return project;
}
