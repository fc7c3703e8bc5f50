/**
 * `critic.checkBeforeCommit`: the staged changes are critiqued before a commit from the Source
 * Control view, so VS Code's own commit check (`git.diagnosticsCommitHook`, which reads the
 * diagnostics of the staged files) sees fresh findings.
 *
 * The git extension has no pre-commit API (only post-commit command providers), and `git.commit`
 * cannot be wrapped (a command id is registered once). So two points work together:
 * - whenever the index changes (a file is staged), the staged changes are critiqued in the
 *   background — that covers the Commit button and `Git: Commit` from the palette;
 * - Ctrl+Enter in the commit message box runs `critic.checkAndCommit` (a keybinding that applies
 *   only while the setting is on): it waits for that critique, then runs `git.commit`, whose
 *   diagnostics check then asks about Critic's errors. Errors the check cannot see (on the
 *   read-only staged view) or all errors when the check is off are asked about here.
 */
import * as vscode from 'vscode';
import type { Logger } from '../engine/types.js';
import type { GitApi, GitExtension, GitRepository } from './gitApi.js';
import type { ChangesOutcome, ScmCommands } from './scm.js';

export const checkBeforeCommitSetting = 'checkBeforeCommit';
const indexSettleMs = 400;

/** `critic.checkBeforeCommit` for a repository folder. */
export function checkBeforeCommitEnabled(scope?: vscode.Uri): boolean {
  return vscode.workspace.getConfiguration('critic', scope).get<boolean>(checkBeforeCommitSetting, false) === true;
}

function diagnosticsHookSeesCritic(scope: vscode.Uri): boolean {
  const git = vscode.workspace.getConfiguration('git', scope);
  if (git.get<boolean>('diagnosticsCommitHook.enabled', false) !== true) return false;
  const sources = git.get<Record<string, string>>('diagnosticsCommitHook.sources', { '*': 'error' }) ?? {};
  const level = sources.critic ?? sources['*'];
  return level !== undefined && level !== 'none';
}

interface Watched {
  signature: string;
  timer?: ReturnType<typeof setTimeout>;
  running?: Promise<ChangesOutcome | undefined>;
  /** The index changed while a critique ran: run again when it ends. */
  again: boolean;
}

export class CommitCheck implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private readonly watched = new Map<GitRepository, Watched>();
  private api?: GitApi;

  constructor(
    private readonly scm: ScmCommands,
    private readonly log: Logger,
  ) {
    void this.attach();
  }

  private async attach(): Promise<void> {
    const ext = vscode.extensions.getExtension<GitExtension>('vscode.git');
    if (!ext) return;
    try {
      const exports = ext.isActive ? ext.exports : await ext.activate();
      if (!exports.enabled) return;
      this.api = exports.getAPI(1);
    } catch (err) {
      this.log.warn(`critic.checkBeforeCommit: the Git extension did not start: ${(err as Error).message}`);
      return;
    }
    this.disposables.push(this.api.onDidOpenRepository((r) => this.watch(r)));
    for (const r of this.api.repositories) this.watch(r);
  }

  private watch(repo: GitRepository): void {
    if (this.watched.has(repo)) return;
    const w: Watched = { signature: this.signatureOf(repo), again: false };
    this.watched.set(repo, w);
    this.disposables.push(
      repo.state.onDidChange(() => {
        const signature = this.signatureOf(repo);
        if (signature === w.signature) return;
        w.signature = signature;
        if (!signature || !checkBeforeCommitEnabled(repo.rootUri)) return;
        if (w.timer) clearTimeout(w.timer);
        w.timer = setTimeout(() => {
          w.timer = undefined;
          void this.critique(repo, w);
        }, indexSettleMs);
      }),
    );
  }

  /** Which files are staged (git's view refreshes often without the index changing). */
  private signatureOf(repo: GitRepository): string {
    return repo.state.indexChanges
      .map((c) => c.uri.toString())
      .sort()
      .join('\n');
  }

  private critique(repo: GitRepository, w: Watched): Promise<ChangesOutcome | undefined> {
    if (w.running) {
      w.again = true;
      return w.running;
    }
    this.log.info(`critic.checkBeforeCommit: critiquing the staged changes of ${repo.rootUri.fsPath}`);
    w.running = this.scm.critiqueChanges(repo, true, { quiet: true }).finally(() => {
      w.running = undefined;
      if (w.again) {
        w.again = false;
        void this.critique(repo, w);
      }
    });
    return w.running;
  }

  /** Ctrl+Enter in the commit message box: critique what is staged (or wait for that critique), then commit. */
  async checkAndCommit(): Promise<void> {
    const repo = this.api?.repositories.find((r) => r.ui.selected) ?? (this.api?.repositories.length === 1 ? this.api.repositories[0] : undefined);
    if (!repo) {
      await vscode.commands.executeCommand('git.commit');
      return;
    }
    const w = this.watched.get(repo) ?? { signature: this.signatureOf(repo), again: false };
    if (w.timer) clearTimeout(w.timer);
    w.timer = undefined;
    if (w.running) await w.running.catch(() => undefined);
    // The background critique may be of an older index: this one is of what is staged now.
    const outcome = await this.critique(repo, w);
    const unseen = diagnosticsHookSeesCritic(repo.rootUri) ? (outcome?.stagedOnlyErrors ?? 0) : (outcome?.errors ?? 0);
    if (unseen > 0) {
      const choice = await vscode.window.showWarningMessage(
        `Critic found ${unseen} error${unseen === 1 ? '' : 's'} in what is staged${diagnosticsHookSeesCritic(repo.rootUri) ? ' (in staged versions that differ from the working files)' : ''}. Commit anyway?`,
        { modal: true },
        'Commit Anyway',
      );
      if (choice !== 'Commit Anyway') return;
    }
    await vscode.commands.executeCommand('git.commit', repo.rootUri);
  }

  dispose(): void {
    for (const w of this.watched.values()) if (w.timer) clearTimeout(w.timer);
    for (const d of this.disposables) d.dispose();
  }
}
