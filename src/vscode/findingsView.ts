/**
 * The Critic findings view: file → unit → finding, filtered by evidence tier, a view of the
 * findings store (the same findings the diagnostics, lenses, hints and hover show).
 * The "N issues" code lens opens it on its unit.
 */
import * as vscode from 'vscode';
import { criticFindingOfFinding, findingTiers, severities, type CriticFinding, type FindingTier } from './diagnosticData.js';
import type { FindingsStore } from './findingsStore.js';
import { buildFindingsTree, countFindings, countsText, emptyCounts, filterMessage, findUnit, parentOf, type Counts, type FileFindings, type FileNode, type TreeNode } from './findingsTree.js';
import { hintText, KeyedThrottle } from './inlineHintText.js';

export const findingsViewId = 'critic.findings';
const tiersStateKey = 'critic.findings.tiers';

const tierWords: Record<FindingTier, { label: string; detail: string }> = {
  executed: { label: 'Executed', detail: 'the code was run and misbehaved (examples, tests, probes)' },
  tool: { label: 'Tool', detail: 'a deterministic analyser reported it (syntax, types, lint)' },
  model: { label: 'Model', detail: "the critic model's reading, not confirmed by a tool" },
};

function severityIcon(severity: number): vscode.ThemeIcon {
  if (severity === severities.error) return new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
  if (severity === severities.warning) return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  return new vscode.ThemeIcon('info', new vscode.ThemeColor('problemsInfoIcon.foreground'));
}

/** Every file's findings, from the store. */
function storedFindings(store: FindingsStore): Array<{ uri: vscode.Uri; findings: CriticFinding[] }> {
  return store.all().map((d) => ({ uri: vscode.Uri.parse(d.uri), findings: d.findings.map(criticFindingOfFinding) }));
}

export class FindingsView implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private tree: FileNode[] = [];
  private all: Counts = emptyCounts();
  private shown: Set<FindingTier>;
  private filtered?: boolean;
  private readonly view: vscode.TreeView<TreeNode>;
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly throttle = new KeyedThrottle<string>(200, () => this.rebuild());
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly state: vscode.Memento,
    private readonly store: FindingsStore,
  ) {
    const saved = state.get<string[]>(tiersStateKey);
    this.shown = new Set(findingTiers.filter((t) => !saved || saved.includes(t)));
    this.view = vscode.window.createTreeView(findingsViewId, { treeDataProvider: this, showCollapseAll: true });
    this.disposables.push(
      this.view,
      this.changed,
      store.onDidChange((uri) => this.throttle.add([uri])),
    );
    this.rebuild();
  }

  private rebuild(): void {
    const multiRoot = (vscode.workspace.workspaceFolders?.length ?? 0) > 1;
    const files: FileFindings[] = storedFindings(this.store).map(({ uri, findings }) => ({ uri: uri.toString(), label: vscode.workspace.asRelativePath(uri, multiRoot), findings }));
    this.all = countFindings(files.flatMap((f) => f.findings));
    this.tree = buildFindingsTree(files, this.shown);
    const shownCounts = countFindings(this.tree.flatMap((f) => f.units.flatMap((u) => u.findings.map((n) => n.finding))));
    // The title is what a single-view container shows ("CRITIC: FINDINGS (2 ERRORS)").
    const total = shownCounts.errors + shownCounts.warnings + shownCounts.notes;
    this.view.title = total ? `Findings (${countsText(shownCounts)})` : 'Findings';
    this.view.message = filterMessage(this.all, this.shown);
    const filtered = this.shown.size < findingTiers.length;
    if (filtered !== this.filtered) {
      this.filtered = filtered;
      // Swaps the view's filter button for "show every tier".
      void vscode.commands.executeCommand('setContext', 'critic.findings.filtered', filtered);
    }
    this.view.badge = total ? { value: total, tooltip: `Critic: ${countsText(shownCounts)}` } : undefined;
    this.changed.fire(undefined);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) return this.tree;
    if (node.kind === 'file') return node.units;
    if (node.kind === 'unit') return node.findings;
    return [];
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return parentOf(this.tree, node);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node.kind === 'file') {
      const uri = vscode.Uri.parse(node.uri);
      const item = new vscode.TreeItem(uri, vscode.TreeItemCollapsibleState.Expanded);
      item.id = node.id;
      // The folder; the count is the Problems decoration VS Code already draws on the right.
      const slash = node.label.lastIndexOf('/');
      item.description = slash > 0 ? node.label.slice(0, slash) : '';
      item.contextValue = 'critic.file';
      return item;
    }
    if (node.kind === 'unit') {
      const item = new vscode.TreeItem(node.unit === '<module>' ? 'module level' : node.unit, vscode.TreeItemCollapsibleState.Expanded);
      item.id = node.id;
      item.iconPath = new vscode.ThemeIcon(node.unit === '<module>' ? 'symbol-file' : 'symbol-function');
      item.description = `${node.findings.length} issue${node.findings.length === 1 ? '' : 's'}`;
      item.contextValue = 'critic.unit';
      return item;
    }
    const f = node.finding;
    // The short form fits a side bar (`expected 4, got 0`); the whole message is the tooltip.
    const item = new vscode.TreeItem(hintText(f), vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.iconPath = severityIcon(f.severity);
    item.description = `${f.tier} · ${f.rule} · Ln ${f.range.start.line + 1}`;
    // Tool and model text is untrusted: plain text only.
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(f.message);
    tooltip.appendMarkdown('\n\n');
    tooltip.appendText(`${f.rule} · ${tierWords[f.tier].label.toLowerCase()}: ${tierWords[f.tier].detail}${f.tier === 'model' ? ` (confidence ${Math.round(f.confidence * 100)} %)` : ''}`);
    item.tooltip = tooltip;
    item.contextValue = 'critic.finding';
    const r = f.range;
    item.command = {
      command: 'vscode.open',
      title: 'Open Finding',
      arguments: [vscode.Uri.parse(node.uri), { selection: new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character), preserveFocus: false } satisfies vscode.TextDocumentShowOptions],
    };
    return item;
  }

  /** Choose which tiers the view shows (remembered per workspace). */
  async filterByTier(): Promise<void> {
    const items = findingTiers.map((tier) => ({ label: tierWords[tier].label, description: `${this.all.byTier[tier]}`, detail: tierWords[tier].detail, picked: this.shown.has(tier), tier }));
    const picked = await vscode.window.showQuickPick(items, { title: 'Critic: show findings of these tiers', canPickMany: true });
    if (!picked) return;
    this.shown = new Set(picked.map((p) => p.tier));
    await this.state.update(tiersStateKey, [...this.shown]);
    this.rebuild();
  }

  /** Shows every tier again. */
  async clearFilter(): Promise<void> {
    this.shown = new Set(findingTiers);
    await this.state.update(tiersStateKey, undefined);
    this.rebuild();
  }

  /** Opens the view on a unit's findings (the code lens), else on the file's. */
  async showUnit(uri?: string, unit?: string): Promise<void> {
    this.throttle.dispose();
    this.rebuild();
    await vscode.commands.executeCommand(`${findingsViewId}.focus`);
    const target = (uri && unit ? findUnit(this.tree, uri, unit) : undefined) ?? this.tree.find((f) => f.uri === uri) ?? this.tree[0];
    if (target) await this.view.reveal(target, { select: true, focus: true, expand: true });
  }

  dispose(): void {
    this.throttle.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
