// VS Code settings → the engine's configuration: precedence over .critic.json, validation by
// setting name, and what Restricted Mode (untrusted workspaces) turns off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPure, repoRoot } from './support/pure.mjs';

const { resolveSettings, settingKeys, lmModelId } = await loadPure('src/vscode/configFromSettings.ts');
const { defaultConfig, parseConfigText } = await loadPure('src/engine/config.ts');

test('nothing set: the engine defaults, autoCheck insertions, no model', () => {
  const r = resolveSettings({}, defaultConfig(), { trusted: true });
  assert.deepEqual(r.config, defaultConfig());
  assert.equal(r.host.autoCheck, 'insertions');
  assert.equal(r.host.autoCheckDelayMs, 800);
  assert.equal(r.host.provider, 'none');
  assert.deepEqual(r.problems, []);
});

test('settings the user set override .critic.json; unset ones leave it alone', () => {
  const project = parseConfigText(JSON.stringify({ tools: { ruff: false, eslint: true }, execution: { exampleTimeoutMs: 9000 }, rules: { 'ruff-F401': 'off' } }), '.critic.json');
  const r = resolveSettings({ 'tools.ruff': true, 'execution.memoryMb': 256, rules: { 'ts-2339': 'warning' }, minConfidence: 0.7, maxFindingsPerUnit: 2 }, project, { trusted: true });
  assert.equal(r.config.tools.ruff, true);
  assert.equal(r.config.tools.eslint, true);
  assert.equal(r.config.execution.exampleTimeoutMs, 9000);
  assert.equal(r.config.execution.memoryMb, 256);
  assert.deepEqual(r.config.rules, { 'ruff-F401': 'off', 'ts-2339': 'warning' });
  assert.equal(r.config.model.minConfidence, 0.7);
  assert.equal(r.config.model.maxFindingsPerUnit, 2);
});

test('a bad value is reported by its setting name and ignored; the other settings still apply', () => {
  const r = resolveSettings({ 'execution.exampleTimeoutMs': 5, 'tools.eslint': 'sometimes', autoCheck: 'always', 'tools.tests': false }, defaultConfig(), { trusted: true });
  assert.equal(r.config.execution.exampleTimeoutMs, 5000);
  assert.equal(r.config.tools.eslint, 'auto');
  assert.equal(r.config.tools.tests, false);
  assert.equal(r.host.autoCheck, 'insertions');
  assert.equal(r.problems.length, 3);
  assert.match(r.problems.join('\n'), /critic\.execution\.exampleTimeoutMs.*from 100 to 600000/);
  assert.match(r.problems.join('\n'), /critic\.tools\.eslint/);
  assert.match(r.problems.join('\n'), /critic\.autoCheck.*"off", "insertions", "save"/);
});

test('the model: provider, name, panel and base URL; openai without a name means no model', () => {
  const openai = resolveSettings({ 'model.provider': 'openai', 'model.name': 'gpt-4o-mini', 'model.panel': ['qwen2.5-coder:7b', 'llama3.1:8b'], 'model.baseUrl': 'http://127.0.0.1:11434/v1' });
  assert.equal(openai.host.provider, 'openai');
  assert.deepEqual(openai.host.models, ['gpt-4o-mini', 'qwen2.5-coder:7b', 'llama3.1:8b']);
  assert.equal(openai.host.baseUrl, 'http://127.0.0.1:11434/v1');
  assert.deepEqual(openai.config.model.models, openai.host.models);
  const nameless = resolveSettings({ 'model.provider': 'openai' });
  assert.equal(nameless.host.provider, 'none');
  assert.match(nameless.problems[0], /critic\.model\.name is empty/);
  const lm = resolveSettings({ 'model.provider': 'vscode-lm' });
  assert.equal(lm.host.provider, 'vscode-lm');
  assert.deepEqual(lm.host.models, []);
  assert.equal(lmModelId({ vendor: 'copilot', id: 'gpt-4o' }), 'copilot/gpt-4o');
  assert.match(resolveSettings({ 'model.baseUrl': 'ftp://x' }).problems[0], /critic\.model\.baseUrl.*http\(s\) URL/);
});

test('a project file that names models means an OpenAI-compatible endpoint unless the provider setting says otherwise', () => {
  const project = parseConfigText(JSON.stringify({ model: { models: ['m1'], baseUrl: 'http://127.0.0.1:1234/v1' } }), '.critic.json');
  assert.equal(resolveSettings({}, project).host.provider, 'openai');
  assert.equal(resolveSettings({ 'model.provider': 'none' }, project).host.provider, 'none');
  assert.deepEqual(resolveSettings({ 'model.provider': 'none' }, project).config.model.models, []);
});

test('Restricted Mode: static tools only — no execution, no project ESLint, no model — and says what it turned off', () => {
  const r = resolveSettings({ 'model.provider': 'openai', 'model.name': 'gpt-4o-mini', 'tools.eslint': true, 'execution.allowUnsandboxed': true }, defaultConfig(), { trusted: false });
  assert.equal(r.config.execution.enabled, false);
  assert.equal(r.config.tools.examples, false);
  assert.equal(r.config.tools.tests, false);
  assert.equal(r.config.tools.eslint, false);
  assert.equal(r.config.model.probes, false);
  assert.deepEqual(r.config.model.models, []);
  assert.equal(r.host.provider, 'none');
  assert.equal(r.config.tools.ruff, true);
  assert.equal(r.config.tools.typescript, true);
  assert.deepEqual(r.restricted, ['running examples and tests', "the project's ESLint configuration", 'the critic model']);
});

test('package.json contributes exactly the settings the extension reads, each with a description and a default', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
  // Grouped into categories (General, Checks & tools, …); each key belongs to exactly one.
  const categories = pkg.contributes.configuration;
  assert.ok(Array.isArray(categories), 'contributes.configuration is a list of categories');
  const props = Object.assign({}, ...categories.map((c) => c.properties));
  assert.equal(Object.keys(props).length, categories.reduce((n, c) => n + Object.keys(c.properties).length, 0), 'no key is in two categories');
  assert.deepEqual(Object.keys(props).map((k) => k.replace(/^critic\./, '')).sort(), [...settingKeys].sort());
  for (const [key, p] of Object.entries(props)) {
    assert.ok(p.markdownDescription, `${key} has a markdownDescription`);
    assert.ok('default' in p, `${key} has a default`);
    if (p.enum) assert.equal(p.enumDescriptions?.length, p.enum.length, `${key} describes every enum value`);
  }
  // The defaults shown in the Settings editor are the engine's.
  const d = defaultConfig();
  assert.equal(props['critic.execution.exampleTimeoutMs'].default, d.execution.exampleTimeoutMs);
  assert.equal(props['critic.maxFindingsPerUnit'].default, d.model.maxFindingsPerUnit);
  assert.equal(props['critic.minConfidence'].default, d.model.minConfidence);
  assert.equal(props['critic.model.timeoutMs'].default, d.model.timeoutMs);
  assert.equal(props['critic.tools.eslint'].default, d.tools.eslint);
  for (const key of pkg.capabilities.untrustedWorkspaces.restrictedConfigurations) assert.ok(props[key], `restricted ${key} exists`);
});

test('critic.checkBeforeCommit is off unless set to true; a wrong value is named and ignored', () => {
  assert.equal(resolveSettings({}).host.checkBeforeCommit, false);
  assert.equal(resolveSettings({ checkBeforeCommit: true }).host.checkBeforeCommit, true);
  const wrong = resolveSettings({ checkBeforeCommit: 'yes' });
  assert.equal(wrong.host.checkBeforeCommit, false);
  assert.deepEqual(wrong.problems, ['Setting critic.checkBeforeCommit is ignored: expected true or false.']);
});
