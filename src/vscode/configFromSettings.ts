/**
 * VS Code settings → the engine's CriticConfig. Pure code (no 'vscode'), unit-tested.
 *
 * Precedence: defaults ← the project's `.critic.json` ← the settings the user actually set (a
 * setting left at its default does not override the project file). Every setting goes through the
 * engine's own validator, one at a time, so a bad value is reported by its setting name and the
 * others still apply. In an untrusted workspace only static tools that run no project code remain.
 */
import { ConfigError, defaultConfig, parseConfig, type CriticConfig } from '../engine/config.js';
import { autoCheckModes, type AutoCheck } from './documentRuns.js';
import { engineSettingKeys } from '../engine/settingKeys.js';

export const modelProviders = ['none', 'openai', 'vscode-lm'] as const;
export type ModelProvider = (typeof modelProviders)[number];

/** How a VS Code language model is named in `critic.model.name`: `vendor/id` (e.g. `copilot/gpt-4o`). */
export function lmModelId(chat: { vendor: string; id: string }): string {
  return `${chat.vendor}/${chat.id}`;
}

/** Settings explicitly set by the user, keyed without the `critic.` prefix (`model.name`, `tools.ruff`). */
export type SettingValues = Readonly<Record<string, unknown>>;

/** Settings used by the extension itself rather than the engine. */
export interface HostSettings {
  autoCheck: AutoCheck;
  autoCheckDelayMs: number;
  /** Critique the staged changes before a commit from Source Control (commitCheck.ts). */
  checkBeforeCommit: boolean;
  codeLens: boolean;
  provider: ModelProvider;
  /** Model names: the first is the critic, more make a panel (empty: no model). */
  models: string[];
  /** OpenAI-compatible endpoint; undefined: OpenAI's. */
  baseUrl?: string;
}

export interface ResolvedSettings {
  config: CriticConfig;
  host: HostSettings;
  /** One line per setting that was ignored, naming it and what is allowed. */
  problems: string[];
  /** What the workspace's trust level turned off (empty when trusted). */
  restricted: string[];
}

export const defaultAutoCheckDelayMs = 800;

/** Every `critic.*` setting the extension reads (package.json contributes exactly these). */
export const settingKeys = [
  'autoCheck',
  'autoCheckDelayMs',
  'checkBeforeCommit',
  'codeLens.enabled',
  'inlineHints',
  'model.provider',
  'model.baseUrl',
  'model.name',
  'model.panel',
  'model.timeoutMs',
  'model.probes',
  'model.quorum',
  'execution.enabled',
  'execution.allowUnsandboxed',
  'execution.exampleTimeoutMs',
  'execution.testTimeoutMs',
  'execution.memoryMb',
  'maxFindingsPerUnit',
  'minConfidence',
  'tools.syntax',
  'tools.typescript',
  'tools.ruff',
  'tools.eslint',
  'tools.examples',
  'tools.tests',
  'rules',
  'ignore',
] as const;

/** `execution.exampleTimeoutMs` in a ConfigError → the setting's full name. */
function settingName(key: string): string {
  return `critic.${key}`;
}

function problemOf(key: string, err: unknown): string {
  if (err instanceof ConfigError) return `Setting ${settingName(key)} is ignored: ${err.allowed}.`;
  return `Setting ${settingName(key)} is ignored: ${(err as Error).message}.`;
}

/**
 * Resolves the effective configuration of one project.
 * @param values settings the user set (any scope), without the `critic.` prefix
 * @param base the project's `.critic.json` merged over the defaults (or the defaults)
 */
export function resolveSettings(values: SettingValues, base: CriticConfig = defaultConfig(), opts: { trusted: boolean } = { trusted: true }): ResolvedSettings {
  const problems: string[] = [];
  let config = structuredClone(base);
  for (const [key, toRaw] of Object.entries(engineSettingKeys)) {
    const value = values[key];
    if (value === undefined || value === null) continue;
    try {
      config = parseConfig(toRaw(value), 'settings', config);
    } catch (err) {
      problems.push(problemOf(key, err));
    }
  }

  const host: HostSettings = { autoCheck: 'insertions', autoCheckDelayMs: defaultAutoCheckDelayMs, checkBeforeCommit: false, codeLens: true, provider: 'none', models: [] };
  const autoCheck = values.autoCheck;
  if (autoCheck !== undefined) {
    if (typeof autoCheck === 'string' && (autoCheckModes as readonly string[]).includes(autoCheck)) host.autoCheck = autoCheck as AutoCheck;
    else problems.push(`Setting critic.autoCheck is ignored: expected one of ${autoCheckModes.map((m) => `"${m}"`).join(', ')}.`);
  }
  const delay = values.autoCheckDelayMs;
  if (delay !== undefined) {
    if (typeof delay === 'number' && Number.isInteger(delay) && delay >= 100 && delay <= 60_000) host.autoCheckDelayMs = delay;
    else problems.push('Setting critic.autoCheckDelayMs is ignored: expected an integer from 100 to 60000.');
  }
  if (values.checkBeforeCommit !== undefined) {
    if (typeof values.checkBeforeCommit === 'boolean') host.checkBeforeCommit = values.checkBeforeCommit;
    else problems.push('Setting critic.checkBeforeCommit is ignored: expected true or false.');
  }
  if (values['codeLens.enabled'] !== undefined) {
    if (typeof values['codeLens.enabled'] === 'boolean') host.codeLens = values['codeLens.enabled'];
    else problems.push('Setting critic.codeLens.enabled is ignored: expected true or false.');
  }

  // The model: the provider setting decides; without it, a project file that names models means an OpenAI-compatible endpoint.
  let provider: ModelProvider = config.model.models.length ? 'openai' : 'none';
  const rawProvider = values['model.provider'];
  if (rawProvider !== undefined) {
    if (typeof rawProvider === 'string' && (modelProviders as readonly string[]).includes(rawProvider)) provider = rawProvider as ModelProvider;
    else problems.push(`Setting critic.model.provider is ignored: expected one of ${modelProviders.map((m) => `"${m}"`).join(', ')}.`);
  }
  let models = [...config.model.models];
  const name = values['model.name'];
  const panel = values['model.panel'];
  if (name !== undefined && name !== '') {
    if (typeof name === 'string' && name.trim()) models = [name.trim(), ...models.slice(1)];
    else problems.push('Setting critic.model.name is ignored: expected a model name.');
  }
  if (panel !== undefined) {
    if (Array.isArray(panel) && panel.every((p) => typeof p === 'string' && p.trim())) {
      models = [...new Set([...models.slice(0, 1), ...(panel as string[]).map((p) => p.trim())])];
    } else problems.push('Setting critic.model.panel is ignored: expected an array of model names.');
  }
  const baseUrl = values['model.baseUrl'];
  if (baseUrl !== undefined && baseUrl !== '') {
    try {
      config = parseConfig({ model: { baseUrl } }, 'settings', config);
    } catch (err) {
      problems.push(problemOf('model.baseUrl', err));
    }
  }
  if (provider !== 'none' && !models.length && provider === 'openai') {
    problems.push('critic.model.provider is "openai" but critic.model.name is empty: no critic model is used; set critic.model.name.');
    provider = 'none';
  }
  host.provider = provider;
  host.models = provider === 'none' ? [] : models;
  host.baseUrl = provider === 'openai' ? config.model.baseUrl : undefined;
  config.model.models = host.models;

  const restricted: string[] = [];
  if (!opts.trusted) {
    // Restricted Mode: nothing that runs the project's code, loads its ESLint config, or sends it away.
    if (config.execution.enabled) restricted.push('running examples and tests');
    if (config.tools.eslint !== false) restricted.push("the project's ESLint configuration");
    if (host.provider !== 'none') restricted.push('the critic model');
    config.execution.enabled = false;
    config.tools.examples = false;
    config.tools.tests = false;
    config.tools.eslint = false;
    config.model.probes = false;
    config.model.models = [];
    host.provider = 'none';
    host.models = [];
    host.baseUrl = undefined;
  }
  return { config, host, problems, restricted };
}
