/**
 * The project a file belongs to and its `.critic.json`, found the way the CLI finds them (the
 * nearest folder holding `.critic.json`, else the git root, else the workspace folder), so the
 * editor and `critic check` agree. Workspace Trust is the user's trust decision, as
 * `--trust-project` is in the CLI: in an untrusted workspace the file is restricted the same way
 * (no endpoint or models, no looser limits, no allowUnsandboxed). Pure node code.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, defaultConfig, parseConfigText, type CriticConfig } from '../engine/config.js';
import { findProjectRoot } from '../engine/project.js';
import { restrictProjectConfig } from '../engine/projectTrust.js';

export interface ProjectConfig {
  root: string;
  configFile?: string;
  /** `.critic.json` over the defaults (the defaults when it is missing or invalid). */
  config: CriticConfig;
  /** Why `.critic.json` was not used, as one line. */
  problem?: string;
  /** Settings of `.critic.json` ignored because the workspace is not trusted (empty when trusted). */
  ignored: string[];
}

const cache = new Map<string, { mtime: number; project: ProjectConfig }>();

/** The project of `file`; `.critic.json` is re-read only when it changed, and restricted unless `trusted`. */
export function projectOf(file: string, fallbackRoot: string, trusted: boolean): ProjectConfig {
  const project = parsedProjectOf(file, fallbackRoot);
  if (trusted || !project.configFile) return project;
  const { config, ignored } = restrictProjectConfig(project.config, defaultConfig());
  return { ...project, config, ignored };
}

function parsedProjectOf(file: string, fallbackRoot: string): ProjectConfig {
  const { root, configFile } = findProjectRoot(dirname(file), fallbackRoot);
  if (!configFile) return { root, config: defaultConfig(), ignored: [] };
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
    project = { root, configFile, config: parseConfigText(readFileSync(configFile, 'utf8'), configFile), ignored: [] };
  } catch (err) {
    const why = err instanceof ConfigError ? err.message : `${configFile}: ${(err as Error).message}`;
    project = { root, configFile, config: defaultConfig(), problem: `${why} — using the defaults until it is fixed.`, ignored: [] };
  }
  cache.set(configFile, { mtime, project });
  return project;
}
