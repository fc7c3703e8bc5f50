/**
 * `critic.inlineHints`: the most severe Critic finding of a line, in short, after the end of the
 * line (Error Lens style). A view of the findings store; drawn only in visible editors, redrawn at most every 200 ms while diagnostics
 * change, and not at all while the setting is off (its default).
 */
import * as vscode from 'vscode';
import { criticFindingOfFinding, severities, type CriticFinding } from './diagnosticData.js';
import type { FindingsStore } from './findingsStore.js';
import { hintText, KeyedThrottle, worstPerLine } from './inlineHintText.js';

export const inlineHintsSetting = 'inlineHints';

type HintLevel = 'error' | 'warning' | 'info';

function levelOf(f: CriticFinding): HintLevel {
  return f.severity === severities.error ? 'error' : f.severity === severities.warning ? 'warning' : 'info';
}

export class InlineHints implements vscode.Disposable {
  private types?: Record<HintLevel, vscode.TextEditorDecorationType>;
  private readonly throttle = new KeyedThrottle<string>(200, (keys) => this.draw(keys));
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly store: FindingsStore) {
    this.disposables.push(
      store.onDidChange((uri) => {
        if (this.types) this.throttle.add([uri]);
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        if (this.types) this.throttle.add(editors.map((e) => e.document.uri.toString()));
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(`critic.${inlineHintsSetting}`)) this.configure();
      }),
    );
    this.configure();
  }

  private enabled(): boolean {
    return vscode.workspace.getConfiguration('critic').get<boolean>(inlineHintsSetting, false) === true;
  }

  private configure(): void {
    if (!this.enabled()) {
      // Disposing the decoration types removes every hint they drew.
      this.throttle.dispose();
      if (this.types) for (const t of Object.values(this.types)) t.dispose();
      this.types = undefined;
      return;
    }
    if (!this.types) {
      const make = (level: HintLevel) =>
        vscode.window.createTextEditorDecorationType({
          after: { color: new vscode.ThemeColor(`critic.inlineHint.${level}Foreground`), margin: '0 0 0 2.5em', fontStyle: 'italic' },
          rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
        });
      this.types = { error: make('error'), warning: make('warning'), info: make('info') };
    }
    this.draw();
  }

  /** Redraws the visible editors (only those showing one of `keys`, when given). */
  private draw(keys?: ReadonlySet<string>): void {
    const types = this.types;
    if (!types) return;
    for (const editor of vscode.window.visibleTextEditors) {
      const document = editor.document;
      if (keys && !keys.has(document.uri.toString())) continue;
      const findings = this.store.findings(document.uri.toString()).map(criticFindingOfFinding);
      const byLevel: Record<HintLevel, vscode.DecorationOptions[]> = { error: [], warning: [], info: [] };
      for (const [line, f] of worstPerLine(findings)) {
        if (line >= document.lineCount) continue;
        const end = document.lineAt(line).range.end;
        byLevel[levelOf(f)].push({ range: new vscode.Range(end, end), renderOptions: { after: { contentText: hintText(f) } } });
      }
      for (const level of ['error', 'warning', 'info'] as const) editor.setDecorations(types[level], byLevel[level]);
    }
  }

  dispose(): void {
    this.throttle.dispose();
    if (this.types) for (const t of Object.values(this.types)) t.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
