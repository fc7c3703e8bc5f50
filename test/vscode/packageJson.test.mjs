// The extension's manifest: commands, menus, activation, trust, packaging entry points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './support/pure.mjs';

const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
const commands = new Map(pkg.contributes.commands.map((c) => [c.command, c]));

test('every command has a title and the Critic category, and every menu entry names a contributed command', () => {
  for (const c of commands.values()) {
    assert.ok(c.title && c.category === 'Critic', c.command);
    assert.ok(!c.icon || /^\$\([a-z-]+\)$/.test(c.icon), `${c.command} icon is a codicon`);
  }
  for (const [menu, entries] of Object.entries(pkg.contributes.menus)) {
    for (const e of entries) assert.ok(commands.has(e.command), `${menu}: ${e.command}`);
  }
  for (const id of ['critic.critiqueFile', 'critic.critiqueSelection', 'critic.critiqueChanges', 'critic.critiqueStagedChanges', 'critic.installPreCommitHook', 'critic.rewriteFinding', 'critic.previewRewrite', 'critic.ignoreFinding', 'critic.setApiKey', 'critic.selectModel', 'critic.findLocalModels', 'critic.showReport', 'critic.showLog']) {
    assert.ok(commands.has(id), id);
  }
});

test('commands that need arguments are hidden from the palette; the others say when they apply', () => {
  const palette = new Map(pkg.contributes.menus.commandPalette.map((e) => [e.command, e.when]));
  for (const id of ['critic.rewriteUnit', 'critic.forgetFinding', 'critic.openLocation', 'critic.ignoreRuleInWorkspace', 'critic.showUnitFindings']) assert.equal(palette.get(id), 'false', id);
  assert.match(palette.get('critic.critiqueSelection'), /editorHasSelection/);
  // Remote windows (code-server) show workspace files as vscode-remote: URIs.
  assert.match(palette.get('critic.critiqueFile'), /vscode-remote/);
  assert.ok(pkg.contributes.menus['scm/title'].every((e) => e.when === 'scmProvider == git'));
  assert.ok(pkg.contributes.menus['editor/context'].some((e) => e.command === 'critic.critiqueSelection'));
});

test('activation is narrow, the extension runs in the workspace, and declares Restricted Mode', () => {
  assert.deepEqual(pkg.activationEvents.filter((e) => !e.startsWith('onLanguage:')), ['workspaceContains:.critic.json']);
  assert.equal(pkg.activationEvents.filter((e) => e.startsWith('onLanguage:')).length, 5);
  assert.deepEqual(pkg.extensionKind, ['workspace']);
  // vscode.git does not run in untrusted workspaces; depending on it would disable Critic there.
  assert.equal(pkg.extensionDependencies, undefined);
  assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
  assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('critic.model.baseUrl'));
  assert.equal(pkg.main, './dist/extension.js');
});

test('the files the manifest points at exist', () => {
  for (const p of [pkg.icon, pkg.contributes.jsonValidation[0].url, ...pkg.contributes.grammars.map((g) => g.path)]) assert.ok(existsSync(join(repoRoot, p)), p);
  const grammar = JSON.parse(readFileSync(join(repoRoot, pkg.contributes.grammars[0].path), 'utf8'));
  assert.equal(grammar.scopeName, pkg.contributes.grammars[0].scopeName);
  const finding = new RegExp(grammar.repository.finding.match);
  const m = finding.exec('src/cart.py:12:5: error doctest-failed Example `total([])` raised ZeroDivisionError [Cart.total · executed, also ruff]');
  assert.deepEqual([m[1], m[3], m[5], m[7], m[10], m[13], m[15]], ['src/cart.py', '12', '5', 'error', 'doctest-failed', 'Cart.total', 'executed']);
});
