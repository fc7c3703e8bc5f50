/**
 * The model of the Critic findings view: file → unit → finding, built from diagnostics (see
 * diagnosticData.ts), filtered by tier, with counts for the view's title. Pure code, unit-tested;
 * findingsView.ts turns it into a TreeView.
 */
import { compareImportance, findingTiers, severities, type CriticFinding, type FindingTier } from './diagnosticData.js';

export interface FileFindings {
  /** The document URI as a string. */
  uri: string;
  /** How the file is shown (a workspace-relative path). */
  label: string;
  findings: readonly CriticFinding[];
}

export interface UnitNode {
  kind: 'unit';
  id: string;
  uri: string;
  unit: string;
  findings: FindingNode[];
}

export interface FindingNode {
  kind: 'finding';
  id: string;
  uri: string;
  unit: string;
  finding: CriticFinding;
}

export interface FileNode {
  kind: 'file';
  id: string;
  uri: string;
  label: string;
  units: UnitNode[];
  count: number;
}

export type TreeNode = FileNode | UnitNode | FindingNode;

export interface Counts {
  errors: number;
  warnings: number;
  notes: number;
  byTier: Record<FindingTier, number>;
}

export function emptyCounts(): Counts {
  return { errors: 0, warnings: 0, notes: 0, byTier: { executed: 0, tool: 0, model: 0 } };
}

export function countFindings(findings: Iterable<CriticFinding>, into = emptyCounts()): Counts {
  for (const f of findings) {
    if (f.severity === severities.error) into.errors++;
    else if (f.severity === severities.warning) into.warnings++;
    else into.notes++;
    into.byTier[f.tier]++;
  }
  return into;
}

function byPosition(a: CriticFinding, b: CriticFinding): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character || compareImportance(a, b);
}

/**
 * The tree for the shown tiers. Units are ordered by their first finding, findings by position;
 * ids are stable across rebuilds (so the view keeps what is expanded and selected).
 */
export function buildFindingsTree(files: readonly FileFindings[], shown: ReadonlySet<FindingTier>): FileNode[] {
  const out: FileNode[] = [];
  for (const file of [...files].sort((a, b) => a.label.localeCompare(b.label))) {
    const visible = file.findings.filter((f) => shown.has(f.tier)).sort(byPosition);
    if (!visible.length) continue;
    const units = new Map<string, UnitNode>();
    const occurrences = new Map<string, number>();
    for (const f of visible) {
      let unit = units.get(f.unit);
      if (!unit) {
        unit = { kind: 'unit', id: `${file.uri}\0${f.unit}`, uri: file.uri, unit: f.unit, findings: [] };
        units.set(f.unit, unit);
      }
      // Fingerprints are stable across edits; without one, rule and message with an occurrence count.
      const base = f.fingerprint ?? `${f.rule}\0${f.message}`;
      const n = occurrences.get(base) ?? 0;
      occurrences.set(base, n + 1);
      unit.findings.push({ kind: 'finding', id: `${unit.id}\0${base}\0${n}`, uri: file.uri, unit: f.unit, finding: f });
    }
    out.push({ kind: 'file', id: file.uri, uri: file.uri, label: file.label, units: [...units.values()], count: visible.length });
  }
  return out;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The view's description next to its title, e.g. `2 errors · 1 warning`; `no findings` when empty. */
export function countsText(c: Counts): string {
  const parts = [c.errors && plural(c.errors, 'error'), c.warnings && plural(c.warnings, 'warning'), c.notes && plural(c.notes, 'note')].filter(Boolean);
  return parts.length ? parts.join(' · ') : 'no findings';
}

/** The message above the tree when a tier filter hides findings, else undefined. */
export function filterMessage(all: Counts, shown: ReadonlySet<FindingTier>): string | undefined {
  if (findingTiers.every((t) => shown.has(t))) return undefined;
  const hidden = findingTiers.filter((t) => !shown.has(t)).reduce((n, t) => n + all.byTier[t], 0);
  const which = findingTiers.filter((t) => shown.has(t));
  return `Showing ${which.length ? which.join(' and ') : 'no'} findings${hidden ? ` (${hidden} hidden)` : ''}.`;
}

/** The unit node of a file's unit, for revealing it from a code lens. */
export function findUnit(tree: readonly FileNode[], uri: string, unit: string): UnitNode | undefined {
  return tree.find((f) => f.uri === uri)?.units.find((u) => u.unit === unit);
}

/** The parent of a node (TreeView.reveal needs it). */
export function parentOf(tree: readonly FileNode[], node: TreeNode): TreeNode | undefined {
  if (node.kind === 'file') return undefined;
  const file = tree.find((f) => f.uri === node.uri);
  if (!file || node.kind === 'unit') return file;
  return file.units.find((u) => u.unit === node.unit);
}
