/**
 * What the server remembers of one open document between critiques: the diagnostics last shown,
 * kept in step with edits (lines shift; a diagnostic an edit touches is dropped at once, and an
 * executed one when its unit is edited), and the findings of the last complete run, which code
 * actions and the rewrite command look up by fingerprint. Pure.
 */
import type { Diagnostic, TextDocumentContentChangeEvent } from 'vscode-languageserver';
import type { EvidenceRecord } from '../engine/evidence/tool.js';
import type { Finding, Range } from '../engine/findings.js';
import type { CodeUnit } from '../engine/syntax/units.js';
import type { DiagnosticData } from './diagnostics.js';

export class DocumentState {
  /** What the client shows now. */
  diagnostics: Diagnostic[] = [];
  /** The last complete run: its version, findings, units and probe records (re-run to verify a rewrite). */
  checked?: { version: number; findings: Finding[]; units: CodeUnit[]; probes?: EvidenceRecord[] };

  /** Follows an edit: shifts what is below it, drops what it touched. Returns whether any diagnostic moved or went. */
  applyChanges(changes: readonly TextDocumentContentChangeEvent[]): boolean {
    let changed = false;
    for (const c of changes) {
      if (!('range' in c)) {
        changed ||= this.diagnostics.length > 0;
        this.diagnostics = [];
        continue;
      }
      const { start, end } = c.range;
      const delta = (c.text.match(/\n/g)?.length ?? 0) - (end.line - start.line);
      const units = this.checked?.units ?? [];
      const editedUnit = (d: Diagnostic) => {
        const data = d.data as DiagnosticData | undefined;
        if (data?.tier !== 'executed') return false;
        const u = units.find((x) => x.name === data.unit);
        return u !== undefined && u.kind !== 'module' && u.range.start.line <= end.line && start.line <= u.range.end.line;
      };
      const kept = this.diagnostics.filter((d) => !(d.range.start.line <= end.line && start.line <= d.range.end.line) && !editedUnit(d));
      changed ||= kept.length !== this.diagnostics.length || (delta !== 0 && kept.some((d) => d.range.start.line > end.line));
      this.diagnostics = kept.map((d) => (d.range.start.line > end.line ? { ...d, range: shift(d.range, delta) } : d));
      if (this.checked) this.checked = { ...this.checked, units: units.map((u) => (u.range.start.line > end.line ? { ...u, range: shift(u.range, delta) } : u)) };
    }
    return changed;
  }

  /** The finding behind a diagnostic, from the last complete run. */
  finding(fingerprint: string): Finding | undefined {
    return this.checked?.findings.find((f) => f.fingerprint === fingerprint);
  }
}

function shift(r: Range, delta: number): Range {
  return { start: { line: r.start.line + delta, character: r.start.character }, end: { line: r.end.line + delta, character: r.end.character } };
}

/**
 * What to show while a run is partway: the run's findings for the tools that have finished, plus
 * what was shown before from tools that have not (so a slow tool's earlier findings do not blink
 * out while it reruns).
 */
export function partialDiagnostics(fresh: Diagnostic[], shown: readonly Diagnostic[], finished: (tool: string) => boolean): Diagnostic[] {
  const carried = shown.filter((d) => {
    const tool = (d.data as DiagnosticData | undefined)?.tool;
    return tool !== undefined && !finished(tool);
  });
  return [...fresh, ...carried];
}
