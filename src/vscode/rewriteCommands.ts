/**
 * "Rewrite with Critic (verified)" and "Preview rewrite": the rewrite runs behind a cancellable
 * progress notification; a verified rewrite of an unchanged document is applied as one undoable
 * edit; anything else is explained, with the diff one click away (Apply / Discard).
 */
import * as vscode from 'vscode';
import type { Finding } from '../engine/findings.js';
import { enclosingUnit, type CodeUnit } from '../engine/syntax/units.js';
import { signalFor } from './cancellation.js';
import type { CriticController } from './controller.js';
import { minimalReplacement, offsetOf, reanchorRewrite, type AnchoredRewrite } from './rewriteAnchor.js';

export { minimalReplacement };

/** What a rewrite produced (the server's critic/rewriteText reply, cancellation handled). */
interface RewriteOutcome {
  status: 'verified' | 'unverified' | 'nothing-to-fix' | 'failed';
  newText?: string;
  diff?: string;
  summary: string;
}

export const previewScheme = 'critic-rewrite';

interface Proposal {
  /** The document the rewrite is for. */
  uri: vscode.Uri;
  /** The read-only document showing the rewritten text. */
  previewUri: vscode.Uri;
  version: number;
  newText: string;
  unit: string;
  /** Where the rewrite applies, so an edit elsewhere in the document does not void it. */
  anchor?: AnchoredRewrite;
}

/** The proposal moved onto the document's current text (an edit outside its unit), or undefined when the unit itself changed. */
function reanchored(p: Proposal, document: vscode.TextDocument): Proposal | undefined {
  if (document.version === p.version) return p;
  const moved = p.anchor && reanchorRewrite(p.anchor, document.getText());
  return moved === undefined ? undefined : { ...p, version: document.version, newText: moved };
}

export class RewriteCommands implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly proposals = new Map<string, Proposal>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private counter = 0;

  constructor(private readonly critic: CriticController) {}

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.proposals.get(uri.toString())?.newText ?? '';
  }

  /** Target of a command: explicit arguments (quick fix, hover, lens) or the finding at the caret. */
  private findingFromArgs(uriArg?: string, fingerprint?: string): { document: vscode.TextDocument; finding: Finding } | undefined {
    const editor = vscode.window.activeTextEditor;
    const uri = uriArg ? vscode.Uri.parse(uriArg) : editor?.document.uri;
    if (!uri) return undefined;
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!document) return undefined;
    const finding = fingerprint
      ? this.critic.diagnostics.byFingerprint(uri, fingerprint)
      : editor && editor.document === document
        ? this.critic.diagnostics.at(uri, editor.selection.active)[0]
        : undefined;
    return finding ? { document, finding } : undefined;
  }

  async rewriteFinding(uriArg?: string, fingerprint?: string, preview = false): Promise<void> {
    const target = this.findingFromArgs(uriArg, fingerprint);
    if (!target) {
      void vscode.window.showInformationMessage('Critic: there is no finding here to rewrite; put the caret on a squiggle or run "Critic: Critique File" first.');
      return;
    }
    await this.rewrite(target.document, (units) => enclosingUnit(units, target.finding.range), preview);
  }

  async rewriteUnit(uriArg: string, unitName: string): Promise<void> {
    const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uriArg);
    if (!document) return;
    await this.rewrite(document, (units) => units.find((u) => u.name === unitName), false);
  }

  private async rewrite(document: vscode.TextDocument, pick: (units: CodeUnit[]) => CodeUnit | undefined, preview: boolean): Promise<void> {
    const version = document.version;
    const text = document.getText();
    const doc = { uri: document.uri.toString(), languageId: document.languageId, version, text };
    const unit = pick(await this.critic.server.units(doc));
    if (!unit) {
      void vscode.window.showWarningMessage('Critic: the function to rewrite is not in the document any more; critique the file again.');
      return;
    }
    const findings = this.critic.diagnostics.findings(document.uri).filter((f) => f.unit === unit.name);
    const reply = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Critic: rewriting ${unit.name}`, cancellable: true },
      async (progress, token) => {
        const bridge = signalFor(token);
        try {
          return await this.critic.server.rewrite(doc, unit.name, findings, bridge.signal, (message) => progress.report({ message }));
        } finally {
          bridge.dispose();
        }
      },
    );
    if (reply.status === 'cancelled') return;
    if (reply.status === 'failed' && reply.newText === undefined && /needs a critic model/.test(reply.summary)) {
      // Commands return at once; the user's answer to a message is handled whenever it comes.
      void vscode.window.showWarningMessage(`Critic: ${reply.summary}`, 'Select Model').then((choice) => {
        if (choice === 'Select Model') void vscode.commands.executeCommand('critic.selectModel');
      });
      return;
    }
    const outcome: RewriteOutcome = { status: reply.status, summary: reply.summary, newText: reply.newText, diff: reply.diff };
    if (!outcome) return;
    const proposal = outcome.newText !== undefined && outcome.newText !== text ? this.propose(document, version, outcome.newText, unit.name) : undefined;
    if (proposal && outcome.newText !== undefined) proposal.anchor = { before: text, after: outcome.newText, unitStart: offsetOf(text, unit.range.start), unitEnd: offsetOf(text, unit.range.end) };
    if (preview) {
      if (proposal) await this.showPreview(proposal, outcome.summary);
      else void vscode.window.showInformationMessage(`Critic: no rewrite of ${unit.name} to preview — ${outcome.summary}`);
      return;
    }
    const current = proposal && reanchored(proposal, document);
    if (outcome.status === 'verified' && current) {
      await this.apply(current);
      void vscode.window.showInformationMessage(`Critic: applied a verified rewrite of ${unit.name} — ${outcome.summary}`);
      return;
    }
    const why =
      outcome.status === 'verified' && document.version !== version
        ? `the document changed while Critic was rewriting ${unit.name}, so nothing was applied`
        : outcome.status === 'verified'
          ? `the verified rewrite of ${unit.name} changes nothing`
          : `the rewrite of ${unit.name} was not applied: ${outcome.status === 'unverified' ? 'it could not be verified' : outcome.status === 'nothing-to-fix' ? 'there is nothing the tools can check to fix' : 'the model gave no usable rewrite'}`;
    void vscode.window.showWarningMessage(`Critic: ${why} — ${outcome.summary}`, ...(proposal ? ['Preview'] : [])).then((choice) => {
      if (choice === 'Preview' && proposal) void this.showPreview(proposal, outcome.summary);
    });
  }

  private propose(document: vscode.TextDocument, version: number, newText: string, unit: string): Proposal {
    const previewUri = vscode.Uri.from({ scheme: previewScheme, path: document.uri.path, query: `n=${++this.counter}` });
    const proposal: Proposal = { uri: document.uri, previewUri, version, newText, unit };
    this.proposals.set(previewUri.toString(), proposal);
    this.changed.fire(previewUri);
    return proposal;
  }

  private async showPreview(p: Proposal, summary: string): Promise<void> {
    const name = p.uri.path.split('/').pop();
    await vscode.commands.executeCommand('vscode.diff', p.uri, p.previewUri, `${name}: ${p.unit} ↔ Critic's rewrite`, { preview: true });
    void vscode.window.showInformationMessage(`Critic's rewrite of ${p.unit}: ${summary}`, 'Apply', 'Discard').then((choice) => {
      if (choice === 'Apply') void this.applyPreview(p.previewUri);
      else if (choice === 'Discard') void this.discardPreview(p.previewUri);
    });
  }

  /** The preview shown in the active diff editor, or the one named by a menu's argument. */
  private previewTarget(arg?: vscode.Uri): vscode.Uri | undefined {
    if (arg instanceof vscode.Uri && arg.scheme === previewScheme) return arg;
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active?.scheme === previewScheme) return active;
    for (const group of vscode.window.tabGroups.all) {
      const input = group.activeTab?.input;
      if (input instanceof vscode.TabInputTextDiff && input.modified.scheme === previewScheme) return input.modified;
    }
    return undefined;
  }

  async applyPreview(arg?: vscode.Uri): Promise<void> {
    const target = this.previewTarget(arg);
    const p = target && this.proposals.get(target.toString());
    if (!target || !p) {
      void vscode.window.showInformationMessage('Critic: this rewrite preview was already applied or discarded.');
      return;
    }
    const document = await vscode.workspace.openTextDocument(p.uri);
    const current = reanchored(p, document);
    if (!current) {
      void vscode.window.showWarningMessage(`Critic: ${p.unit} changed since this rewrite was proposed; it was not applied — run the rewrite again.`);
      return;
    }
    await this.apply(current);
    await this.discardPreview(target);
  }

  async discardPreview(arg?: vscode.Uri): Promise<void> {
    const target = this.previewTarget(arg);
    if (!target) return;
    this.proposals.delete(target.toString());
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        const input = tab.input;
        if (input instanceof vscode.TabInputTextDiff && input.modified.toString() === target.toString()) await vscode.window.tabGroups.close(tab);
      }
    }
  }

  /** Applies a proposal as one undoable edit, then re-checks the changed lines with the tools. */
  private async apply(p: Proposal): Promise<void> {
    const document = await vscode.workspace.openTextDocument(p.uri);
    const before = document.getText();
    const r = minimalReplacement(before, p.newText);
    const range = new vscode.Range(document.positionAt(r.start), document.positionAt(r.end));
    const edit = new vscode.WorkspaceEdit();
    edit.replace(p.uri, range, r.text);
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showWarningMessage(`Critic: VS Code refused the edit of ${p.unit}; nothing was changed.`);
      return;
    }
    const startLine = range.start.line;
    const endLine = document.positionAt(r.start + r.text.length).line;
    // The tools confirm what the verification saw; the model is not asked again about code it just wrote.
    void this.critic.critique(document, { reason: 'recheck', lines: [{ start: startLine, end: endLine }], model: false }).catch((err) => this.logError(err));
  }

  private logError(err: unknown): void {
    void vscode.window.showErrorMessage(`Critic: re-checking after the rewrite failed: ${(err as Error).message}`);
  }

  dispose(): void {
    this.changed.dispose();
    this.proposals.clear();
  }
}
