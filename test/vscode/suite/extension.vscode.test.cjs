// Extension-host tests (mocha, bdd) for @vscode/test-cli: `npx vscode-test` (see .vscode-test.mjs).
// They run inside VS Code with test/vscode/workspace open and drive Critic through VS Code's own
// APIs: commands, diagnostics, code actions, hovers, code lenses, settings.
//
// `node --test test/` would load this file too: outside VS Code there is no 'vscode' module, so
// it registers one skipped node:test test and stops.
let vscode;
try {
  vscode = require('vscode');
} catch {
  require('node:test').test('extension-host suite', { skip: 'runs inside VS Code: npx vscode-test' }, () => {});
  return;
}
const assert = require('node:assert/strict');
const path = require('node:path');

const extensionId = 'critic-dev.critic';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const criticDiagnostics = (uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'critic');
const ruleOf = (d) => (typeof d.code === 'object' ? String(d.code.value) : String(d.code));

describe('Critic in the extension host', function () {
  const folder = vscode.workspace.workspaceFolders[0].uri;
  const calc = vscode.Uri.joinPath(folder, 'calc.py');
  let api;
  let editor;

  before(async () => {
    const ext = vscode.extensions.getExtension(extensionId);
    assert.ok(ext, `${extensionId} is installed`);
    editor = await vscode.window.showTextDocument(calc);
    api = await ext.activate();
    assert.ok(api && typeof api.findings === 'function', 'activate returns the API');
  });

  afterEach(async () => {
    // Leave calc.py as it is on disk for the next test.
    await vscode.window.showTextDocument(calc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('critic.clearFindings');
  });

  it('registers every command it contributes', async () => {
    const pkg = vscode.extensions.getExtension(extensionId).packageJSON;
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const c of pkg.contributes.commands) assert.ok(registered.has(c.command), c.command);
  });

  it('Critique File shows tool findings as diagnostics with source critic and the rule as code', async () => {
    await vscode.commands.executeCommand('critic.critiqueFile');
    const diagnostics = await waitFor('the ruff finding', () => {
      const d = criticDiagnostics(calc);
      return d.some((x) => ruleOf(x) === 'ruff-F821') && d;
    });
    const f821 = diagnostics.find((d) => ruleOf(d) === 'ruff-F821');
    assert.equal(f821.severity, vscode.DiagnosticSeverity.Error);
    assert.equal(f821.range.start.line, 16);
    assert.match(f821.message, /scale/);
    assert.ok(api.findings(calc).some((f) => f.rule === 'ruff-F821' && f.tier === 'tool'));
    // With bubblewrap on the machine the failing docstring example is executed evidence too.
    const doctest = diagnostics.find((d) => ruleOf(d) === 'doctest-failed');
    if (doctest) assert.ok(doctest.relatedInformation?.length, 'the example is the related location');
  });

  it("TypeScript: the failing JSDoc example is shown, VS Code's own type errors are not repeated as critic(ts-…)", async () => {
    const cart = vscode.Uri.joinPath(folder, 'cart.ts');
    await vscode.commands.executeCommand('critic.critiqueFile', cart);
    const d = await waitFor('the failing example', () => criticDiagnostics(cart).find((x) => ruleOf(x) === 'doctest-failed'));
    assert.equal(d.range.start.line, 14, 'on the faulty line, return n + 3');
    // The language server still type-checks (the rewrite verification uses it), but VS Code shows
    // ts(2322) itself: Critic publishes no ts-* diagnostic here, and no other noise.
    assert.deepEqual(criticDiagnostics(cart).map(ruleOf), ['doctest-failed']);
  });

  it('offers quick fixes, a hover with the tier, and a code lens for the finding', async () => {
    await vscode.commands.executeCommand('critic.critiqueFile');
    const f821 = await waitFor('the ruff finding', () => criticDiagnostics(calc).find((d) => ruleOf(d) === 'ruff-F821'));
    const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', calc, f821.range, vscode.CodeActionKind.QuickFix.value);
    const titles = actions.map((a) => a.title);
    assert.ok(titles.includes('Rewrite with Critic (verified)'), titles.join(', '));
    assert.ok(titles.includes('Preview rewrite'));
    assert.ok(titles.includes('Ignore this finding (critic-ignore-next-line ruff-F821)'));
    assert.ok(titles.includes('Ignore ruff-F821 in this workspace'));
    assert.ok(actions.every((a) => !a.isPreferred), 'no quick fix is applied automatically');

    const hovers = await vscode.commands.executeCommand('vscode.executeHoverProvider', calc, f821.range.start);
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /Tier:/);
    assert.match(text, /command:critic\.rewriteFinding/);

    const lenses = await vscode.commands.executeCommand('vscode.executeCodeLensProvider', calc);
    assert.ok(lenses.some((l) => l.command?.title === 'Critic: 1 issue'), lenses.map((l) => l.command?.title).join(', '));
    assert.ok(lenses.some((l) => l.command?.command === 'critic.rewriteUnit'));
  });

  it('Ignore this finding inserts the suppression comment at the indentation and the finding goes', async () => {
    await vscode.commands.executeCommand('critic.critiqueFile');
    const f821 = await waitFor('the ruff finding', () => criticDiagnostics(calc).find((d) => ruleOf(d) === 'ruff-F821'));
    const actions = await vscode.commands.executeCommand('vscode.executeCodeActionProvider', calc, f821.range, vscode.CodeActionKind.QuickFix.value);
    const ignore = actions.find((a) => a.title.startsWith('Ignore this finding'));
    assert.ok(await vscode.workspace.applyEdit(ignore.edit));
    await vscode.commands.executeCommand(ignore.command.command, ...ignore.command.arguments);
    assert.equal(editor.document.lineAt(16).text, '    # critic-ignore-next-line ruff-F821');
    await waitFor('the finding to go', () => !criticDiagnostics(calc).some((d) => ruleOf(d) === 'ruff-F821'));
  });

  it('moves the other diagnostics when lines are inserted above them, at once', async () => {
    await vscode.commands.executeCommand('critic.critiqueFile');
    await waitFor('the ruff finding', () => criticDiagnostics(calc).some((d) => ruleOf(d) === 'ruff-F821'));
    await api.idle(30_000);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(calc, new vscode.Position(2, 0), '# one\n# two\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const moved = criticDiagnostics(calc).find((d) => ruleOf(d) === 'ruff-F821');
    assert.equal(moved.range.start.line, 18);
  });

  it('autoCheck insertions: a pasted block is critiqued after the idle delay, without a command', async () => {
    const edit = new vscode.WorkspaceEdit();
    edit.insert(calc, new vscode.Position(editor.document.lineCount, 0), '\n\ndef pasted(values):\n    return len(values) + missing_name\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const d = await waitFor('the pasted function to be critiqued', () => criticDiagnostics(calc).find((x) => /missing_name/.test(x.message)));
    assert.equal(ruleOf(d), 'ruff-F821');
  });

  it('settings reach the engine: critic.tools.ruff off means no ruff findings', async () => {
    const config = vscode.workspace.getConfiguration('critic');
    await config.update('tools.ruff', false, vscode.ConfigurationTarget.Workspace);
    try {
      await vscode.commands.executeCommand('critic.critiqueFile');
      await api.idle(30_000);
      assert.ok(!criticDiagnostics(calc).some((d) => ruleOf(d).startsWith('ruff-')));
    } finally {
      await config.update('tools.ruff', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('Critique Selection reports only on the selected lines', async () => {
    editor = await vscode.window.showTextDocument(calc);
    editor.selection = new vscode.Selection(3, 0, 9, 0); // add(), not scaled_total()
    await vscode.commands.executeCommand('critic.critiqueSelection');
    await api.idle(30_000);
    assert.ok(!criticDiagnostics(calc).some((d) => ruleOf(d) === 'ruff-F821'), 'the undefined name is outside the selection');
  });

  it('Rewrite without a model says it needs one instead of failing', async () => {
    await vscode.commands.executeCommand('critic.critiqueFile');
    const f821 = await waitFor('the ruff finding', () => api.findings(calc).find((f) => f.rule === 'ruff-F821'));
    // The command shows a warning and returns; it must not throw.
    await vscode.commands.executeCommand('critic.rewriteFinding', calc.toString(), f821.fingerprint);
  });

  it('diagnostics carry tier, unit and confidence in data (what the findings view and inline hints read), and the code lens opens the view', async () => {
    await vscode.commands.executeCommand('critic.critiqueFile');
    const f821 = await waitFor('the ruff finding', () => criticDiagnostics(calc).find((d) => ruleOf(d) === 'ruff-F821'));
    assert.equal(f821.data.tier, 'tool');
    assert.equal(f821.data.unit, 'scaled_total');
    assert.equal(f821.data.confidence, 1);
    assert.equal(f821.data.fingerprint, api.findings(calc).find((f) => f.rule === 'ruff-F821').fingerprint);
    await vscode.commands.executeCommand('critic.showUnitFindings', calc.toString(), 'scaled_total');
    await vscode.commands.executeCommand('critic.showFindings');
  });

  it('autoCheck open: a file is critiqued when it is shown in an editor, without a command', async () => {
    const cart = vscode.Uri.joinPath(folder, 'cart.ts');
    const config = vscode.workspace.getConfiguration('critic');
    await config.update('autoCheck', 'open', vscode.ConfigurationTarget.Workspace);
    try {
      assert.equal(criticDiagnostics(cart).length, 0);
      await vscode.window.showTextDocument(cart, { preview: false });
      await waitFor('the failing example of the opened file', () => criticDiagnostics(cart).find((x) => ruleOf(x) === 'doctest-failed'));
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      await config.update('autoCheck', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('Show Report opens the findings in the critic-report language', async () => {
    await vscode.commands.executeCommand('critic.critiqueFile');
    await waitFor('findings', () => api.findings(calc).length > 0);
    await vscode.commands.executeCommand('critic.showReport');
    const doc = await waitFor('the report', () => vscode.window.activeTextEditor?.document.uri.scheme === 'critic-report' && vscode.window.activeTextEditor.document);
    assert.equal(doc.languageId, 'critic-report');
    assert.match(doc.getText(), new RegExp(`${path.basename(calc.fsPath).replace('.', '\\.')}:17:\\d+: error ruff-F821`));
  });
});
