/**
 * Critic's configuration: defaults, and validation of what a user wrote in `.critic.json`
 * (or VS Code settings). Pure code: hosts read the file, the engine checks it.
 */
import { failOnValues, levels, type FailOn, type Level } from './findings.js';

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

class Checker {
  constructor(readonly file: string) {}
  fail(key: string, allowed: string): never {
    throw new ConfigError(this.file, key, allowed);
  }
  object(v: Json, key: string, allowedKeys: readonly string[]): Record<string, Json> {
    if (!isObject(v)) this.fail(key || '(file)', 'expected an object');
    for (const k of Object.keys(v)) {
      if (!allowedKeys.includes(k)) this.fail(key ? `${key}.${k}` : k, `unknown key; allowed: ${allowedKeys.join(', ')}`);
    }
    return v;
  }
  bool(v: Json, key: string): boolean {
    if (typeof v !== 'boolean') this.fail(key, 'expected true or false');
    return v;
  }
  oneOf<T extends string>(v: Json, key: string, allowed: readonly T[]): T {
    if (typeof v !== 'string' || !allowed.includes(v as T)) this.fail(key, `expected one of ${allowed.map((a) => `"${a}"`).join(', ')}`);
    return v as T;
  }
  number(v: Json, key: string, min: number, max: number, integer = true): number {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
      this.fail(key, `expected ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
    }
    return v;
  }
  strings(v: Json, key: string): string[] {
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s === '')) this.fail(key, 'expected an array of non-empty strings');
    return v as string[];
  }
}

const topKeys = ['$schema', 'tools', 'tests', 'rules', 'ignore', 'failOn', 'execution', 'model'] as const;
const testsKeys = ['paths', 'patterns'] as const;
const toolKeys = ['syntax', 'typescript', 'ruff', 'eslint', 'examples', 'tests'] as const;
const executionKeys = ['enabled', 'allowUnsandboxed', 'exampleTimeoutMs', 'testTimeoutMs', 'memoryMb', 'maxProcesses', 'maxOutputBytes', 'hide'] as const;
const modelKeys = ['models', 'baseUrl', 'maxFindingsPerUnit', 'minConfidence', 'quorum', 'timeoutMs', 'maxRetries', 'probes'] as const;

/**
 * Validates a parsed `.critic.json` and merges it over the defaults.
 * Throws ConfigError naming the file, the key and what is allowed.
 */
export function parseConfig(raw: Json, file: string, base: CriticConfig = defaultConfig()): CriticConfig {
  const c = new Checker(file);
  const top = c.object(raw, '', topKeys);
  const out: CriticConfig = structuredClone(base);
  if (top.tools !== undefined) {
    const t = c.object(top.tools, 'tools', toolKeys);
    for (const k of toolKeys) {
      if (t[k] === undefined) continue;
      if (k === 'eslint' && t[k] === 'auto') out.tools.eslint = 'auto';
      else if (k === 'eslint' && typeof t[k] !== 'boolean') c.fail('tools.eslint', 'expected true, false or "auto"');
      else out.tools[k] = c.bool(t[k], `tools.${k}`) as never;
    }
  }
  if (top.rules !== undefined) {
    const r = c.object(top.rules, 'rules', Object.keys(isObject(top.rules) ? top.rules : {}));
    for (const [rule, setting] of Object.entries(r)) {
      if (!/^[A-Za-z][\w./-]*$/.test(rule)) c.fail(`rules.${rule}`, 'rule ids look like "ts-2339" or "ruff-F401"');
      out.rules[normaliseRuleId(rule)] = c.oneOf(setting, `rules.${rule}`, [...levels, 'off'] as const);
    }
  }
  if (top.tests !== undefined) {
    const t = c.object(top.tests, 'tests', testsKeys);
    for (const k of testsKeys) {
      if (t[k] === undefined) continue;
      const list = c.strings(t[k], `tests.${k}`);
      // The repository's config names places inside the project, never outside it.
      if (list.some((p) => p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.split(/[\\/]/).includes('..'))) c.fail(`tests.${k}`, 'expected paths relative to the project root, without ".."');
      out.tests[k] = list;
    }
  }
  if (top.ignore !== undefined) out.ignore = c.strings(top.ignore, 'ignore');
  if (top.failOn !== undefined) out.failOn = c.oneOf(top.failOn, 'failOn', failOnValues);
  if (top.execution !== undefined) {
    const e = c.object(top.execution, 'execution', executionKeys);
    const x = out.execution;
    if (e.enabled !== undefined) x.enabled = c.bool(e.enabled, 'execution.enabled');
    if (e.allowUnsandboxed !== undefined) x.allowUnsandboxed = c.bool(e.allowUnsandboxed, 'execution.allowUnsandboxed');
    if (e.exampleTimeoutMs !== undefined) x.exampleTimeoutMs = c.number(e.exampleTimeoutMs, 'execution.exampleTimeoutMs', 100, 600_000);
    if (e.testTimeoutMs !== undefined) x.testTimeoutMs = c.number(e.testTimeoutMs, 'execution.testTimeoutMs', 100, 3_600_000);
    if (e.memoryMb !== undefined) x.memoryMb = c.number(e.memoryMb, 'execution.memoryMb', 32, 65_536);
    if (e.maxProcesses !== undefined) x.maxProcesses = c.number(e.maxProcesses, 'execution.maxProcesses', 1, 4_096);
    if (e.maxOutputBytes !== undefined) x.maxOutputBytes = c.number(e.maxOutputBytes, 'execution.maxOutputBytes', 1_024, 64 * 1024 * 1024);
    if (e.hide !== undefined) {
      const more = c.strings(e.hide, 'execution.hide');
      if (more.some((p) => p.trim().startsWith('!'))) c.fail('execution.hide', 'patterns cannot start with "!": configuration can only hide more files, never show hidden ones');
      x.hide = [...new Set([...x.hide, ...more])];
    }
  }
  if (top.model !== undefined) {
    const m = c.object(top.model, 'model', modelKeys);
    const x = out.model;
    if (m.models !== undefined) x.models = c.strings(m.models, 'model.models');
    if (m.baseUrl !== undefined) {
      if (typeof m.baseUrl !== 'string' || !/^https?:\/\//.test(m.baseUrl)) c.fail('model.baseUrl', 'expected an http(s) URL');
      x.baseUrl = m.baseUrl as string;
    }
    if (m.maxFindingsPerUnit !== undefined) x.maxFindingsPerUnit = c.number(m.maxFindingsPerUnit, 'model.maxFindingsPerUnit', 0, 50);
    if (m.minConfidence !== undefined) x.minConfidence = c.number(m.minConfidence, 'model.minConfidence', 0, 1, false);
    if (m.quorum !== undefined) x.quorum = c.number(m.quorum, 'model.quorum', 1, 16);
    if (m.timeoutMs !== undefined) x.timeoutMs = c.number(m.timeoutMs, 'model.timeoutMs', 1_000, 3_600_000);
    if (m.maxRetries !== undefined) x.maxRetries = c.number(m.maxRetries, 'model.maxRetries', 0, 10);
    if (m.probes !== undefined) x.probes = c.bool(m.probes, 'model.probes');
  }
  return out;
}

/** Accepts `critic/ts-2339` as well as `ts-2339`. */
export function normaliseRuleId(rule: string): string {
  return rule.startsWith('critic/') ? rule.slice('critic/'.length) : rule;
}

/** Parses the text of a configuration file; JSON syntax errors become ConfigErrors too. */
export function parseConfigText(text: string, file: string, base?: CriticConfig): CriticConfig {
  let raw: Json;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, '(file)', `not valid JSON (${(err as Error).message})`);
  }
  return parseConfig(raw, file, base);
}

export const configFileName = '.critic.json';
