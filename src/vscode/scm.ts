/**
 * Source Control: critique the uncommitted or the staged changes of a git repository (findings
 * only on changed lines), and install the pre-commit hook. Repositories and the git binary come
 * from the built-in git extension; the changed lines come from `git diff --unified=0`, read the
 * same way as `critic diff`, so the editor and the pre-commit hook agree.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import * as vscode from 'vscode';
import { changedFiles, GitError } from '../engine/git.js';
import { languageOfPath } from '../engine/languages.js';
import { nodeExec } from '../engine/nodePorts.js';
import type { ExecPort, Logger } from '../engine/types.js';
import { signalFor } from './cancellation.js';
import type { CriticController } from './controller.js';
import type { GitApi, GitExtension, GitRepository } from './gitApi.js';
import { gitUnavailableReason, type GitSituation } from './gitState.js';
import { mapFindings, mapLines } from './lineMap.js';
import { installPreCommitHook, preCommitHookText } from './preCommitHook.js';

/** Runs git commands with the git binary the git extension uses. */
function gitExec(gitPath: string): ExecPort {
  return { run: (req) => nodeExec.run({ ...req, command: req.command === 'git' ? gitPath : req.command }) };
}

/** Read-only views of staged versions that differ from the working file (their findings are shown there). */
export const stagedScheme = 'critic-staged';

/** What a critique of the staged or uncommitted changes found. */
export interface ChangesOutcome {
  findings: number;
  errors: number;
  /** Errors on read-only staged views, which VS Code's commit check does not read. */
  stagedOnlyErrors: number;
  files: number;
}

export interface ChangesOptions {
  /** Before a commit: progress in the Source Control view, and no message when nothing was found. */
  quiet?: boolean;
}

export class ScmCommands implements vscode.TextDocumentContentProvider {
  private readonly stagedTexts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly critic: CriticController,
    private readonly log: Logger,
  ) {}

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.stagedTexts.get(uri.toString()) ?? '';
  }

  /**
   * Critiques the staged blob itself (what the commit will contain) when it is not what the editor
   * shows. A finding whose lines (its whole function, when it is in one) are unchanged in the
   * working file is shown there, where the user can act and the commit check sees it; the others
   * stay on a read-only view of the staged version.
   */
  private async critiqueStagedText(document: vscode.TextDocument, text: string, lines: { start: number; end: number }[], signal: AbortSignal) {
    const absPath = document.uri.fsPath;
    const uri = vscode.Uri.from({ scheme: stagedScheme, path: absPath, query: 'staged' });
    this.stagedTexts.set(uri.toString(), text);
    this.changed.fire(uri);
    const result = await this.critic.server.check({ uri: document.uri.toString(), languageId: document.languageId, version: 0, text }, { signal, changedLines: lines });
    const { mapped, unmapped } = mapFindings(result.findings, result.units, mapLines(text, document.getText()), absPath);
    this.critic.diagnostics.set(uri, unmapped);
    if (mapped.length) this.critic.runs.adopt(document.uri.toString(), mapped);
    const errors = (fs: typeof mapped) => fs.filter((f) => f.level === 'error').length;
    return { uri, mapped: mapped.length, unmapped: unmapped.length, errors: errors(mapped) + errors(unmapped), stagedOnlyErrors: errors(unmapped) };
  }

  private warn(reason: string): undefined {
    this.log.warn(`Source Control: ${reason}`);
    void vscode.window.showWarningMessage(`Critic: ${reason}`);
    return undefined;
  }

  private situation(found: boolean, apiEnabled: boolean, repositories: number): GitSituation {
    return { extensionFound: found, settingEnabled: vscode.workspace.getConfiguration('git').get<boolean>('enabled', true), apiEnabled, repositories };
  }

  private async gitApi(): Promise<GitApi | undefined> {
    const ext = vscode.extensions.getExtension<GitExtension>('vscode.git');
    if (!ext) return this.warn(gitUnavailableReason(this.situation(false, false, 0))!);
    const exports = ext.isActive ? ext.exports : await ext.activate();
    if (!exports.enabled) return this.warn(gitUnavailableReason(this.situation(true, false, 0))!);
    const api = exports.getAPI(1);
    if (api.state !== 'initialized') {
      await new Promise<void>((resolve) => {
        const sub = api.onDidChangeState((s) => {
          if (s === 'initialized') {
            sub.dispose();
            resolve();
          }
        });
        setTimeout(() => {
          sub.dispose();
          resolve();
        }, 5_000);
      });
    }
    return api;
  }

  /** The repository of the Source Control view that ran the command, else of the active file, else the only one. */
  private async repository(arg: unknown): Promise<{ api: GitApi; repo: GitRepository } | undefined> {
    const api = await this.gitApi();
    if (!api) return undefined;
    const rootUri = (arg as { rootUri?: unknown } | undefined)?.rootUri;
    let repo = rootUri instanceof vscode.Uri ? api.getRepository(rootUri) : null;
    const active = vscode.window.activeTextEditor?.document.uri;
    if (!repo && active) repo = api.getRepository(active);
    if (!repo && api.repositories.length === 1) repo = api.repositories[0]!;
    if (!repo && api.repositories.length > 1) {
      const picked = await vscode.window.showQuickPick(
        api.repositories.map((r) => ({ label: vscode.workspace.asRelativePath(r.rootUri, true) || r.rootUri.fsPath, repo: r })),
        { placeHolder: 'Which repository?' },
      );
      repo = picked?.repo ?? null;
      if (!picked) return undefined;
    }
    if (!repo && !api.repositories.length) return this.warn(gitUnavailableReason(this.situation(true, true, 0))!);
    if (!repo) return this.warn('the active file is in none of the open git repositories: open a file of the repository whose changes to critique.');
    return { api, repo };
  }

  async critiqueChanges(arg: unknown, staged: boolean, options: ChangesOptions = {}): Promise<ChangesOutcome | undefined> {
    const found = await this.repository(arg);
    if (!found) return undefined;
    const root = found.repo.rootUri.fsPath;
    const what = staged ? 'staged changes' : 'uncommitted changes';
    let changes;
    try {
      changes = await changedFiles(gitExec(found.api.git.path), root, { staged }, (p) => readFile(p, 'utf8'));
    } catch (err) {
      const message = err instanceof GitError ? err.message : (err as Error).message;
      this.log.error(`git diff in ${root} failed`, err);
      void vscode.window.showErrorMessage(`Critic: could not read the ${what} of ${root}: ${message}`);
      return undefined;
    }
    const files = changes.filter((c) => languageOfPath(c.path) && c.lines.length);
    if (!files.length) {
      if (!options.quiet) void vscode.window.showInformationMessage(`Critic: no ${what} in Python, JavaScript or TypeScript files to critique.`);
      return { findings: 0, errors: 0, stagedOnlyErrors: 0, files: 0 };
    }
    let findings = 0;
    let errors = 0;
    let stagedOnlyErrors = 0;
    let withFindings = 0;
    let done = 0;
    const differing: { path: string; uri: vscode.Uri; mapped: number; unmapped: number }[] = [];
    await vscode.window.withProgress(
      {
        location: options.quiet ? vscode.ProgressLocation.SourceControl : vscode.ProgressLocation.Notification,
        title: `Critic: critiquing the ${what}`,
        cancellable: !options.quiet,
      },
      async (progress, token) => {
        const bridge = signalFor(token);
        try {
          for (const c of files) {
            if (bridge.signal.aborted) break;
            progress.report({ message: c.path, increment: 100 / files.length });
            const document = await vscode.workspace.openTextDocument(vscode.Uri.file(c.absPath));
            const stagedText = staged ? await c.readContent().catch(() => undefined) : undefined;
            if (stagedText !== undefined && stagedText !== document.getText()) {
              const r = await this.critiqueStagedText(document, stagedText, c.lines, bridge.signal);
              this.log.info(`${c.path}: the staged version differs from the working file; critiqued the staged version (${r.mapped} findings shown on the working file, ${r.unmapped} on the staged view)`);
              differing.push({ path: c.path, uri: r.uri, mapped: r.mapped, unmapped: r.unmapped });
              done++;
              errors += r.errors;
              stagedOnlyErrors += r.stagedOnlyErrors;
              if (r.mapped + r.unmapped) {
                findings += r.mapped + r.unmapped;
                withFindings++;
              }
              continue;
            }
            const result = await this.critic.critique(document, { reason: 'changes', lines: c.lines });
            done++;
            if (result?.findings.length) {
              findings += result.findings.length;
              errors += result.findings.filter((f) => f.level === 'error').length;
              withFindings++;
            }
          }
        } finally {
          bridge.dispose();
        }
      },
    );
    const summary = findings
      ? `Critic: ${findings} finding${findings === 1 ? '' : 's'} on the ${what} of ${withFindings} of ${done} file${done === 1 ? '' : 's'}.`
      : `Critic: no findings on the ${what} of ${done} file${done === 1 ? '' : 's'}.`;
    if (!options.quiet || findings) {
      void vscode.window.showInformationMessage(summary, ...(findings ? ['Show Problems'] : [])).then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.actions.view.problems');
      });
    }
    if (differing.length) {
      const names = differing.map((d) => d.path).join(', ');
      const mapped = differing.reduce((n, d) => n + d.mapped, 0);
      const unmapped = differing.reduce((n, d) => n + d.unmapped, 0);
      const where =
        mapped + unmapped === 0
          ? 'it found nothing there'
          : `${mapped} finding${mapped === 1 ? ' is' : 's are'} shown on the working file (the same lines there) and ${unmapped} on a read-only view of the staged version`;
      const first = differing.find((d) => d.unmapped) ?? differing[0]!;
      void vscode.window
        .showWarningMessage(
          `Critic: the staged and working versions of ${names} differ; Critic critiqued what is staged (what the commit contains): ${where}.`,
          'Open Staged Version',
        )
        .then((choice) => {
          if (choice) void vscode.window.showTextDocument(first.uri, { preview: true });
        });
    }
    return { findings, errors, stagedOnlyErrors, files: done };
  }

  async installHook(arg: unknown): Promise<void> {
    const found = await this.repository(arg);
    if (!found) return;
    const root = found.repo.rootUri.fsPath;
    let hooksDir: string;
    try {
      const r = await gitExec(found.api.git.path).run({ command: 'git', args: ['rev-parse', '--git-path', 'hooks'], cwd: root, timeoutMs: 10_000 });
      if (r.exitCode !== 0) throw new Error(r.stderr.trim() || `git rev-parse exited with ${r.exitCode}`);
      const path = r.stdout.trim();
      hooksDir = isAbsolute(path) ? path : join(root, path);
    } catch (err) {
      void vscode.window.showErrorMessage(`Critic: could not find the git hooks folder of ${root}: ${(err as Error).message}`);
      return;
    }
    const outcome = await installPreCommitHook(hooksDir);
    const shown = relative(root, outcome.path) || outcome.path;
    if (outcome.status === 'foreign') {
      void vscode.window
        .showWarningMessage(
          `Critic did not install its pre-commit hook: ${shown} already exists and was not written by Critic, so it was left as it is. To add Critic's check, put this line in it: npx --no-install critic diff --staged`,
          'Open Hook',
          'Copy Line',
        )
        .then((choice) => {
          if (choice === 'Open Hook') void vscode.window.showTextDocument(vscode.Uri.file(outcome.path));
          else if (choice === 'Copy Line') void vscode.env.clipboard.writeText('npx --no-install critic diff --staged\n');
        });
      return;
    }
    this.log.info(`pre-commit hook ${outcome.status} at ${outcome.path}:\n${preCommitHookText}`);
    void vscode.window.showInformationMessage(
      `Critic: ${outcome.status === 'installed' ? 'installed' : 'kept'} the pre-commit hook at ${shown}: each commit runs "npx --no-install critic diff --staged" (the project needs critic in its devDependencies; git commit --no-verify skips it).`,
    );
  }
}
