/**
 * The Critic item in the status bar: what a running critique waits for (static tools, execution in
 * the sandbox, the model) and, when none runs, the last result in a few words — "2 errors",
 * "✓ 3 examples passed", "nothing was executed" — so a quiet editor never reads as "all verified".
 * Clicking it opens the findings view. The words are pure code (statusText.ts).
 */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { CheckPhase } from '../engine/pipeline.js';
import type { CriticController, RunRecord } from './controller.js';
import { findingsViewId } from './findingsView.js';
import { lastResultText, phaseText, restrictedSkipped } from './statusText.js';

export class CriticStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('critic.status', vscode.StatusBarAlignment.Left, 10);
  private readonly running = new Map<string, { uri: string; phase: CheckPhase }>();
  private last?: RunRecord;
  /** The last run of each file, so the item speaks of the file in the active editor. */
  private readonly byFile = new Map<string, RunRecord>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(critic: CriticController) {
    this.item.name = 'Critic';
    this.item.command = { command: `${findingsViewId}.focus`, title: 'Show Critic Findings' };
    this.subscriptions = [
      critic.server.onDidChangePhase((e) => {
        if (e.phase === 'done') this.running.delete(e.token);
        else this.running.set(e.token, { uri: e.uri, phase: e.phase });
        this.render();
      }),
      critic.onDidRun((r) => {
        this.last = r;
        this.byFile.set(r.file, r);
        this.render();
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.render()),
    ];
  }

  private render(): void {
    const restricted = !vscode.workspace.isTrusted;
    const busy = [...this.running.values()].pop();
    if (busy) {
      const more = this.running.size > 1 ? ` (+${this.running.size - 1})` : '';
      this.item.text = `$(loading~spin) Critic: ${phaseText[busy.phase]}…${more}`;
      this.item.tooltip = `Critiquing ${basename(vscode.Uri.parse(busy.uri).fsPath)}: ${phaseText[busy.phase]}${restricted ? `\n${restrictedSkipped}` : ''}`;
      this.item.show();
      return;
    }
    const active = vscode.window.activeTextEditor?.document.uri;
    const r = (active?.scheme === 'file' ? this.byFile.get(active.fsPath) : undefined) ?? this.last;
    if (!r) {
      this.item.hide();
      return;
    }
    const when = r.at.toLocaleTimeString();
    if (r.error) {
      this.item.text = '$(error) Critic: the critique failed';
      this.item.tooltip = `${basename(r.file)} at ${when}: ${(r.error as Error).message ?? String(r.error)} — see "Critic: Show Log"`;
    } else {
      const words = lastResultText(r.result?.findings ?? [], r.result?.execution, restricted);
      this.item.text = `$(${restricted ? 'workspace-untrusted' : words.icon}) Critic: ${words.text}${restricted && words.icon !== 'info' ? ' (static checks only)' : ''}`;
      this.item.tooltip = `${basename(r.file)} (${r.scope.reason}) at ${when}, ${(r.ms / 1000).toFixed(1)} s${restricted ? `\n${restrictedSkipped}` : ''}\nClick to open the findings`;
    }
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.item.dispose();
  }
}
