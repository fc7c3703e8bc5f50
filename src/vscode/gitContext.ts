/**
 * The context key `critic.git.hasRepository`: true while the built-in Git extension has a
 * repository open. The Source Control commands' `when` clauses use it, so they are hidden in a
 * folder without a repository — and, unlike `gitOpenRepositoryCount != 0`, also when the Git
 * extension is disabled or git is missing (that key is then undefined, and `undefined != 0`).
 */
import * as vscode from 'vscode';
import type { Logger } from '../engine/types.js';
import type { GitApi, GitExtension } from './gitApi.js';

export const hasRepositoryContextKey = 'critic.git.hasRepository';

export class GitRepositoryContext implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private apiDisposables: vscode.Disposable[] = [];
  private current?: boolean;

  constructor(private readonly log: Logger) {
    this.set(false);
    this.disposables.push(vscode.extensions.onDidChange(() => void this.attach()));
    void this.attach();
  }

  private set(value: boolean): void {
    if (value === this.current) return;
    this.current = value;
    void vscode.commands.executeCommand('setContext', hasRepositoryContextKey, value);
  }

  private async attach(): Promise<void> {
    for (const d of this.apiDisposables) d.dispose();
    this.apiDisposables = [];
    const ext = vscode.extensions.getExtension<GitExtension>('vscode.git');
    if (!ext) return this.set(false);
    let exports: GitExtension;
    try {
      // The Git extension starts with the window anyway; this only waits for it.
      exports = ext.isActive ? ext.exports : await ext.activate();
    } catch (err) {
      this.log.warn(`the Git extension did not start: ${(err as Error).message}`);
      return this.set(false);
    }
    const watch = () => {
      for (const d of this.apiDisposables.splice(1)) d.dispose();
      if (!exports.enabled) return this.set(false);
      let api: GitApi;
      try {
        api = exports.getAPI(1);
      } catch {
        return this.set(false);
      }
      const update = () => this.set(api.repositories.length > 0);
      this.apiDisposables.push(api.onDidOpenRepository(update), api.onDidCloseRepository(update), api.onDidChangeState(update));
      update();
    };
    this.apiDisposables.push(exports.onDidChangeEnablement(watch));
    watch();
  }

  dispose(): void {
    for (const d of [...this.apiDisposables, ...this.disposables]) d.dispose();
  }
}
