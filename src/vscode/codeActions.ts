/**
 * Quick fixes on Critic's diagnostics. Only look-ups here: the expensive work (the model, the
 * sandbox) runs in the commands, after a click. Never registered for fix-all or on-save kinds,
 * and no action is preferred, so nothing is applied without the user choosing it.
 */
import * as vscode from 'vscode';
import type { Finding } from '../engine/findings.js';
import type { LanguageId } from '../engine/languages.js';
import { diagnosticSource, type FindingDiagnostics } from './diagnostics.js';
import { canSuppressInline, suppressionEdit } from '../engine/suppressionEdit.js';
import { unitIsCheckable, type PendingRewrite } from './hover.js';
import { rewriteTitle } from './hoverText.js';

export const codeActionKinds = [vscode.CodeActionKind.QuickFix];

/** The workspace edit that inserts (or extends) the suppression comment above a finding. */
export function suppressionWorkspaceEdit(document: vscode.TextDocument, f: Finding): vscode.WorkspaceEdit | undefined {
  const lines = document.getText().split(/\r?\n/);
  if (!canSuppressInline(lines[f.range.start.line] ?? '')) return undefined;
  const edit = suppressionEdit(lines, f.range.start.line, document.languageId as LanguageId, f.rule);
  const eol = document.eol === vscode.EndOfLine.CRLF ? '\r\n' : '\n';
  const we = new vscode.WorkspaceEdit();
  if (edit.kind === 'insert') we.insert(document.uri, new vscode.Position(edit.line, 0), `${edit.text}${eol}`);
  else we.replace(document.uri, document.lineAt(edit.line).range, edit.text);
  return we;
}

export class FindingCodeActions implements vscode.CodeActionProvider {
  constructor(
    private readonly diagnostics: FindingDiagnostics,
    private readonly pendingFor: (uri: vscode.Uri, unit: string) => PendingRewrite | undefined = () => undefined,
  ) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    if (context.only && !context.only.contains(vscode.CodeActionKind.QuickFix) && !vscode.CodeActionKind.QuickFix.contains(context.only)) return [];
    const actions: vscode.CodeAction[] = [];
    const seenUnits = new Set<string>();
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== diagnosticSource) continue;
      const f = this.diagnostics.findingOf(document.uri, diagnostic);
      if (!f) continue;
      const args = [document.uri.toString(), f.fingerprint];
      // One rewrite per unit: its findings are rewritten together.
      const pending = seenUnits.has(f.unit) ? undefined : this.pendingFor(document.uri, f.unit);
      if (pending) {
        seenUnits.add(f.unit);
        // A rewrite already waits in a preview: apply or discard that one (the same as its buttons).
        const title = pending.verified ? `Apply Critic's verified rewrite of ${f.unit}` : `Apply Critic's UNVERIFIED rewrite of ${f.unit}…`;
        const apply = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
        apply.command = { command: 'critic.applyRewrite', title, arguments: [pending.previewUri] };
        apply.diagnostics = [diagnostic];
        const discard = new vscode.CodeAction(`Discard Critic's rewrite of ${f.unit}`, vscode.CodeActionKind.QuickFix);
        discard.command = { command: 'critic.discardRewrite', title: discard.title, arguments: [pending.previewUri] };
        discard.diagnostics = [diagnostic];
        actions.push(apply, discard);
      }
      if (!seenUnits.has(f.unit)) {
        seenUnits.add(f.unit);
        const title = rewriteTitle(unitIsCheckable(this.diagnostics.findings(document.uri), f.unit));
        const rewrite = new vscode.CodeAction(title, vscode.CodeActionKind.QuickFix);
        rewrite.command = { command: 'critic.rewriteFinding', title, arguments: args };
        rewrite.diagnostics = [diagnostic];
        const preview = new vscode.CodeAction('Preview rewrite', vscode.CodeActionKind.QuickFix);
        preview.command = { command: 'critic.previewRewrite', title: 'Preview rewrite', arguments: args };
        preview.diagnostics = [diagnostic];
        actions.push(rewrite, preview);
      }
      const edit = suppressionWorkspaceEdit(document, f);
      if (edit) {
        const ignore = new vscode.CodeAction(`Ignore this finding (critic-ignore-next-line ${f.rule})`, vscode.CodeActionKind.QuickFix);
        ignore.edit = edit;
        ignore.command = { command: 'critic.forgetFinding', title: 'Forget the finding', arguments: args };
        ignore.diagnostics = [diagnostic];
        actions.push(ignore);
      }
      const workspace = new vscode.CodeAction(`Ignore ${f.rule} in this workspace`, vscode.CodeActionKind.QuickFix);
      workspace.command = { command: 'critic.ignoreRuleInWorkspace', title: `Ignore ${f.rule} in this workspace`, arguments: [f.rule] };
      workspace.diagnostics = [diagnostic];
      actions.push(workspace);
    }
    return actions;
  }
}
