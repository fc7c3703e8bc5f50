/**
 * The server's settings: the `critic` section a client returns for `workspace/configuration` (or
 * sends in `initializationOptions.settings`), laid over the project's `.critic.json`. The keys are
 * the VS Code extension's (`tools.ruff`, `execution.enabled`, `model.name`, …), nested or dotted.
 *
 * The project file is untrusted input: it may tighten limits but never chooses the model or the
 * endpoint code is sent to — those come from the user's settings only. Untrusted projects get
 * static tools only. `engineKey` names exactly the inputs of an engine, so a cosmetic setting
 * (the debounce) never rebuilds TypeScript and ruff cold.
 */
import { ConfigError, parseConfig, type CriticConfig } from '../engine/config.js';
import { engineSettingKeys } from '../engine/configDefinition.js';
import { engineKeyOf } from '../engine/engineKey.js';

export type ModelSettings =
  | { provider: 'none' }
  | { provider: 'openai'; models: string[]; baseUrl?: string }
  /** The client answers `critic/chat` (VS Code: `vscode.lm`). */
  | { provider: 'client'; models: string[] };

export interface ServerSettings {
  config: CriticConfig;
  model: ModelSettings;
  /** Idle time after the last edit before a critique starts. */
  debounceMs: number;
  /** One line per ignored setting. */
  problems: string[];
  /** Identity of everything an engine is built from. */
  engineKey: string;
}

export const defaultDebounceMs = 300;

/** `{ tools: { ruff: true } }` and `{ 'tools.ruff': true }` both become `tools.ruff`; `rules` stays an object. */
export function flattenSettings(raw: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return out;
  for (const [k, v] of Object.entries(raw)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (key !== 'rules' && typeof v === 'object' && v !== null && !Array.isArray(v)) flattenSettings(v, key, out);
    else out[key] = v;
  }
  return out;
}

/** Resolves one project's settings; see the module comment. */
export function resolveServerSettings(raw: unknown, project: CriticConfig, opts: { trusted: boolean; root: string }): ServerSettings {
  const values = flattenSettings(raw);
  const problems: string[] = [];
  let config = structuredClone(project);
  // Where code goes is the user's choice, never the repository's.
  config.model.models = [];
  delete config.model.baseUrl;
  for (const [key, toRaw] of Object.entries(engineSettingKeys)) {
    const value = values[key];
    if (value === undefined || value === null) continue;
    try {
      config = parseConfig(toRaw(value), 'settings', config);
    } catch (err) {
      problems.push(`Setting critic.${key} is ignored: ${err instanceof ConfigError ? err.allowed : (err as Error).message}.`);
    }
  }
  let debounceMs = defaultDebounceMs;
  const d = values.debounceMs ?? values.autoCheckDelayMs;
  if (d !== undefined) {
    if (typeof d === 'number' && Number.isInteger(d) && d >= 0 && d <= 60_000) debounceMs = d;
    else problems.push('Setting critic.debounceMs is ignored: expected an integer from 0 to 60000.');
  }
  const model = modelSettings(values, problems);
  if (model.provider === 'openai' && model.baseUrl) config.model.baseUrl = model.baseUrl;
  if (!opts.trusted) {
    config.execution.enabled = false;
    config.tools.examples = false;
    config.tools.tests = false;
    config.tools.eslint = false;
    config.model.probes = false;
  }
  const effectiveModel: ModelSettings = opts.trusted ? model : { provider: 'none' };
  config.model.models = effectiveModel.provider === 'none' ? [] : effectiveModel.models;
  const engineKey = engineKeyOf({ root: opts.root, trusted: opts.trusted, config, model: effectiveModel });
  return { config, model: effectiveModel, debounceMs, problems, engineKey };
}

function modelSettings(values: Record<string, unknown>, problems: string[]): ModelSettings {
  const provider = values['model.provider'] ?? 'none';
  const name = typeof values['model.name'] === 'string' ? values['model.name'].trim() : '';
  const panel = Array.isArray(values['model.panel']) ? values['model.panel'].filter((p): p is string => typeof p === 'string' && p.trim() !== '').map((p) => p.trim()) : [];
  const models = [...new Set([name, ...panel].filter(Boolean))];
  if (provider === 'none') return { provider: 'none' };
  if (provider !== 'openai' && provider !== 'client' && provider !== 'vscode-lm') {
    problems.push('Setting critic.model.provider is ignored: expected "none", "openai" or "client".');
    return { provider: 'none' };
  }
  if (provider === 'openai') {
    if (!models.length) {
      problems.push('critic.model.provider is "openai" but critic.model.name is empty: no critic model is used; set critic.model.name.');
      return { provider: 'none' };
    }
    const baseUrl = values['model.baseUrl'];
    if (baseUrl !== undefined && baseUrl !== '' && (typeof baseUrl !== 'string' || !/^https?:\/\/\S+$/.test(baseUrl))) {
      problems.push('Setting critic.model.baseUrl is ignored: expected an http(s) URL.');
      return { provider: 'openai', models };
    }
    return { provider: 'openai', models, ...(typeof baseUrl === 'string' && baseUrl ? { baseUrl } : {}) };
  }
  // The client picks its default model when none is named.
  return { provider: 'client', models: models.length ? models : [''] };
}
