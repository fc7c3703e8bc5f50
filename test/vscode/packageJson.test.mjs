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
  // Source Control commands only where the git extension has a repository open (critic.git.hasRepository, set from its API).
  assert.ok(pkg.contributes.menus['scm/title'].every((e) => e.when === 'scmProvider == git && critic.git.hasRepository'));
  for (const id of ['critic.critiqueChanges', 'critic.critiqueStagedChanges', 'critic.installPreCommitHook']) assert.equal(palette.get(id), 'critic.git.hasRepository', id);
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

test('the findings view has its own container, a welcome text and a tier filter in its title bar', () => {
  const [container] = pkg.contributes.viewsContainers.activitybar;
  assert.ok(existsSync(join(repoRoot, container.icon)), container.icon);
  const view = pkg.contributes.views[container.id].find((v) => v.id === 'critic.findings');
  assert.ok(view, 'critic.findings is contributed');
  assert.ok(pkg.contributes.viewsWelcome.some((w) => w.view === 'critic.findings' && /command:critic\.critiqueFile/.test(w.contents)));
  const title = pkg.contributes.menus['view/title'].filter((e) => /view == critic\.findings/.test(e.when)).map((e) => e.command);
  assert.deepEqual(title.sort(), ['critic.filterFindings', 'critic.showAllFindings']);
  // The hints' colours are themable.
  assert.deepEqual(pkg.contributes.colors.map((c) => c.id).sort(), ['critic.inlineHint.errorForeground', 'critic.inlineHint.infoForeground', 'critic.inlineHint.warningForeground']);
});

test('the walkthrough: its steps link to contributed commands, and its media and the sample ship in media/', () => {
  const [walkthrough] = pkg.contributes.walkthroughs;
  assert.deepEqual(walkthrough.steps.map((s) => s.id), ['about', 'sample', 'model', 'sandbox', 'commit']);
  const vscodeignore = readFileSync(join(repoRoot, '.vscodeignore'), 'utf8');
  assert.match(vscodeignore, /^!media\/\*\*$/m, 'media/ is packaged');
  for (const step of walkthrough.steps) {
    const media = step.media.markdown ?? step.media.image;
    assert.ok(media.startsWith('media/') && existsSync(join(repoRoot, media)), media);
    for (const [, id] of step.description.matchAll(/\(command:([\w.]+)/g)) assert.ok(commands.has(id), `${step.id} links ${id}`);
    // Images referenced by the step's markdown are there too.
    const text = readFileSync(join(repoRoot, media), 'utf8');
    for (const [, image] of text.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)) assert.ok(existsSync(join(repoRoot, 'media', 'walkthrough', image)), image);
  }
  assert.match(walkthrough.steps.find((s) => s.id === 'sandbox').description, /sudo apt-get install bubblewrap[\s\S]*sudo dnf install bubblewrap[\s\S]*sudo pacman -S bubblewrap[\s\S]*npm run setup:linux/);
  assert.match(readFileSync(join(repoRoot, 'media', 'sample', 'stats.py'), 'utf8'), />>> mean\(\[1, 2, 3, 4\]\)\n\s+2\.5/);
});
