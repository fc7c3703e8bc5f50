/** Language status items (the `{}` in the status bar): the model, the sandbox, the last run. */
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { summarise } from '../engine/findings.js';
import { documentSelector, type CriticController, type RunRecord } from './controller.js';
import type { EngineInfo } from '../lsp/protocol.js';
import { findingsViewId } from './findingsView.js';
import { lastResultText, restrictedSkipped } from './statusText.js';
import { plural } from '../engine/text.js';


export class CriticStatus implements vscode.Disposable {
  private readonly model = vscode.languages.createLanguageStatusItem('critic.model', documentSelector);
  private readonly sandbox = vscode.languages.createLanguageStatusItem('critic.sandbox', documentSelector);
  private readonly lastRun = vscode.languages.createLanguageStatusItem('critic.lastRun', documentSelector);
  private readonly subscriptions: vscode.Disposable[];

  constructor(critic: CriticController) {
    this.model.name = 'Critic model';
    this.sandbox.name = 'Critic sandbox';
    this.lastRun.name = 'Critic last run';
    // Before the first critique: what the settings say, not "not loaded yet" (the engine starts lazily).
    this.showConfigured();
    this.model.command = { command: 'critic.selectModel', title: 'Select Model' };
    this.sandbox.command = { command: 'critic.showLog', title: 'Show Log' };
    this.lastRun.text = '$(checklist) Critic: no critique yet';
    this.lastRun.detail = 'Critique File, Critique Selection, or paste a block';
    this.lastRun.command = { command: `${findingsViewId}.focus`, title: 'Show Findings' };
    this.subscriptions = [
      critic.onDidCreateEngine((e) => this.showEngine(e)),
      critic.onDidRun((r) => this.showRun(r)),
      critic.onDidChangeRunning((busy) => (this.lastRun.busy = busy)),
    ];
  }

  private showConfigured(): void {
    const config = vscode.workspace.getConfiguration('critic');
    const provider = config.get<string>('model.provider', 'none');
    const name = config.get<string>('model.name', '');
    if (!vscode.workspace.isTrusted) {
      this.model.text = '$(hubot) No critic model';
      this.model.detail = 'Restricted Mode: no model calls';
      this.sandbox.text = '$(circle-slash) Sandbox: off';
      this.sandbox.detail = 'Restricted Mode: no code of this workspace runs';
      return;
    }
    this.model.text = provider === 'none' || !provider ? '$(hubot) No critic model' : `$(hubot) ${name || (provider === 'openai' ? 'the endpoint’s default model' : 'a VS Code language model')}`;
    this.model.detail = provider === 'none' || !provider ? 'tool evidence only — Select Model' : 'critic model (connects on the first critique)';
    this.sandbox.text = '$(shield) Sandbox';
    this.sandbox.detail = 'set up when a critique first runs examples or tests';
  }

  private showEngine(e: EngineInfo): void {
    if (e.models.length) {
      this.model.text = `$(hubot) ${e.models.join(', ')}`;
      this.model.detail = e.models.length > 1 ? 'panel of critic models' : 'critic model';
      this.model.severity = vscode.LanguageStatusSeverity.Information;
    } else {
      this.model.text = '$(hubot) No critic model';
      this.model.detail = vscode.workspace.isTrusted ? 'tool evidence only — Select Model' : 'Restricted Mode: no model calls';
      this.model.severity = vscode.LanguageStatusSeverity.Information;
    }
    const label = { bubblewrap: 'bubblewrap', 'limits-only': 'limits only (not isolated)', none: 'off' }[e.isolation];
    this.sandbox.text = `$(${e.isolation === 'bubblewrap' ? 'shield' : e.isolation === 'limits-only' ? 'warning' : 'circle-slash'}) Sandbox: ${label}`;
    this.sandbox.detail = e.isolationReason ?? (e.isolation === 'bubblewrap' ? 'examples and tests run isolated: no network, read-only project' : 'resource limits only');
    this.sandbox.severity = e.isolation === 'bubblewrap' ? vscode.LanguageStatusSeverity.Information : vscode.LanguageStatusSeverity.Warning;
  }

  private showRun(r: RunRecord): void {
    const time = r.at.toLocaleTimeString();
    const seconds = `${(r.ms / 1000).toFixed(1)} s`;
    if (r.error) {
      this.lastRun.text = `$(error) Critic: failed at ${time}`;
      this.lastRun.detail = `${(r.error as Error).message ?? r.error} — Show Log`;
      this.lastRun.severity = vscode.LanguageStatusSeverity.Error;
      return;
    }
    const findings = r.result?.findings ?? [];
    const s = summarise(findings, 1);
    const counts = [s.error && plural(s.error, 'error'), s.warning && plural(s.warning, 'warning'), s.note && plural(s.note, 'note')].filter(Boolean).join(', ') || 'no findings';
    const restricted = !vscode.workspace.isTrusted;
    this.lastRun.text = `$(checklist) Critic: ${findings.length ? counts : lastResultText(findings, r.result?.execution, restricted).text}`;
    const model = r.result?.timings.model !== undefined ? `, model ${((r.result.timings.model ?? 0) / 1000).toFixed(1)} s` : '';
    this.lastRun.detail = `${basename(r.file)} (${r.scope.reason}) at ${time} in ${seconds}${model}${restricted ? ` — ${restrictedSkipped}` : ''}`;
    this.lastRun.severity = vscode.LanguageStatusSeverity.Information;
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.model.dispose();
    this.sandbox.dispose();
    this.lastRun.dispose();
  }
}
