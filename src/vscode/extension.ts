/**
 * The extension's entry point. `activate` only wires things together; Critic's language server
 * (the engine: TypeScript, ruff, tree-sitter, the sandbox, the model client) starts in its own
 * process on the first critique.
 */
import * as vscode from 'vscode';
import type { Finding } from '../engine/findings.js';
import { CommitCheck } from './commitCheck.js';
import { FindingsStore } from './findingsStore.js';
import { codeActionKinds, FindingCodeActions, suppressionWorkspaceEdit } from './codeActions.js';
import { FindingCodeLenses } from './codeLens.js';
import { CriticController, documentSelector } from './controller.js';
import { FindingDiagnostics } from './diagnostics.js';
import { FindingHoverProvider } from './hover.js';
import { FindingsView } from './findingsView.js';
import { GitRepositoryContext } from './gitContext.js';
import { InlineHints } from './inlineHints.js';
import { channelLogger } from './logging.js';
import { ModelCommands } from './modelCommands.js';
import { ReportProvider, reportScheme } from './report.js';
import { previewScheme, RewriteCommands } from './rewriteCommands.js';
import { ScmCommands, stagedScheme } from './scm.js';
import { CriticStatus } from './status.js';
import { CriticStatusBar } from './statusBar.js';
import { WalkthroughCommands } from './walkthroughCommands.js';

/** What `activate` returns (the extension's `exports`): read-only views for other extensions and tests. */
export interface CriticApi {
  findings(uri: vscode.Uri): readonly Finding[];
  /** Waits until no critique is running (or the timeout passes); true when idle. */
  idle(timeoutMs?: number): Promise<boolean>;
}

export function activate(context: vscode.ExtensionContext): CriticApi | undefined {
  const started = performance.now();
  const channel = vscode.window.createOutputChannel('Critic', { log: true });
  context.subscriptions.push(channel);
  const log = channelLogger(channel);
  try {
    const critic = wire(context, channel, log);
    log.info(`Critic ${context.extension.packageJSON.version} activated in ${(performance.now() - started).toFixed(1)} ms (${vscode.workspace.isTrusted ? 'trusted' : 'restricted mode'})`);
    return {
      findings: (uri) => critic.diagnostics.findings(uri),
      idle: (timeoutMs = 30_000) => critic.idle(timeoutMs),
    };
  } catch (err) {
    log.error('activation failed', err);
    void vscode.window.showErrorMessage(`Critic could not start (${(err as Error).message}); its commands will not work in this window — see the log, and report it if reloading does not help.`, 'Show Log').then((choice) => {
      if (choice) channel.show();
    });
    return undefined;
  }
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}

function wire(context: vscode.ExtensionContext, channel: vscode.LogOutputChannel, log: ReturnType<typeof channelLogger>): CriticController {
  // The one findings store: diagnostics, findings view, lenses, hints and hover are its views.
  const store = new FindingsStore();
  const diagnostics = new FindingDiagnostics(store);
  const critic = new CriticController(context, log, diagnostics, channel);
  const lenses = new FindingCodeLenses(diagnostics, critic.runs);
  const rewrites = new RewriteCommands(critic);
  const report = new ReportProvider(critic, String(context.extension.packageJSON.version));
  const scm = new ScmCommands(critic, log);
  const models = new ModelCommands(context.secrets, log);
  const status = new CriticStatus(critic);
  const statusBar = new CriticStatusBar(critic);
  const findingsView = new FindingsView(context.workspaceState, store);
  const inlineHints = new InlineHints(store);
  const commitCheck = new CommitCheck(scm, log);
  context.subscriptions.push(diagnostics, critic, lenses, rewrites, report, status, statusBar, findingsView, inlineHints, commitCheck, new GitRepositoryContext(log));
  void critic.restoreSavedFindings().catch((err) => log.error('restoring the findings of the last session failed', err));

  const command = (id: string, run: (...args: any[]) => unknown) =>
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: unknown[]) => {
        try {
          await run(...args);
        } catch (err) {
          log.error(`${id} failed`, err);
          void vscode.window.showErrorMessage(`Critic: ${(err as Error).message ?? err}`, 'Show Log').then((choice) => {
            if (choice) channel.show();
          });
        }
      }),
    );

  const activeSupported = (): vscode.TextEditor | undefined => {
    const editor = vscode.window.activeTextEditor;
    if (!editor || !critic.isSupported(editor.document)) {
      void vscode.window.showInformationMessage('Critic: open a saved Python, JavaScript or TypeScript file to critique it.');
      return undefined;
    }
    return editor;
  };

  command('critic.critiqueFile', async (uri?: vscode.Uri) => {
    const document = uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : activeSupported()?.document;
    if (!document) return;
    if (!critic.isSupported(document)) return void vscode.window.showInformationMessage('Critic critiques Python, JavaScript and TypeScript files.');
    await critic.critique(document, { reason: 'file' });
  });
  command('critic.critiqueSelection', async () => {
    const editor = activeSupported();
    if (!editor) return;
    const lines = editor.selections.map((s) => ({ start: s.start.line, end: s.end.character === 0 && s.end.line > s.start.line ? s.end.line - 1 : s.end.line }));
    await critic.critique(editor.document, { reason: 'selection', lines });
  });
  command('critic.clearFindings', () => critic.clearFindings());
  command('critic.checkAndCommit', () => commitCheck.checkAndCommit());
  command('critic.critiqueChanges', (arg?: unknown) => scm.critiqueChanges(arg, false));
  command('critic.critiqueStagedChanges', (arg?: unknown) => scm.critiqueChanges(arg, true));
  command('critic.installPreCommitHook', (arg?: unknown) => scm.installHook(arg));

  command('critic.rewriteFinding', (uri?: string, fingerprint?: string) => rewrites.rewriteFinding(uri, fingerprint, false));
  command('critic.previewRewrite', (uri?: string, fingerprint?: string) => rewrites.rewriteFinding(uri, fingerprint, true));
  command('critic.rewriteUnit', (uri: string, unit: string) => rewrites.rewriteUnit(uri, unit));
  command('critic.applyRewrite', (uri?: vscode.Uri) => rewrites.applyPreview(uri));
  command('critic.discardRewrite', (uri?: vscode.Uri) => rewrites.discardPreview(uri));

  const findingOf = (uri?: string, fingerprint?: string): { document: vscode.TextDocument; finding: Finding } | undefined => {
    const editor = vscode.window.activeTextEditor;
    const document = uri ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri) : editor?.document;
    if (!document) return undefined;
    const finding = fingerprint ? diagnostics.byFingerprint(document.uri, fingerprint) : editor ? diagnostics.at(document.uri, editor.selection.active)[0] : undefined;
    return finding && { document, finding };
  };
  command('critic.ignoreFinding', async (uri?: string, fingerprint?: string) => {
    const target = findingOf(uri, fingerprint);
    if (!target) return void vscode.window.showInformationMessage('Critic: there is no finding here to ignore.');
    const edit = suppressionWorkspaceEdit(target.document, target.finding);
    if (!edit) {
      void vscode.window
        .showInformationMessage(
          `Critic: a comment cannot suppress this finding (it is inside a docstring or doc comment); ignore ${target.finding.rule} in this workspace instead?`,
          'Ignore in Workspace',
        )
        .then((choice) => {
          if (choice) void vscode.commands.executeCommand('critic.ignoreRuleInWorkspace', target.finding.rule);
        });
      return;
    }
    if (await vscode.workspace.applyEdit(edit)) critic.runs.forget(target.document.uri.toString(), (f) => f.fingerprint !== target.finding.fingerprint);
  });
  command('critic.forgetFinding', (uri: string, fingerprint: string) => critic.runs.forget(uri, (f) => f.fingerprint !== fingerprint));
  command('critic.ignoreRuleInWorkspace', async (rule: string) => {
    if (!vscode.workspace.workspaceFolders?.length) return void vscode.window.showInformationMessage('Critic: open a folder to keep workspace settings.');
    const config = vscode.workspace.getConfiguration('critic');
    const current = config.inspect<Record<string, string>>('rules')?.workspaceValue ?? {};
    await config.update('rules', { ...current, [rule]: 'off' }, vscode.ConfigurationTarget.Workspace);
    critic.runs.forgetEverywhere((f) => f.rule !== rule);
    void vscode.window.showInformationMessage(`Critic: ${rule} is ignored in this workspace ("critic.rules" in its settings).`);
  });
  command('critic.openLocation', async (uri: string, line: number, character: number) => {
    const position = new vscode.Position(line, character);
    await vscode.window.showTextDocument(vscode.Uri.parse(uri), { selection: new vscode.Range(position, position) });
  });
  command('critic.showUnitFindings', (uri?: string, unit?: string) => findingsView.showUnit(uri, unit));
  command('critic.showFindings', () => findingsView.showUnit(vscode.window.activeTextEditor?.document.uri.toString()));
  command('critic.filterFindings', () => findingsView.filterByTier());
  command('critic.showAllFindings', () => findingsView.clearFilter());

  command('critic.setApiKey', () => models.setApiKey());
  command('critic.selectModel', () => models.selectModel());
  command('critic.findLocalModels', () => models.findLocalModels());
  command('critic.showReport', () => report.show());
  const walkthrough = new WalkthroughCommands(context, async (uri) => critic.critique(await vscode.workspace.openTextDocument(uri), { reason: 'file' }));
  command('critic.openWalkthrough', () => walkthrough.open());
  command('critic.openSample', () => walkthrough.openSample());
  command('critic.setUpSandbox', () => walkthrough.setUpSandbox());
  command('critic.enableCommitCheck', () => walkthrough.enableCommitCheck());
  command('critic.showLog', () => channel.show());

  context.subscriptions.push(
    vscode.languages.registerHoverProvider(documentSelector, new FindingHoverProvider(diagnostics, (uri, unit) => rewrites.pendingFor(uri, unit))),
    vscode.languages.registerCodeActionsProvider(documentSelector, new FindingCodeActions(diagnostics, (uri, unit) => rewrites.pendingFor(uri, unit)), { providedCodeActionKinds: codeActionKinds }),
    vscode.languages.registerCodeLensProvider(documentSelector, lenses),
    vscode.workspace.registerTextDocumentContentProvider(previewScheme, rewrites),
    vscode.workspace.registerTextDocumentContentProvider(reportScheme, report),
    vscode.workspace.registerTextDocumentContentProvider(stagedScheme, scm),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('critic')) lenses.refresh();
      // What earlier checks found may not be what these settings find (an undo must not bring it back).
      if (e.affectsConfiguration('critic') && !['critic.inlineHints', 'critic.codeLens', 'critic.checkBeforeCommit', 'critic.autoCheck'].some((k) => e.affectsConfiguration(k))) critic.forgetHistory();
      // Settings reach the server through workspace/didChangeConfiguration (it rebuilds an engine
      // only when an input of it changed); the endpoint decides which key the server holds.
      if (e.affectsConfiguration('critic.model.baseUrl') || e.affectsConfiguration('critic.model.provider')) void critic.reset();
    }),
    // The server was started untrusted (static tools only): a new one runs examples and tests.
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      critic.forgetHistory();
      void critic.reset();
    }),
    context.secrets.onDidChange((e) => {
      if (e.key.startsWith('critic.apiKey:')) void critic.reset();
    }),
  );
  return critic;
}
