/**
 * Findings as native diagnostics: one collection, source `critic`, code = rule id (linked to the
 * rule's documentation when the tool has one). Each Diagnostic maps back to its Finding, so quick
 * fixes, hovers and code lenses only look things up.
 */
import * as vscode from 'vscode';
import type { Finding, Level, Range } from '../engine/findings.js';
import { diagnosticDataOf, type CriticDiagnosticData } from './diagnosticData.js';

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

function toDiagnostic(f: Finding): vscode.Diagnostic {
  const d = new vscode.Diagnostic(toVsRange(f.range), f.message, severity[f.level]);
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
  private readonly findingOfDiagnostic = new WeakMap<vscode.Diagnostic, Finding>();
  private readonly byUri = new Map<string, readonly Finding[]>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires after a document's findings were replaced. */
  readonly onDidChange = this.changed.event;

  set(uri: vscode.Uri, findings: readonly Finding[]): void {
    const diagnostics = findings.map((f) => {
      const d = toDiagnostic(f);
      this.findingOfDiagnostic.set(d, f);
      return d;
    });
    if (findings.length) this.byUri.set(uri.toString(), findings);
    else this.byUri.delete(uri.toString());
    this.collection.set(uri, diagnostics);
    this.changed.fire(uri);
  }

  findings(uri: vscode.Uri): readonly Finding[] {
    return this.byUri.get(uri.toString()) ?? [];
  }

  /** Every document's findings. */
  all(): Array<[vscode.Uri, readonly Finding[]]> {
    return [...this.byUri].map(([u, f]) => [vscode.Uri.parse(u), f]);
  }

  byFingerprint(uri: vscode.Uri, fingerprint: string): Finding | undefined {
    return this.findings(uri).find((f) => f.fingerprint === fingerprint);
  }

  /**
   * The finding behind a diagnostic. The same object when VS Code hands ours back; otherwise
   * (a copy) matched by rule, range and message.
   */
  findingOf(uri: vscode.Uri, diagnostic: vscode.Diagnostic): Finding | undefined {
    const direct = this.findingOfDiagnostic.get(diagnostic);
    if (direct) return direct;
    if (diagnostic.source !== diagnosticSource) return undefined;
    const rule = ruleOf(diagnostic);
    const r = diagnostic.range;
    return this.findings(uri).find(
      (f) =>
        f.rule === rule &&
        f.message === diagnostic.message &&
        f.range.start.line === r.start.line &&
        f.range.start.character === r.start.character &&
        f.range.end.line === r.end.line &&
        f.range.end.character === r.end.character,
    );
  }

  /** Findings whose range contains the position (narrowest first). */
  at(uri: vscode.Uri, position: vscode.Position): Finding[] {
    return this.findings(uri)
      .filter((f) => toVsRange(f.range).contains(position))
      .sort((a, b) => a.range.end.line - a.range.start.line - (b.range.end.line - b.range.start.line));
  }

  dispose(): void {
    this.collection.dispose();
    this.changed.dispose();
  }
}
