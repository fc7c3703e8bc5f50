/**
 * What a project's own configuration file may decide when the user has not trusted the project.
 * A cloned repository's `.critic.json` is input, not instructions: it may tighten Critic but never
 * choose where code and keys go, loosen a limit, or turn on something the user turned off.
 * Pure code; hosts decide trust (CLI: --trust-project and friends; VS Code: Workspace Trust).
 */
import type { CriticConfig } from './config.js';

/** The result of restricting a project's configuration: what is used, and what was not. */
export interface RestrictedConfig {
  config: CriticConfig;
  /** One short phrase per project setting that was ignored or clamped (`model.baseUrl`, `execution.memoryMb above 512`). */
  ignored: string[];
}

type Section = 'execution' | 'model' | 'tools';

/** Limits a project may lower but never raise above the user's value (the defaults, or the user config). */
const limits: readonly [Section, string][] = [
  ['execution', 'exampleTimeoutMs'],
  ['execution', 'testTimeoutMs'],
  ['execution', 'memoryMb'],
  ['execution', 'maxProcesses'],
  ['execution', 'maxOutputBytes'],
  ['model', 'timeoutMs'],
  ['model', 'maxRetries'],
];

/** Switches a project may turn off but not on when the user's level has them off. */
const switches: readonly [Section, string][] = [
  ['execution', 'enabled'],
  ['tools', 'examples'],
  ['tools', 'tests'],
  ['model', 'probes'],
];

function field(config: CriticConfig, section: Section, key: string): unknown {
  return (config[section] as unknown as Record<string, unknown>)[key];
}

function setField(config: CriticConfig, section: Section, key: string, value: unknown): void {
  (config[section] as unknown as Record<string, unknown>)[key] = value;
}

/**
 * Applies the untrusted-project policy to `merged` (the project file parsed over `user`, the
 * user-level configuration). Everything not named here (rules, ignore, failOn, findings budget,
 * confidence floor, which static tools run) stays as the project wrote it: it only shapes what is
 * reported about the project's own code.
 */
export function restrictProjectConfig(merged: CriticConfig, user: CriticConfig): RestrictedConfig {
  const config = structuredClone(merged);
  const ignored: string[] = [];
  // Where the code (and with it the user's API key) is sent is the user's choice alone.
  if (config.model.models.length !== user.model.models.length || config.model.models.some((m, i) => m !== user.model.models[i])) {
    config.model.models = [...user.model.models];
    ignored.push('model.models');
  }
  if (config.model.baseUrl !== user.model.baseUrl) {
    if (user.model.baseUrl === undefined) delete config.model.baseUrl;
    else config.model.baseUrl = user.model.baseUrl;
    ignored.push('model.baseUrl');
  }
  if (config.execution.allowUnsandboxed && !user.execution.allowUnsandboxed) {
    config.execution.allowUnsandboxed = false;
    ignored.push('execution.allowUnsandboxed');
  }
  for (const [section, key] of switches) {
    if (field(config, section, key) === true && field(user, section, key) === false) {
      setField(config, section, key, false);
      ignored.push(`${section}.${key}`);
    }
  }
  if (user.tools.eslint === false && config.tools.eslint !== false) {
    config.tools.eslint = false;
    ignored.push('tools.eslint');
  }
  for (const [section, key] of limits) {
    const mine = field(user, section, key) as number;
    if ((field(config, section, key) as number) > mine) {
      setField(config, section, key, mine);
      ignored.push(`${section}.${key} above ${mine}`);
    }
  }
  return { config, ignored };
}
