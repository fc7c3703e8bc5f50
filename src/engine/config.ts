/**
 * Critic's configuration: its types, defaults, and validation of what a user wrote in
 * `.critic.json`, the user config or editor settings, against the one definition of every key
 * (configDefinition.ts). Pure code: hosts read the file, the engine checks it.
 */
import { configLeaves, configSections, configTopOrder, ruleIdPattern, ruleSettings, type Field, type Kind } from './configDefinition.js';
import type { FailOn, Level } from './findings.js';

export type RuleSetting = Level | 'off';

export interface ToolsConfig {
  syntax: boolean;
  typescript: boolean;
  ruff: boolean;
  /** `auto`: only when the project has its own ESLint configuration. */
  eslint: boolean | 'auto';
  /** Run docstring / JSDoc examples in the sandbox. */
  examples: boolean;
  /** Run the tests that exercise the file in the sandbox. */
  tests: boolean;
}

export interface ExecutionConfig {
  /** Master switch for running code under critique. */
  enabled: boolean;
  /** Run with resource limits only where no sandbox is available (opt-in). */
  allowUnsandboxed: boolean;
  exampleTimeoutMs: number;
  testTimeoutMs: number;
  memoryMb: number;
  maxProcesses: number;
  maxOutputBytes: number;
  /**
   * Gitignore-style patterns of project files the sandbox hides, on top of the built-in list of
   * credential files. Every configuration layer adds to it; none can remove an entry.
   */
  hide: string[];
  /** Record which lines each example and test runs, to point a failure at its most suspicious line. */
  lineCoverage: boolean;
}

export interface ModelConfig {
  /** Model name(s); several make a panel. Empty: no model. */
  models: string[];
  baseUrl?: string;
  maxFindingsPerUnit: number;
  minConfidence: number;
  /** Panel mode: how many members must quote overlapping code. */
  quorum: number;
  timeoutMs: number;
  maxRetries: number;
  /** Ask the model for probe calls when a unit has no examples or tests. */
  probes: boolean;
}

/** Where related tests live when neither the test runner's configuration nor the conventions say. */
export interface TestsConfig {
  /** Folders or files, relative to the project root, searched for test files. */
  paths: string[];
  /** Globs (relative path, or a bare file name) that name test files, e.g. `check_*.py`. */
  patterns: string[];
}

export interface CriticConfig {
  tools: ToolsConfig;
  tests: TestsConfig;
  /** Per-rule level override or `off`, keyed by rule id (`ts-2339`, `ruff-F401`, …). */
  rules: Record<string, RuleSetting>;
  /** Gitignore-style patterns of paths never critiqued, relative to the project root. */
  ignore: string[];
  failOn: FailOn;
  execution: ExecutionConfig;
  model: ModelConfig;
}

export function defaultConfig(): CriticConfig {
  return {
    tools: { syntax: true, typescript: true, ruff: true, eslint: 'auto', examples: true, tests: true },
    tests: { paths: [], patterns: [] },
    rules: {},
    ignore: [],
    failOn: 'error',
    execution: {
      enabled: true,
      allowUnsandboxed: false,
      exampleTimeoutMs: 5_000,
      testTimeoutMs: 30_000,
      memoryMb: 512,
      maxProcesses: 64,
      maxOutputBytes: 256 * 1024,
      hide: [],
      lineCoverage: true,
    },
    model: {
      models: [],
      maxFindingsPerUnit: 4,
      minConfidence: 0.5,
      quorum: 2,
      timeoutMs: 60_000,
      maxRetries: 2,
      probes: true,
    },
  };
}

/** A configuration problem the user must fix; hosts show `message` as one line. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    readonly allowed: string,
  ) {
    super(`${file}: invalid "${key}": ${allowed}`);
    this.name = 'ConfigError';
  }
}

type Json = unknown;

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `"a", "b"` for strings only (`expected one of …`), else `true, false or "auto"`. */
function allowedValues(values: readonly (string | boolean)[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? `"${v}"` : String(v)));
  if (values.every((v) => typeof v === 'string')) return `expected one of ${shown.join(', ')}`;
  return `expected ${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

/** What `kind` allows, as the end of `invalid "key": …`. */
function kindMessage(kind: Kind): string {
  switch (kind.type) {
    case 'boolean':
      return 'expected true or false';
    case 'integer':
    case 'number':
      return `expected ${kind.type === 'integer' ? 'an integer' : 'a number'} from ${kind.minimum} to ${kind.maximum}`;
    case 'enum':
      return allowedValues(kind.values);
    case 'strings':
      return 'expected an array of non-empty strings';
    case 'url':
      return 'expected an http(s) URL';
    case 'string':
      return 'expected a string';
    case 'rules':
      return 'expected an object';
  }
}

function fitsKind(kind: Kind, v: Json): boolean {
  switch (kind.type) {
    case 'boolean':
      return typeof v === 'boolean';
    case 'integer':
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && v >= kind.minimum && v <= kind.maximum && (kind.type === 'number' || Number.isInteger(v));
    case 'enum':
      return (kind.values as readonly unknown[]).includes(v);
    case 'strings':
      return Array.isArray(v) && v.every((s) => typeof s === 'string' && s !== '');
    case 'url':
      return typeof v === 'string' && /^https?:\/\//.test(v);
    case 'string':
      return typeof v === 'string';
    case 'rules':
      return isObject(v);
  }
}

/**
 * Checks one value against its definition (configDefinition.ts); throws a ConfigError naming the
 * file, the key and what is allowed. Returns the value as the configuration holds it.
 */
export function checkField(field: Field, value: Json, file: string, key: string): unknown {
  if (!fitsKind(field.kind, value)) throw new ConfigError(file, key, field.message ?? kindMessage(field.kind));
  const problem = field.refine?.(value);
  if (problem) throw new ConfigError(file, key, problem);
  return value;
}

/** A key the definition does not know: reported (it may be a typo) and skipped, never fatal. */
function unknownKeys(v: Record<string, Json>, key: string, allowed: readonly string[], file: string, onWarning?: (message: string) => void): void {
  for (const k of Object.keys(v)) {
    if (allowed.includes(k)) continue;
    onWarning?.(`${file}: unknown key "${key ? `${key}.${k}` : k}" is ignored; allowed: ${allowed.join(', ')}`);
  }
}

/**
 * Validates a parsed `.critic.json` (or user config) against the definition and merges it over
 * `base`. Throws ConfigError naming the file, the key and what is allowed; `onWarning` hears each
 * unknown key, which is skipped.
 */
export function parseConfig(raw: Json, file: string, base: CriticConfig = defaultConfig(), onWarning?: (message: string) => void): CriticConfig {
  if (!isObject(raw)) throw new ConfigError(file, '(file)', 'expected an object');
  // Only the user config lists trusted projects (userConfig.ts takes the key out before calling this).
  if (raw.trustedProjects !== undefined) throw new ConfigError(file, 'trustedProjects', 'a project cannot trust itself: trustedProjects belongs in your user config');
  unknownKeys(raw, '', ['$schema', ...configTopOrder], file, onWarning);
  const out = structuredClone(base) as unknown as Record<string, Record<string, unknown>>;
  for (const name of configTopOrder) {
    const value = raw[name];
    if (value === undefined) continue;
    const section = configSections[name];
    if (section) {
      if (!isObject(value)) throw new ConfigError(file, name, 'expected an object');
      unknownKeys(value, name, Object.keys(section.fields), file, onWarning);
      for (const [k, field] of Object.entries(section.fields)) {
        if (value[k] === undefined) continue;
        const v = checkField(field, value[k], file, `${name}.${k}`);
        out[name]![k] = field.union ? [...new Set([...(out[name]![k] as string[]), ...(v as string[])])] : v;
      }
    } else if (name === 'rules') {
      if (!isObject(value)) throw new ConfigError(file, 'rules', 'expected an object');
      for (const [rule, setting] of Object.entries(value)) {
        if (!new RegExp(ruleIdPattern).test(rule)) throw new ConfigError(file, `rules.${rule}`, 'rule ids look like "ts-2339" or "ruff-F401"');
        out.rules![normaliseRuleId(rule)] = checkField({ kind: { type: 'enum', values: ruleSettings } }, setting, file, `rules.${rule}`);
      }
    } else {
      (out as Record<string, unknown>)[name] = checkField(configLeaves[name]!, value, file, name);
    }
  }
  return out as unknown as CriticConfig;
}

/** Accepts `critic/ts-2339` as well as `ts-2339`. */
export function normaliseRuleId(rule: string): string {
  return rule.startsWith('critic/') ? rule.slice('critic/'.length) : rule;
}

/** Parses the text of a configuration file; JSON syntax errors become ConfigErrors too. */
export function parseConfigText(text: string, file: string, base?: CriticConfig, onWarning?: (message: string) => void): CriticConfig {
  let raw: Json;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, '(file)', `not valid JSON (${(err as Error).message})`);
  }
  return parseConfig(raw, file, base, onWarning);
}

export const configFileName = '.critic.json';
