/**
 * The hover on a finding: what is wrong, the evidence, the tier, and actions. Everything a tool
 * or the model wrote is untrusted text: it goes in with `appendText` / `appendCodeblock`, never as
 * Markdown, and only Critic's own commands may run from the links.
 */
import { relative } from 'node:path';
import * as vscode from 'vscode';
import type { Finding, Tier } from '../engine/findings.js';
import type { FindingDiagnostics } from './diagnostics.js';
import type { ShownFinding } from './findingsStore.js';

/** The commands a hover link may run. */
export const hoverCommands = ['critic.rewriteFinding', 'critic.previewRewrite', 'critic.ignoreFinding', 'critic.openLocation', 'critic.showLog'] as const;

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

/** The hover text of one finding. */
export function findingHover(uri: vscode.Uri, f: Finding & Pick<ShownFinding, 'rechecking' | 'restored'>): vscode.MarkdownString {
  const md = new vscode.MarkdownString('', false);
  md.supportHtml = false;
  md.isTrusted = { enabledCommands: [...hoverCommands] };
  md.appendMarkdown('**Critic** · ');
  md.appendText(`${f.level} · ${f.rule}`);
  md.appendMarkdown('\n\n');
  if (f.rechecking) md.appendMarkdown('*Re-checking: this is from the previous critique of its function; the critic model is reading the code again.*\n\n');
  else if (f.restored) md.appendMarkdown('*Restored: an earlier check of exactly this text found it (before a reload or an undo); the next check verifies it again.*\n\n');
  const [first, ...rest] = f.message.split('\n');
  md.appendText(first ?? '');
  md.appendMarkdown('\n\n');
  if (rest.length) {
    md.appendCodeblock(rest.join('\n'), 'text');
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
  md.appendText(f.unit);
  md.appendMarkdown('\n\n');
  const args = [uri.toString(), f.fingerprint];
  md.appendMarkdown(
    [
      `[Rewrite with Critic (verified)](${commandLink('critic.rewriteFinding', args)} "Rewrite the enclosing unit, verify it with the tools, apply it")`,
      `[Preview rewrite](${commandLink('critic.previewRewrite', args)})`,
      `[Ignore](${commandLink('critic.ignoreFinding', args)} "Insert a critic-ignore-next-line comment")`,
    ].join(' · '),
  );
  return md;
}

export class FindingHoverProvider implements vscode.HoverProvider {
  constructor(private readonly diagnostics: FindingDiagnostics) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const findings = this.diagnostics.at(document.uri, position);
    if (!findings.length) return undefined;
    return new vscode.Hover(findings.slice(0, 3).map((f) => findingHover(document.uri, f)));
  }
}
