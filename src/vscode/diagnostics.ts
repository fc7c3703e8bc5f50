/**
 * Findings as native diagnostics: one collection, source `critic`, code = rule id (linked to the
 * rule's documentation when the tool has one). A view of the findings store (findingsStore.ts),
 * like the findings view, the code lenses, the hints and the hover: it redraws a document's
 * diagnostics whenever the store's findings for it change. Each Diagnostic maps back to its
 * Finding, so quick fixes only look things up.
 */
import * as vscode from 'vscode';
import type { Level, Range } from '../engine/findings.js';
import { diagnosticDataOf, shownMessage, type CriticDiagnosticData } from './diagnosticData.js';
import type { FindingsStore, ShownFinding } from './findingsStore.js';

export const diagnosticSource = 'critic';

const severity: Record<Level, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  note: vscode.DiagnosticSeverity.Information,
};

export function toVsRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

export function ruleOf(diagnostic: vscode.Diagnostic): string | undefined {
  const code = diagnostic.code;
  if (typeof code === 'string') return code;
  if (typeof code === 'object' && code) return String(code.value);
  return undefined;
}

function toDiagnostic(f: ShownFinding): vscode.Diagnostic {
  const d = new vscode.Diagnostic(toVsRange(f.range), shownMessage(f), severity[f.level]);
  d.source = diagnosticSource;
  d.code = f.helpUri ? { value: f.rule, target: vscode.Uri.parse(f.helpUri) } : f.rule;
  // Like an LSP diagnostic's `data` (vscode-languageclient keeps it on the Diagnostic): the
  // findings view and inline hints read tier and unit from here, not from this collection.
  (d as vscode.Diagnostic & { data?: CriticDiagnosticData }).data = diagnosticDataOf(f);
  if (f.related.length) {
    d.relatedInformation = f.related.map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(r.file), toVsRange(r.range)), r.message));
  }
  return d;
}

export class FindingDiagnostics implements vscode.Disposable {
  readonly collection = vscode.languages.createDiagnosticCollection(diagnosticSource);
  private readonly findingOfDiagnostic = new WeakMap<vscode.Diagnostic, ShownFinding>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires after a document's findings were replaced. */
  readonly onDidChange = this.changed.event;
  private readonly subscription: { dispose(): void };

  constructor(readonly store: FindingsStore) {
    this.subscription = store.onDidChange((key) => this.render(key));
  }

  /** Replaces a document's findings in the store (the diagnostics follow). */
  set(uri: vscode.Uri, findings: readonly ShownFinding[], content?: { hash?: string; version?: number }): void {
    this.store.set(uri.toString(), findings, content);
  }

  private render(key: string): void {
    const uri = vscode.Uri.parse(key);
    const diagnostics = this.store.findings(key).map((f) => {
      const d = toDiagnostic(f);
      this.findingOfDiagnostic.set(d, f);
      return d;
    });
    this.collection.set(uri, diagnostics);
    this.changed.fire(uri);
  }

  findings(uri: vscode.Uri): readonly ShownFinding[] {
    return this.store.findings(uri.toString());
  }

  /** Every document's findings. */
  all(): Array<[vscode.Uri, readonly ShownFinding[]]> {
    return this.store.all().map((d) => [vscode.Uri.parse(d.uri), d.findings]);
  }

  byFingerprint(uri: vscode.Uri, fingerprint: string): ShownFinding | undefined {
    return this.store.byFingerprint(uri.toString(), fingerprint);
  }

  /**
   * The finding behind a diagnostic. The same object when VS Code hands ours back; otherwise
   * (a copy) matched by rule, range and message.
   */
  findingOf(uri: vscode.Uri, diagnostic: vscode.Diagnostic): ShownFinding | undefined {
    const direct = this.findingOfDiagnostic.get(diagnostic);
    if (direct) return direct;
    if (diagnostic.source !== diagnosticSource) return undefined;
    const rule = ruleOf(diagnostic);
    const r = diagnostic.range;
    return this.findings(uri).find(
      (f) =>
        f.rule === rule &&
        shownMessage(f) === diagnostic.message &&
        f.range.start.line === r.start.line &&
        f.range.start.character === r.start.character &&
        f.range.end.line === r.end.line &&
        f.range.end.character === r.end.character,
    );
  }

  /** Findings whose range contains the position (narrowest first). */
  at(uri: vscode.Uri, position: vscode.Position): ShownFinding[] {
    return this.store.at(uri.toString(), position);
  }

  dispose(): void {
    this.subscription.dispose();
    this.collection.dispose();
    this.changed.dispose();
  }
}
