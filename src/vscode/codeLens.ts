/** "Critic: 2 issues · Rewrite" above each function or class that has findings. */
import * as vscode from 'vscode';
import type { CodeUnit } from '../engine/syntax/units.js';
import type { FindingDiagnostics } from './diagnostics.js';
import type { DocumentRuns } from './documentRuns.js';

export class FindingCodeLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly diagnostics: FindingDiagnostics,
    private readonly runs: DocumentRuns,
  ) {
    this.subscription = diagnostics.onDidChange(() => this.changed.fire());
  }

  refresh(): void {
    this.changed.fire();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('critic', document).get<boolean>('codeLens.enabled', true)) return [];
    const findings = this.diagnostics.findings(document.uri);
    if (!findings.length) return [];
    const units = new Map<string, CodeUnit>();
    for (const u of this.runs.units(document.uri.toString())) if (u.kind !== 'module' && !units.has(u.name)) units.set(u.name, u);
    const counts = new Map<string, number>();
    for (const f of findings) counts.set(f.unit, (counts.get(f.unit) ?? 0) + 1);
    const lenses: vscode.CodeLens[] = [];
    for (const [name, count] of counts) {
      const unit = units.get(name);
      if (!unit) continue;
      const line = Math.min(unit.range.start.line, document.lineCount - 1);
      const range = new vscode.Range(line, 0, line, 0);
      const issues = `Critic: ${count} issue${count === 1 ? '' : 's'}`;
      lenses.push(
        new vscode.CodeLens(range, { title: issues, command: 'critic.showUnitFindings', arguments: [document.uri.toString(), name], tooltip: `Critic's findings in ${name}` }),
        new vscode.CodeLens(range, { title: 'Rewrite', command: 'critic.rewriteUnit', arguments: [document.uri.toString(), name], tooltip: `Rewrite ${name} with Critic and verify it before applying` }),
      );
    }
    return lenses;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
