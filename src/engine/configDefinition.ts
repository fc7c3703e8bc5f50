/**
 * Critic's configuration, defined once: every key of `.critic.json` (and of the user config) with
 * its type, range and description, and every `critic.*` editor setting with its category, scope
 * and Markdown text. The validator (config.ts), the JSON schemas in media/ and the
 * `contributes.configuration` block of package.json are all made from these tables
 * (`npm run gen:config` writes the files; a test checks they are up to date). Defaults are
 * `defaultConfig()`'s. Pure data: the extension client imports it too.
 */
import { failOnValues, levels } from './findings.js';

/** What a value may be; the validator's messages and the JSON schema both come from it. */
export type Kind =
  | { type: 'boolean' }
  | { type: 'integer' | 'number'; minimum: number; maximum: number }
  | { type: 'enum'; values: readonly (string | boolean)[] }
  /** An array of non-empty strings. */
  | { type: 'strings'; pattern?: string }
  /** An http(s) URL. */
  | { type: 'url' }
  | { type: 'string'; format?: 'uri' }
  /** Rule id → level or `off`. */
  | { type: 'rules' };

export interface Field {
  kind: Kind;
  /** Shown by editors of `.critic.json` and of the user config. */
  description?: string;
  /** Added to the description in the project schema: what a project file cannot do unless trusted. */
  projectNote?: string;
  /** What is allowed, when the kind's own wording (`expected an array of non-empty strings`) is not the clearest. */
  message?: string;
  /** Checked after the kind: a message naming what is wrong, or undefined. */
  refine?: (value: unknown) => string | undefined;
  /** Every configuration layer adds to the list; none replaces or shortens it. */
  union?: boolean;
}

export interface Section {
  description: string;
  projectNote?: string;
  fields: Record<string, Field>;
}

const bool: Kind = { type: 'boolean' };
const int = (minimum: number, maximum: number): Kind => ({ type: 'integer', minimum, maximum });
const strings: Kind = { type: 'strings' };
export const ruleIdPattern = '^[A-Za-z][\\w./-]*$';
export const ruleSettings = [...levels, 'off'] as const;

/** Whether a path list stays inside the project (the repository's config names places in it, never outside). */
const relativeOnly = (v: unknown): string | undefined =>
  (v as string[]).some((p) => p.startsWith('/') || /^[A-Za-z]:/.test(p) || p.split(/[\\/]/).includes('..')) ? 'expected paths relative to the project root, without ".."' : undefined;

/** Sections of `.critic.json`, in the order the schema lists them. */
export const configSections: Record<string, Section> = {
  tools: {
    description: 'Which evidence tools run.',
    fields: {
      syntax: { kind: bool, description: 'tree-sitter syntax errors for every language.' },
      typescript: { kind: bool, description: 'The TypeScript language service for JavaScript and TypeScript.' },
      ruff: { kind: bool, description: 'ruff for Python.' },
      eslint: { kind: { type: 'enum', values: [true, false, 'auto'] }, description: 'The project\'s own ESLint; "auto" runs it when the project has a flat config.' },
      examples: { kind: bool, description: 'Run docstring and JSDoc examples in the sandbox.' },
      tests: { kind: bool, description: 'Run the tests that exercise a file in the sandbox.' },
    },
  },
  tests: {
    description: "Where related tests live, for layouts the test runner's configuration and the naming conventions do not cover.",
    fields: {
      paths: { kind: strings, refine: relativeOnly, description: 'Folders or files, relative to the project root, searched for test files.' },
      patterns: { kind: strings, refine: relativeOnly, description: 'Globs that name test files: a bare name ("check_*.py") or a relative path ("qa/**/*.py").' },
    },
  },
  execution: {
    description: 'Running the code under critique in the sandbox.',
    projectNote: "An untrusted project's .critic.json may lower these limits but not raise them above yours (the defaults or your user config).",
    fields: {
      enabled: { kind: bool },
      allowUnsandboxed: { kind: bool, description: 'Where no sandbox is available, run with resource limits only (not isolated).', projectNote: "Ignored in a project's .critic.json unless the project is trusted." },
      exampleTimeoutMs: { kind: int(100, 600_000) },
      testTimeoutMs: { kind: int(100, 3_600_000) },
      memoryMb: { kind: int(32, 65_536) },
      maxProcesses: { kind: int(1, 4_096) },
      maxOutputBytes: { kind: int(1_024, 64 * 1024 * 1024) },
      hide: {
        kind: { type: 'strings', pattern: '^\\s*[^!\\s]' },
        union: true,
        refine: (v) => ((v as string[]).some((p) => p.trim().startsWith('!')) ? 'patterns cannot start with "!": configuration can only hide more files, never show hidden ones' : undefined),
        description:
          'Gitignore-style patterns of project files the sandbox hides from the code, in addition to the built-in credential files (.env*, *.pem, *.key, SSH keys, .npmrc, .aws/, …). Adds to, never replaces, what other settings hide.',
      },
      lineCoverage: { kind: bool, description: 'Record which lines each example, test and probe runs, to point a failure at its most suspicious line.' },
    },
  },
  model: {
    description: "The critic model (the API key is never stored here: use OPENAI_API_KEY or the extension's Set API Key command).",
    fields: {
      models: {
        kind: strings,
        description: 'Model name(s); several form a panel.',
        projectNote: "Ignored in a project's .critic.json unless you trust the project (--trust-project, CRITIC_TRUST_PROJECT=1, trustedProjects in your user config, or VS Code Workspace Trust).",
      },
      baseUrl: {
        kind: { type: 'url' },
        description: 'OpenAI-compatible endpoint, e.g. http://localhost:11434/v1 for Ollama.',
        projectNote: "Ignored in a project's .critic.json unless the project is trusted; an endpoint named only by a project never receives OPENAI_API_KEY.",
      },
      maxFindingsPerUnit: { kind: int(0, 50) },
      minConfidence: { kind: { type: 'number', minimum: 0, maximum: 1 } },
      quorum: { kind: int(1, 16) },
      timeoutMs: { kind: int(1_000, 3_600_000) },
      maxRetries: { kind: int(0, 10) },
      probes: { kind: bool },
    },
  },
};

/** Top-level keys of `.critic.json` that are values rather than sections. */
export const configLeaves: Record<string, Field> = {
  rules: { kind: { type: 'rules' }, description: 'Level per rule id (as printed, e.g. "ts-2339", "ruff-F401"), or "off".' },
  ignore: { kind: strings, description: 'Gitignore-style patterns, relative to the project root, that are never critiqued.' },
  failOn: { kind: { type: 'enum', values: failOnValues }, description: 'The lowest level that makes the CLI exit with 1.' },
};

/** The order of the top-level keys in the schema (`$schema` first). */
export const configTopOrder = ['tools', 'tests', 'rules', 'ignore', 'failOn', 'execution', 'model'] as const;

/** The user config's own key; a project file cannot trust itself. */
const trustedMessage = 'expected an array of absolute paths (or paths starting with ~/)';
export const trustedProjectsField: Field = {
  kind: { type: 'strings', pattern: '^(/|~/|~$)' },
  message: trustedMessage,
  refine: (v) => ((v as string[]).every((p) => /^(\/|[A-Za-z]:[\\/]|\\\\|~\/|~$)/.test(p)) ? undefined : trustedMessage),
  description:
    "Project folders you trust (absolute, or starting with ~/); a project at or below one may choose the model, loosen limits and load its ESLint config in Critic's process. Only here: a project cannot trust itself.",
};

/**
 * VS Code's setting scopes. `resource`: a folder may differ. `machine`: only the user's (or the
 * remote machine's) settings, never a workspace's — where code is sent and how it may run are the
 * user's choice, not a cloned repository's `.vscode/settings.json`. `window`: one value per window.
 */
export type SettingScope = 'resource' | 'machine' | 'window';

export interface Setting {
  /** Without the `critic.` prefix. */
  key: string;
  /** The `.critic.json` key it overrides (`section.field`); its kind and default are that field's. */
  field?: string;
  /** For settings of the editor itself (no `field`). */
  kind?: Kind;
  default?: unknown;
  scope: SettingScope;
  markdownDescription: string;
  enumDescriptions?: string[];
  /** Ignored in Restricted Mode (VS Code's `restrictedConfigurations`). */
  restricted?: boolean;
}

export interface SettingCategory {
  id: string;
  title: string;
  settings: Setting[];
}

export const autoCheckModes = ['off', 'insertions', 'save', 'open'] as const;
export const modelProviders = ['none', 'openai', 'vscode-lm'] as const;

/** A setting that overrides the `.critic.json` key of the same name, per folder. */
function overrides(key: string, markdownDescription: string, more: Partial<Setting> = {}): Setting {
  return { key, field: key, scope: 'resource', markdownDescription, ...more };
}

/** The `critic.*` settings, by category, in the order the Settings editor shows them. */
export const settingCategories: SettingCategory[] = [
  {
    id: 'critic.general',
    title: 'General',
    settings: [
      {
        key: 'autoCheck',
        kind: { type: 'enum', values: autoCheckModes },
        default: 'insertions',
        scope: 'resource',
        enumDescriptions: [
          'Critique only when you run a Critic command.',
          'Critique the enclosing function by itself after a multi-line insertion in one change (a paste, an accepted AI suggestion), and re-critique a function whose findings your edit cleared.',
          'Critique the functions you edited since the last run when you save the file.',
          'Critique a whole file when you open it in an editor, and everything `insertions` does.',
        ],
        markdownDescription:
          'When Critic critiques code without a command. With `insertions`, pasting a block or accepting an AI suggestion critiques the enclosing function after `#critic.autoCheckDelayMs#` of idle time; ordinary typing never starts a run on its own. With `open`, a file is also critiqued when it is opened.',
      },
      {
        key: 'autoCheckDelayMs',
        kind: int(100, 60_000),
        default: 800,
        scope: 'resource',
        markdownDescription: 'Idle time in milliseconds after the last edit before an automatic critique starts (see `#critic.autoCheck#`). Every edit restarts the wait and cancels a critique that is running.',
      },
      {
        key: 'checkBeforeCommit',
        kind: bool,
        default: false,
        scope: 'resource',
        markdownDescription: 'Critique the staged changes before a commit from the Source Control view: whenever files are staged, and once more when you press Ctrl+Enter in the commit message box (Critic then commits). With `#git.diagnosticsCommitHook.enabled#` on and `critic` among its sources, VS Code\'s commit check then asks before committing code with Critic errors; with it off, Critic asks itself.',
      },
    ],
  },
  {
    id: 'critic.checks',
    title: 'Checks & tools',
    settings: [
      overrides('tools.syntax', 'Syntax errors from tree-sitter for every supported language.'),
      overrides('tools.typescript', 'Type errors from the TypeScript language service for JavaScript and TypeScript (bundled TypeScript 6; runs no project code).'),
      overrides('tools.ruff', 'Python lint from ruff (bundled, WebAssembly): likely defects by default, or the rules your `pyproject.toml` / `ruff.toml` selects.'),
      overrides('tools.eslint', "The project's own ESLint with its own configuration. Its configuration is JavaScript, so it is not loaded in untrusted workspaces.", { restricted: true, enumDescriptions: ["Always run the project's ESLint.", 'Never run ESLint.', "Run the project's ESLint when it has a flat config (`eslint.config.*`)."] }),
      overrides('tools.examples', 'Run Python docstring examples (`>>>`) and JSDoc `@example`s in the sandbox.', { restricted: true }),
      overrides('tools.tests', 'Run the tests that exercise the file (pytest/unittest, node:test) in the sandbox.', { restricted: true }),
      overrides('rules', 'Level per rule id, as shown after `critic` in the Problems panel — for example `doctest-failed` (a failing docstring or JSDoc example), `test-failed`, `exec-timeout`, `ruff-F821`, `ts-2339`, `eslint-no-unused-vars`, `model-edge-case` — or `off`. Overrides `.critic.json`. **Ignore Rule in This Workspace** adds entries here.'),
      overrides('ignore', 'Gitignore-style patterns, relative to the project root, of files Critic never critiques (added to those in `.critic.json`).'),
    ],
  },
  {
    id: 'critic.execution',
    title: 'Execution',
    settings: [
      overrides('execution.enabled', 'Run the code under critique — its docstring/JSDoc examples, the tests that exercise it, model probes — in the sandbox. Off: static tools and the model only. Never happens in an untrusted workspace.', { restricted: true }),
      {
        key: 'execution.allowUnsandboxed',
        field: 'execution.allowUnsandboxed',
        scope: 'machine',
        restricted: true,
        markdownDescription: 'Where no sandbox (bubblewrap) is available, still run the code with resource limits only — **not isolated**: it can read your files and use the network. Leave off unless you trust the code. Only your user settings can turn this on, never a workspace.',
      },
      overrides('execution.exampleTimeoutMs', "Wall-clock limit for one run of a file's examples, in milliseconds; a run that takes longer is reported as a timeout (`executed` evidence)."),
      overrides('execution.testTimeoutMs', 'Wall-clock limit for running the tests related to a file, in milliseconds.'),
      overrides('execution.memoryMb', 'Memory limit for code running in the sandbox, in MiB.'),
    ],
  },
  {
    id: 'critic.model',
    title: 'Model',
    settings: [
      {
        key: 'model.provider',
        kind: { type: 'enum', values: modelProviders },
        default: 'none',
        scope: 'machine',
        restricted: true,
        enumDescriptions: [
          'No critic model: tool evidence only (syntax, types, lint, executed examples and tests).',
          "An OpenAI-compatible endpoint (`#critic.model.baseUrl#`, `#critic.model.name#`); its API key is stored with **Critic: Set API Key** in VS Code's secret storage.",
          'A language model VS Code already has (for example from GitHub Copilot Chat), chosen with **Critic: Select Model**.',
        ],
        markdownDescription: 'Where the critic model comes from. **Critic: Select Model** sets this for you. Without a model, Critic still reports everything its tools find; rewrites need a model.',
      },
      {
        key: 'model.baseUrl',
        kind: { type: 'string', format: 'uri' },
        default: '',
        scope: 'machine',
        restricted: true,
        markdownDescription:
          'Base URL of the OpenAI-compatible endpoint, ending in `/v1` (for example `http://127.0.0.1:11434/v1` for Ollama). Empty: `https://api.openai.com/v1`. Used when `#critic.model.provider#` is `openai`. The API key is never read from settings: use **Critic: Set API Key**.',
      },
      {
        key: 'model.name',
        kind: { type: 'string' },
        default: '',
        scope: 'machine',
        restricted: true,
        markdownDescription: 'The critic model: a model name the endpoint knows (`gpt-4o-mini`, `qwen2.5-coder:7b`) for `openai`, or `vendor/id` of a VS Code language model for `vscode-lm` (empty: the first one available).',
      },
      {
        key: 'model.panel',
        kind: strings,
        default: [],
        scope: 'machine',
        restricted: true,
        markdownDescription:
          'More models of the same provider to form a **panel** with `#critic.model.name#`: a model finding is kept only when at least `#critic.model.quorum#` members quote overlapping code. Small models from different families agree with people better than one large judge.',
      },
      overrides('model.quorum', 'In panel mode, how many members must report overlapping code for a model finding to be shown.'),
      overrides('model.timeoutMs', 'How long one model request may take, in milliseconds, retries included. A request that takes longer gets no model findings; tool findings are shown regardless.'),
      overrides('model.probes', 'When a function has no examples or tests, ask the model for a few calls with expected results and run them in the sandbox (their failures are `executed` evidence).', { restricted: true }),
      { key: 'maxFindingsPerUnit', field: 'model.maxFindingsPerUnit', scope: 'resource', markdownDescription: 'At most this many **model** findings per function or class (the most confident first). Tool and executed findings are never cut.' },
      { key: 'minConfidence', field: 'model.minConfidence', scope: 'resource', markdownDescription: 'Model findings below this confidence (0–1) are not shown. Model-only findings are never errors unless a tool corroborates them.' },
    ],
  },
  {
    id: 'critic.display',
    title: 'Display',
    settings: [
      { key: 'codeLens.enabled', kind: bool, default: true, scope: 'resource', markdownDescription: 'Show *Critic: N issues · Rewrite* above each function or class that has findings.' },
      {
        key: 'inlineHints',
        kind: bool,
        default: false,
        scope: 'window',
        markdownDescription:
          'Show the most severe finding of a line at the end of that line, in short (`expected 4, got 5` for a failing example). The colours are themable: `critic.inlineHint.errorForeground`, `critic.inlineHint.warningForeground` and `critic.inlineHint.infoForeground` in `#workbench.colorCustomizations#`.',
      },
    ],
  },
];

/** Every setting, flat. */
export const allSettings: readonly Setting[] = settingCategories.flatMap((c) => c.settings);

/** The `.critic.json` field a `section.field` (or top-level) path names. */
export function fieldAt(path: string): Field {
  const [a, b] = path.split('.') as [string, string | undefined];
  const f = b === undefined ? configLeaves[a] : configSections[a]?.fields[b];
  if (!f) throw new Error(`no configuration key ${path}`);
  return f;
}

/** `{ tools: { ruff: v } }` for `tools.ruff`. */
function nested(path: string, value: unknown): Record<string, unknown> {
  const [a, b] = path.split('.') as [string, string | undefined];
  return b === undefined ? { [a]: value } : { [a]: { [b]: value } };
}

/**
 * The editor settings (without the prefix) that override a `.critic.json` key, each with the
 * partial configuration it stands for. The model's provider, name, panel and endpoint are not
 * here: the hosts resolve those themselves (they choose where code is sent).
 */
export const engineSettingKeys: Record<string, (v: unknown) => Record<string, unknown>> = Object.fromEntries(
  allSettings.filter((s) => s.field).map((s) => [s.key, (v: unknown) => nested(s.field!, v)]),
);

/** Settings only the user's own settings may set (VS Code ignores a workspace's value). */
export function isUserOnlySetting(key: string): boolean {
  return allSettings.find((s) => s.key === key)?.scope === 'machine';
}
