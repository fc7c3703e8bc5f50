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
  /**
   * Lines edited since the last complete run (0-based, inclusive, in the current text), shifted by
   * later edits: where a tool that can check a region (TypeScript) looks first.
   */
  edited: Array<{ start: number; end: number }> = [];
  /** The last complete run: its version, findings, units and probe records (re-run to verify a rewrite). */
  checked?: { version: number; findings: Finding[]; units: CodeUnit[]; probes?: EvidenceRecord[] };

  /** Follows an edit: shifts what is below it, drops what it touched. Returns whether any diagnostic moved or went. */
  applyChanges(changes: readonly TextDocumentContentChangeEvent[]): boolean {
    let changed = false;
    for (const c of changes) {
      if (!('range' in c)) {
        changed ||= this.diagnostics.length > 0;
        this.diagnostics = [];
        this.edited = [];
        continue;
      }
      const { start, end } = c.range;
      const delta = (c.text.match(/\n/g)?.length ?? 0) - (end.line - start.line);
      this.edited = [
        ...this.edited.filter((e) => e.end < start.line || e.start > end.line).map((e) => (e.start > end.line ? { start: e.start + delta, end: e.end + delta } : e)),
        ...this.edited.filter((e) => !(e.end < start.line || e.start > end.line)).map((e) => ({ start: Math.min(e.start, start.line), end: Math.max(e.end + delta, end.line + delta) })),
        { start: start.line, end: end.line + delta },
      ];
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
 * What to show when a tool has answered for a region only (TypeScript's region check after an
 * edit): everything `partialDiagnostics` shows, except that the tool's earlier diagnostics inside
 * the checked ranges give way to its new ones there; outside them (already moved with the edits)
 * they stay until its whole-file answer replaces them. Its syntax diagnostics are fresh for the
 * whole document, so earlier ones are not carried.
 */
export function regionDiagnostics(
  fresh: Diagnostic[],
  shown: readonly Diagnostic[],
  finished: (tool: string) => boolean,
  region: { tool: string; ranges: readonly Range[] },
  isSyntax: (d: Diagnostic) => boolean,
): Diagnostic[] {
  const key = (d: Diagnostic) => `${String(d.code)}\0${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}\0${d.message}`;
  const seen = new Set(fresh.map(key));
  const carried = shown.filter((d) => {
    const tool = (d.data as DiagnosticData | undefined)?.tool;
    if (tool === undefined || finished(tool) || seen.has(key(d))) return false;
    if (tool !== region.tool) return true;
    return !isSyntax(d) && !region.ranges.some((r) => overlaps(r, d.range));
  });
  return [...fresh, ...carried];
}

function before(a: Range['start'], b: Range['start']): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

function overlaps(a: Range, b: Range): boolean {
  return !before(a.end, b.start) && !before(b.end, a.start);
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
