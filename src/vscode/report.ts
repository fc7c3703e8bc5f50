/**
 * "Critic: Show Report": a read-only document listing the current findings in the CLI's text
 * format, coloured by the `critic-report` grammar (syntaxes/critic-report.tmLanguage.json).
 */
import { relative } from 'node:path';
import * as vscode from 'vscode';
import { summarise, type Finding } from '../engine/findings.js';
import { plural } from '../engine/text.js';
import type { CriticController } from './controller.js';

/**
 * The findings in the CLI's text layout (`path:line:col: level rule message [unit · tier]`, the
 * evidence indented below), which the critic-report grammar colours. Kept here rather than shared
 * with src/cli/output.ts: the extension imports no CLI module, and this document needs no
 * terminal escaping or colours.
 */
export function reportText(findings: readonly Finding[], files: number, cwd: string): string {
  const shown = (file: string) => (cwd ? relative(cwd, file) || file : file);
  const one = (s: string) => s.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  const lines: string[] = [];
  for (const f of findings) {
    const [first, ...rest] = f.message.split('\n');
    const also = f.alsoReportedBy?.length ? `, also ${f.alsoReportedBy.map(one).join(', ')}` : '';
    lines.push(`${shown(f.file)}:${f.range.start.line + 1}:${f.range.start.character + 1}: ${f.level} ${one(f.rule)} ${one(first ?? '')} [${one(f.unit)} · ${f.tier}${also}]`);
    for (const more of rest) lines.push(`    ${one(more)}`);
    for (const r of f.related) lines.push(`    ${shown(r.file)}:${r.range.start.line + 1}:${r.range.start.character + 1}: ${one(r.message)}`);
  }
  const s = summarise([...findings], files);
  const counts = [s.error && plural(s.error, 'error'), s.warning && plural(s.warning, 'warning'), s.note && plural(s.note, 'note')].filter(Boolean);
  if (lines.length) lines.push('');
  const withFindings = new Set(findings.map((f) => f.file)).size;
  lines.push(counts.length ? `✖ ${counts.join(', ')} in ${withFindings} of ${plural(files, 'file')}` : `✔ no findings in ${plural(files, 'file')}`);
  return `${lines.join('\n')}\n`;
}

export const reportScheme = 'critic-report';
export const reportUri = vscode.Uri.from({ scheme: reportScheme, path: '/Critic Report.critic-report' });

export class ReportProvider implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private pending?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly critic: CriticController,
    private readonly version: string,
  ) {
    this.subscription = critic.diagnostics.onDidChange(() => {
      // Coalesce bursts (a run publishes tool and model findings separately).
      if (this.pending) return;
      this.pending = setTimeout(() => {
        this.pending = undefined;
        this.changed.fire(reportUri);
      }, 300);
    });
  }

  provideTextDocumentContent(): string {
    const all = this.critic.diagnostics.all();
    const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
    const last = this.critic.lastRun;
    const header = [
      `# Critic report — ${new Date().toLocaleString()}`,
      `# ${all.length} file${all.length === 1 ? '' : 's'} with findings${last ? `; last run: ${vscode.workspace.asRelativePath(last.file)} (${last.scope.reason}) at ${last.at.toLocaleTimeString()}` : ''}`,
      '',
    ];
    const text = reportText(all.flatMap(([, f]) => f), Math.max(all.length, 1), cwd);
    return `${header.join('\n')}\n${text}`;
  }

  async show(): Promise<void> {
    this.changed.fire(reportUri);
    const doc = await vscode.workspace.openTextDocument(reportUri);
    if (doc.languageId !== 'critic-report') await vscode.languages.setTextDocumentLanguage(doc, 'critic-report');
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  dispose(): void {
    if (this.pending) clearTimeout(this.pending);
    this.subscription.dispose();
    this.changed.dispose();
  }
}
