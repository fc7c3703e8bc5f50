/**
 * The project a file belongs to and its `.critic.json`, found the way the CLI finds them (the
 * nearest folder holding `.critic.json`, else the git root, else the workspace folder), so the
 * editor and `critic check` agree. Pure node code.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, defaultConfig, parseConfigText, type CriticConfig } from '../engine/config.js';
import { findProjectRoot } from '../engine/project.js';

export interface ProjectConfig {
  root: string;
  configFile?: string;
  /** `.critic.json` over the defaults (the defaults when it is missing or invalid). */
  config: CriticConfig;
  /** Why `.critic.json` was not used, as one line. */
  problem?: string;
}

const cache = new Map<string, { mtime: number; project: ProjectConfig }>();

/** The project of `file`; `.critic.json` is re-read only when it changed. */
export function projectOf(file: string, fallbackRoot: string): ProjectConfig {
  const { root, configFile } = findProjectRoot(dirname(file), fallbackRoot);
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
