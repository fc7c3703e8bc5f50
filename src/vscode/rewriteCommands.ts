/**
 * "Rewrite with Critic (verified)" and "Preview rewrite": the rewrite runs behind a cancellable
 * progress notification; a verified rewrite of an unchanged document is applied as one undoable
 * edit, and the notification that says so offers Undo and Show Diff; anything else is explained,
 * with the diff one click away (Apply / Discard). A rewrite the tools could not verify says so
 * wherever it appears (preview title, notification, hover, code action) and is applied only after
 * a modal confirmation. A preview is applied or discarded once: a notification or button used
 * after that says what already happened instead of acting again.
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
  verified: boolean;
  summary: string;
}

/** A rewrite that was applied: enough to undo it or show what it changed. */
interface Applied {
  uri: vscode.Uri;
  unit: string;
  before: string;
  after: string;
  /** The document's version right after the edit; Undo acts only while it is still this. */
  version: number;
  /** The read-only snapshot of `before`, for Show Diff. */
  beforeUri: vscode.Uri;
}

/** The proposal moved onto the document's current text (an edit outside its unit), or undefined when the unit itself changed. */
function reanchored(p: Proposal, document: vscode.TextDocument): Proposal | undefined {
  if (document.version === p.version) return p;
  const moved = p.anchor && reanchorRewrite(p.anchor, document.getText());
  return moved === undefined ? undefined : { ...p, version: document.version, newText: moved };
}

export class RewriteCommands implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly proposals = new Map<string, Proposal>();
  /** What became of previews no longer pending (keyed by preview URI), for late clicks. */
  private readonly settled = new Map<string, { unit: string; how: 'applied' | 'discarded' }>();
  /** Texts before an applied rewrite, keyed by snapshot URI (the left side of Show Diff). */
  private readonly snapshots = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private counter = 0;

  constructor(private readonly critic: CriticController) {}

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.proposals.get(uri.toString())?.newText ?? this.snapshots.get(uri.toString()) ?? '';
  }

  /** The rewrite of `unit` in `uri` waiting in a preview, if any (the newest). */
  pendingFor(uri: vscode.Uri, unit: string): { previewUri: vscode.Uri; verified: boolean; summary: string } | undefined {
    const found = [...this.proposals.values()].filter((p) => p.uri.toString() === uri.toString() && p.unit === unit).pop();
    return found && { previewUri: found.previewUri, verified: found.verified, summary: found.summary };
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
    const proposal =
      outcome.newText !== undefined && outcome.newText !== text ? this.propose(document, version, outcome.newText, unit.name, outcome.status === 'verified', outcome.summary) : undefined;
    if (proposal && outcome.newText !== undefined) proposal.anchor = { before: text, after: outcome.newText, unitStart: offsetOf(text, unit.range.start), unitEnd: offsetOf(text, unit.range.end) };
    if (preview) {
      if (proposal) await this.showPreview(proposal);
      else void vscode.window.showInformationMessage(`Critic: no rewrite of ${unit.name} to preview — ${outcome.summary}`);
      return;
    }
    const current = proposal && reanchored(proposal, document);
    if (outcome.status === 'verified' && proposal && current) {
      // Applied at once: it never waits in a preview, so the hover and code actions do not offer it.
      this.proposals.delete(proposal.previewUri.toString());
      this.settled.set(proposal.previewUri.toString(), { unit: proposal.unit, how: 'applied' });
      await this.applyProposal(current);
      return;
    }
    const why =
      outcome.status === 'verified' && document.version !== version
        ? `the document changed while Critic was rewriting ${unit.name}, so nothing was applied`
        : outcome.status === 'verified'
          ? `the verified rewrite of ${unit.name} changes nothing`
          : `the rewrite of ${unit.name} was not applied: ${outcome.status === 'unverified' ? 'it is UNVERIFIED (the tools could not confirm it)' : outcome.status === 'nothing-to-fix' ? 'there is nothing the tools can check to fix' : 'the model gave no usable rewrite'}`;
    const show = outcome.status === 'unverified' ? 'Preview Unverified Rewrite' : 'Preview';
    void vscode.window.showWarningMessage(`Critic: ${why} — ${outcome.summary}`, ...(proposal ? [show] : [])).then((choice) => {
      if (choice === show && proposal) void this.showPreview(proposal);
    });
  }

  private propose(document: vscode.TextDocument, version: number, newText: string, unit: string, verified: boolean, summary: string): Proposal {
    const previewUri = vscode.Uri.from({ scheme: previewScheme, path: document.uri.path, query: `n=${++this.counter}` });
    const proposal: Proposal = { uri: document.uri, previewUri, version, newText, unit, verified, summary };
    this.proposals.set(previewUri.toString(), proposal);
    this.changed.fire(previewUri);
    return proposal;
  }

  private async showPreview(p: Proposal): Promise<void> {
    const name = p.uri.path.split('/').pop();
    const label = p.verified ? 'verified' : 'UNVERIFIED';
    await vscode.commands.executeCommand('vscode.diff', p.uri, p.previewUri, `${name}: ${p.unit} ↔ Critic's rewrite (${label})`, { preview: true });
    const apply = p.verified ? 'Apply' : 'Apply Unverified…';
    const answer = p.verified
      ? vscode.window.showInformationMessage(`Critic's verified rewrite of ${p.unit}: ${p.summary}`, apply, 'Discard')
      : vscode.window.showWarningMessage(`Critic's UNVERIFIED rewrite of ${p.unit} — the tools could not confirm it: ${p.summary}`, apply, 'Discard');
    void answer.then((choice) => {
      if (choice === apply) void this.applyPreview(p.previewUri);
      else if (choice === 'Discard') void this.discardPreview(p.previewUri);
    });
  }

  /** A late click on a preview that is no longer pending: say what became of it. */
  private settledMessage(target: vscode.Uri | undefined): boolean {
    const done = target && this.settled.get(target.toString());
    if (!done) return false;
    void vscode.window.showInformationMessage(
      done.how === 'applied' ? `Critic: this rewrite of ${done.unit} was already applied (Edit > Undo reverts it).` : `Critic: this rewrite of ${done.unit} was already discarded.`,
    );
    return true;
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
    const target = this.previewTarget(typeof arg === 'string' ? vscode.Uri.parse(arg) : arg);
    const p = target && this.proposals.get(target.toString());
    if (!target || !p) {
      if (!this.settledMessage(target)) void vscode.window.showInformationMessage('Critic: there is no rewrite preview to apply here.');
      return;
    }
    const document = await vscode.workspace.openTextDocument(p.uri);
    let current = reanchored(p, document);
    if (!current) {
      void vscode.window.showWarningMessage(`Critic: ${p.unit} changed since this rewrite was proposed; it was not applied — run the rewrite again.`);
      return;
    }
    if (!p.verified) {
      const confirm = 'Apply Unverified Rewrite';
      const choice = await vscode.window.showWarningMessage(
        `Apply Critic's unverified rewrite of ${p.unit}?`,
        { modal: true, detail: `The tools could not confirm it: ${p.summary}. It is applied as one edit that Undo reverts.` },
        confirm,
      );
      if (choice !== confirm) return;
      // The buffer may have moved on while the dialog was open.
      const again = reanchored(p, document);
      if (!again || !this.proposals.has(target.toString())) {
        void vscode.window.showWarningMessage(`Critic: ${p.unit} changed while you decided; the rewrite was not applied — run it again.`);
        return;
      }
      current = again;
    }
    if (await this.applyProposal(current)) await this.closePreview(target, 'applied');
  }

  async discardPreview(arg?: vscode.Uri): Promise<void> {
    const target = this.previewTarget(typeof arg === 'string' ? vscode.Uri.parse(arg) : arg);
    if (!target) return;
    if (!this.proposals.has(target.toString())) {
      this.settledMessage(target);
      return;
    }
    await this.closePreview(target, 'discarded');
  }

  private async closePreview(target: vscode.Uri, how: 'applied' | 'discarded'): Promise<void> {
    const p = this.proposals.get(target.toString());
    if (p) this.settled.set(target.toString(), { unit: p.unit, how });
    this.proposals.delete(target.toString());
    for (const group of vscode.window.tabGroups.all) {
      for (const tab of group.tabs) {
        const input = tab.input;
        if (input instanceof vscode.TabInputTextDiff && input.modified.toString() === target.toString()) await vscode.window.tabGroups.close(tab);
      }
    }
  }

  /** Applies a proposal, then says so with Undo and Show Diff; false when VS Code refused the edit. */
  private async applyProposal(p: Proposal): Promise<boolean> {
    const applied = await this.apply(p);
    if (!applied) return false;
    const message = `Critic: applied ${p.verified ? 'a verified' : 'an UNVERIFIED'} rewrite of ${p.unit} — ${p.summary}`;
    const answer = p.verified ? vscode.window.showInformationMessage(message, 'Undo', 'Show Diff') : vscode.window.showWarningMessage(message, 'Undo', 'Show Diff');
    void answer.then((choice) => {
      if (choice === 'Undo') void this.undo(applied);
      else if (choice === 'Show Diff') void this.showAppliedDiff(applied);
    });
    return true;
  }

  /** Undo from the notification: one undo step of the editor, while nothing else changed the document. */
  private async undo(a: Applied): Promise<void> {
    const document = await vscode.workspace.openTextDocument(a.uri);
    if (document.version !== a.version || document.getText() !== a.after) {
      if (document.getText() === a.before) return;
      void vscode.window.showWarningMessage(`Critic: ${document.uri.path.split('/').pop()} changed after the rewrite of ${a.unit}; use Edit > Undo to step back through your edits.`);
      return;
    }
    await vscode.window.showTextDocument(document, { preserveFocus: false, preview: false });
    await vscode.commands.executeCommand('undo');
    if (document.getText() !== a.before) {
      void vscode.window.showWarningMessage(`Critic: undoing the rewrite of ${a.unit} did not restore the text before it; use Edit > Undo.`);
    }
  }

  private async showAppliedDiff(a: Applied): Promise<void> {
    const name = a.uri.path.split('/').pop();
    await vscode.commands.executeCommand('vscode.diff', a.beforeUri, a.uri, `${name}: before ↔ after Critic's rewrite of ${a.unit}`, { preview: true });
  }

  /** Applies a proposal as one undoable edit, then re-checks the changed lines with the tools. */
  private async apply(p: Proposal): Promise<Applied | undefined> {
    const document = await vscode.workspace.openTextDocument(p.uri);
    const before = document.getText();
    const r = minimalReplacement(before, p.newText);
    const range = new vscode.Range(document.positionAt(r.start), document.positionAt(r.end));
    const edit = new vscode.WorkspaceEdit();
    edit.replace(p.uri, range, r.text);
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showWarningMessage(`Critic: VS Code refused the edit of ${p.unit}; nothing was changed.`);
      return undefined;
    }
    const beforeUri = vscode.Uri.from({ scheme: previewScheme, path: p.uri.path, query: `before=${++this.counter}` });
    this.snapshots.set(beforeUri.toString(), before);
    const applied: Applied = { uri: p.uri, unit: p.unit, before, after: document.getText(), version: document.version, beforeUri };
    const startLine = range.start.line;
    const endLine = document.positionAt(r.start + r.text.length).line;
    // The tools confirm what the verification saw; the model is not asked again about code it just wrote.
    void this.critic.critique(document, { reason: 'recheck', lines: [{ start: startLine, end: endLine }], model: false }).catch((err) => this.logError(err));
    return applied;
  }

  private logError(err: unknown): void {
    void vscode.window.showErrorMessage(`Critic: re-checking after the rewrite failed: ${(err as Error).message}`);
  }

  dispose(): void {
    this.changed.dispose();
    this.proposals.clear();
    this.snapshots.clear();
  }
}
