/**
 * "Critic: Show Report": a read-only document listing the current findings in the CLI's text
 * format, coloured by the `critic-report` grammar (syntaxes/critic-report.tmLanguage.json).
 */
import * as vscode from 'vscode';
import { formatText } from '../engine/reportFormat.js';
import type { CriticController } from './controller.js';

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
    const text = formatText(
      { findings: all.flatMap(([, f]) => f), filesChecked: Math.max(all.length, 1), root: cwd, cwd, durationMs: last?.ms ?? 0, notices: [], version: this.version },
      { color: false, quiet: false },
    );
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
