// The `critic.*` settings come from one definition (src/engine/configDefinition.ts): package.json
// contributes exactly those, with the engine's defaults, a scope each, and the model and the
// sandbox escape readable from the user's settings only; the language server resolves them over
// `.critic.json` by setting name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPure, repoRoot } from './support/pure.mjs';

const { lmModelId } = await loadPure('src/vscode/configFromSettings.ts');
const { autoCheckModes } = await loadPure('src/vscode/documentRuns.ts');
const { allSettings, settingCategories, autoCheckModes: definedModes } = await loadPure('src/engine/configDefinition.ts');
const { defaultConfig, parseConfigText } = await loadPure('src/engine/config.ts');
const { resolveServerSettings } = await loadPure('src/lsp/settings.ts');

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const categories = pkg.contributes.configuration;
const props = Object.assign({}, ...categories.map((c) => c.properties));

test('package.json contributes exactly the defined settings, in their categories, each with a description, a default and a scope', () => {
  assert.deepEqual(categories.map((c) => c.title), ['General', 'Checks & tools', 'Execution', 'Model', 'Display']);
  assert.equal(Object.keys(props).length, categories.reduce((n, c) => n + Object.keys(c.properties).length, 0), 'no key is in two categories');
  assert.deepEqual(Object.keys(props), allSettings.map((s) => `critic.${s.key}`));
  for (const [key, p] of Object.entries(props)) {
    assert.ok(p.markdownDescription, `${key} has a markdownDescription`);
    assert.ok('default' in p, `${key} has a default`);
    assert.ok(['resource', 'machine', 'window'].includes(p.scope), `${key} declares its scope`);
    if (p.enum) assert.equal(p.enumDescriptions?.length, p.enum.length, `${key} describes every enum value`);
  }
  // The defaults shown in the Settings editor are the engine's.
  const d = defaultConfig();
  assert.equal(props['critic.execution.exampleTimeoutMs'].default, d.execution.exampleTimeoutMs);
  assert.equal(props['critic.maxFindingsPerUnit'].default, d.model.maxFindingsPerUnit);
  assert.equal(props['critic.minConfidence'].default, d.model.minConfidence);
  assert.equal(props['critic.tools.eslint'].default, d.tools.eslint);
  for (const key of pkg.capabilities.untrustedWorkspaces.restrictedConfigurations) assert.ok(props[key], `restricted ${key} exists`);
  assert.equal(props['critic.checkBeforeCommit'].default, false);
  assert.equal(settingCategories.length, categories.length);
});

test('where code is sent and whether it may run unisolated are the user’s settings only, never a workspace’s', () => {
  const userOnly = Object.entries(props).filter(([, p]) => p.scope === 'machine').map(([k]) => k).sort();
  assert.deepEqual(userOnly, ['critic.execution.allowUnsandboxed', 'critic.model.baseUrl', 'critic.model.name', 'critic.model.panel', 'critic.model.provider']);
  // A folder may differ on everything that only shapes the checks.
  for (const key of ['critic.tools.ruff', 'critic.rules', 'critic.ignore', 'critic.autoCheck', 'critic.execution.memoryMb']) assert.equal(props[key].scope, 'resource', key);
});

test('the extension’s autoCheck modes are the defined ones, and a VS Code model is named vendor/id', () => {
  assert.deepEqual([...autoCheckModes], [...definedModes]);
  assert.deepEqual(props['critic.autoCheck'].enum, [...definedModes]);
  assert.equal(lmModelId({ vendor: 'copilot', id: 'gpt-4o' }), 'copilot/gpt-4o');
});

test('settings the user set override .critic.json by setting name; a bad one is reported and the others still apply', () => {
  const project = parseConfigText(JSON.stringify({ tools: { ruff: false }, execution: { memoryMb: 1024 }, rules: { 'ruff-F401': 'off' } }), '.critic.json');
  const r = resolveServerSettings({ 'tools.ruff': true, 'execution.memoryMb': 256, rules: { 'ts-2339': 'warning' }, minConfidence: 0.7, maxFindingsPerUnit: 2 }, project, { trusted: true, root: '/p' });
  assert.equal(r.config.tools.ruff, true);
  assert.equal(r.config.execution.memoryMb, 256);
  assert.deepEqual(r.config.rules, { 'ruff-F401': 'off', 'ts-2339': 'warning' });
  assert.equal(r.config.model.minConfidence, 0.7);
  assert.equal(r.config.model.maxFindingsPerUnit, 2);
  const bad = resolveServerSettings({ 'execution.exampleTimeoutMs': 5, 'tools.eslint': 'sometimes', 'tools.tests': false }, defaultConfig(), { trusted: true, root: '/p' });
  assert.deepEqual(bad.problems, [
    'Setting critic.tools.eslint is ignored: expected true, false or "auto".',
    'Setting critic.execution.exampleTimeoutMs is ignored: expected an integer from 100 to 600000.',
  ]);
  assert.equal(bad.config.tools.tests, false);
  assert.equal(bad.config.execution.exampleTimeoutMs, defaultConfig().execution.exampleTimeoutMs);
});
