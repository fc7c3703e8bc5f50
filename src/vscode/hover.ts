/**
 * The hover on a finding. VS Code already shows the diagnostic's message above it, so the hover
 * does not say it again: it starts with the actions (always visible, however long the evidence),
 * then the evidence as fields — Call / Expected / Actual for a call that ran, each as code, whole
 * and wrapping — then where else to look, the tier and the tool. Everything a tool or the model
 * wrote is untrusted: it goes in as text or code, never as Markdown, and only Critic's own
 * commands may run from the links.
 */
import { relative } from 'node:path';
import * as vscode from 'vscode';
import type { Finding, Tier } from '../engine/findings.js';
import type { FindingDiagnostics } from './diagnostics.js';
import type { ShownFinding } from './findingsStore.js';
import { codeSpan, rewriteTitle } from './hoverText.js';

/** The commands a hover link may run. */
export const hoverCommands = ['critic.rewriteFinding', 'critic.previewRewrite', 'critic.ignoreFinding', 'critic.openLocation', 'critic.showLog', 'critic.applyRewrite', 'critic.discardRewrite'] as const;

const tierText: Record<Tier, string> = {
  executed: 'executed — the code was run and misbehaved',
  tool: 'tool — a deterministic analyser reported it',
  model: "model — the critic model's reading, not confirmed by a tool",
};

export function commandLink(command: (typeof hoverCommands)[number], args: unknown[]): string {
  return `command:${command}?${encodeURIComponent(JSON.stringify(args))}`;
}

function displayPath(file: string): string {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file));
  return folder ? relative(folder.uri.fsPath, file) : file;
}

/** A rewrite already proposed for the finding's unit, waiting in a preview. */
export interface PendingRewrite {
  previewUri: vscode.Uri;
  verified: boolean;
  summary: string;
}

/** Multi-line values (tracebacks, reprs) as a block; one-liners as inline code that wraps. */
function field(md: vscode.MarkdownString, label: string, value: string): void {
  md.appendMarkdown(`**${label}** `);
  if (value.includes('\n')) {
    md.appendMarkdown('\n');
    md.appendCodeblock(value, 'text');
  } else md.appendMarkdown(`${codeSpan(value)}  \n`);
}

/** The hover text of one finding; `checkable`: the unit has evidence a tool can re-run. */
export function findingHover(uri: vscode.Uri, f: Finding & Pick<ShownFinding, 'rechecking' | 'restored'>, checkable: boolean, pending?: PendingRewrite): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', false);
  md.supportHtml = false;
  md.isTrusted = { enabledCommands: [...hoverCommands] };
  md.appendMarkdown('**Critic** · ');
  md.appendText(`${f.level} · ${f.rule} · ${f.tier}`);
  md.appendMarkdown('\n\n');
  if (f.rechecking) md.appendMarkdown('*Re-checking: this is from the previous critique of its function; the critic model is reading the code again.*\n\n');
  else if (f.restored) md.appendMarkdown('*Restored: an earlier check of exactly this text found it (before a reload or an undo); the next check verifies it again.*\n\n');
  const args = [uri.toString(), f.fingerprint];
  if (pending) {
    md.appendMarkdown(pending.verified ? '**Verified rewrite waiting:** ' : '**⚠ Unverified rewrite waiting:** ');
    md.appendText(pending.summary);
    md.appendMarkdown('  \n');
    md.appendMarkdown(
      [
        `[${pending.verified ? 'Apply rewrite' : 'Apply unverified rewrite…'}](${commandLink('critic.applyRewrite', [pending.previewUri.toString()])})`,
        `[Discard](${commandLink('critic.discardRewrite', [pending.previewUri.toString()])})`,
      ].join(' · '),
    );
  } else {
    const title = rewriteTitle(checkable);
    md.appendMarkdown(
      [
        `[${title}](${commandLink('critic.rewriteFinding', args)} "Rewrite the enclosing unit, verify it with the tools, apply it when verified")`,
        `[Preview rewrite](${commandLink('critic.previewRewrite', args)})`,
        `[Ignore](${commandLink('critic.ignoreFinding', args)} "Insert a critic-ignore-next-line comment")`,
      ].join(' · '),
    );
  }
  md.appendMarkdown('\n\n');
  if (f.evidence) {
    field(md, 'Call', f.evidence.call);
    if (f.evidence.expected !== undefined) field(md, 'Expected', f.evidence.expected);
    if (f.evidence.actual !== undefined) field(md, 'Actual', f.evidence.actual);
    md.appendMarkdown('\n');
  }
  if (f.related.length) {
    md.appendMarkdown('**Evidence**\n\n');
    for (const r of f.related) {
      md.appendMarkdown(`- [`);
      md.appendText(`${displayPath(r.file)}:${r.range.start.line + 1}`);
      md.appendMarkdown(`](${commandLink('critic.openLocation', [vscode.Uri.file(r.file).toString(), r.range.start.line, r.range.start.character])}) `);
      const [head, ...more] = r.message.split('\n');
      md.appendText(head ?? '');
      md.appendMarkdown('\n');
      if (more.length) md.appendCodeblock(more.join('\n'), 'text');
    }
    md.appendMarkdown('\n');
  }
  md.appendMarkdown('**Tier:** ');
  md.appendText(tierText[f.tier]);
  if (f.tier === 'model') md.appendText(` (confidence ${Math.round(f.confidence * 100)} %)`);
  md.appendMarkdown('  \n**Reported by:** ');
  md.appendText([f.source, ...(f.alsoReportedBy ?? [])].join(', '));
  md.appendMarkdown('  \n**In:** ');
  md.appendMarkdown(codeSpan(f.unit));
  return md;
}

export class FindingHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly diagnostics: FindingDiagnostics,
    private readonly pendingFor: (uri: vscode.Uri, unit: string) => PendingRewrite | undefined = () => undefined,
  ) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const findings = this.diagnostics.at(document.uri, position);
    if (!findings.length) return undefined;
    const all = this.diagnostics.findings(document.uri);
    return new vscode.Hover(findings.slice(0, 3).map((f) => findingHover(document.uri, f, unitIsCheckable(all, f.unit), this.pendingFor(document.uri, f.unit))));
  }
}

/** Whether a rewrite of the unit can be verified: some finding of it a tool can re-run. */
export function unitIsCheckable(findings: readonly Finding[], unit: string): boolean {
  return findings.some((f) => f.unit === unit && (f.tier !== 'model' || f.source === 'probes'));
}
