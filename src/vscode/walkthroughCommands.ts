/**
 * The commands behind the Getting Started walkthrough: critique a bundled sample, set up the
 * sandbox, turn on VS Code's commit check for Critic's errors. The sample is copied into the
 * extension's global storage, never into the user's project.
 */
import { readFile } from 'node:fs/promises';
import * as vscode from 'vscode';
import type { Finding } from '../engine/findings.js';
import { checkoutSetupCommand, findOnPath, sandboxInstallCommand } from './sandboxSetup.js';

const rank = { error: 3, warning: 2, note: 1 } as const;

export const walkthroughId = 'critic-dev.critic#critic.gettingStarted';
const sampleName = 'stats.py';

export class WalkthroughCommands {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly critiqueFile: (uri: vscode.Uri) => Promise<{ findings: readonly Pick<Finding, 'range' | 'level'>[] } | undefined>,
  ) {}

  open(): Thenable<unknown> {
    return vscode.commands.executeCommand('workbench.action.openWalkthrough', walkthroughId, false);
  }

  /** Opens the sample (a function whose example fails) beside the walkthrough and critiques it. */
  async openSample(): Promise<void> {
    const source = vscode.Uri.joinPath(this.context.extensionUri, 'media', 'sample', sampleName);
    const folder = vscode.Uri.joinPath(this.context.globalStorageUri, 'sample');
    const target = vscode.Uri.joinPath(folder, sampleName);
    await vscode.workspace.fs.createDirectory(folder);
    // A fresh copy each time: the sample should show the bug even after the user fixed it once.
    await vscode.workspace.fs.writeFile(target, await vscode.workspace.fs.readFile(source));
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
    if (open?.isDirty) await vscode.commands.executeCommand('workbench.action.files.revert', target);
    const editor = await vscode.window.showTextDocument(target, { viewColumn: vscode.ViewColumn.Beside, preview: false });
    const result = await this.critiqueFile(target);
    // The finding is below the first screen of the sample: reveal it, so its squiggle and hint show.
    const worst = [...(result?.findings ?? [])].sort((a, b) => rank[b.level] - rank[a.level])[0];
    if (!worst || editor.document.uri.toString() !== target.toString()) return;
    const start = new vscode.Position(worst.range.start.line, worst.range.start.character);
    editor.selection = new vscode.Selection(start, start);
    editor.revealRange(new vscode.Range(start, new vscode.Position(worst.range.end.line, worst.range.end.character)), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** Says whether bubblewrap is ready, else the exact command that installs it here. */
  async setUpSandbox(): Promise<void> {
    if (process.platform !== 'linux') {
      void vscode.window.showInformationMessage(
        `Critic's sandbox (bubblewrap) needs Linux; on ${process.platform === 'darwin' ? 'macOS' : process.platform === 'win32' ? 'Windows' : process.platform} Critic runs only the static checks and the model. To run examples and tests, open the folder in WSL, a dev container or over Remote SSH on Linux — or allow unsandboxed runs for code you trust.`,
        'Open Setting',
      ).then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'critic.execution.allowUnsandboxed');
      });
      return;
    }
    const bwrap = findOnPath('bwrap');
    if (bwrap) {
      void vscode.window.showInformationMessage(`Critic: bubblewrap is installed (${bwrap}); examples, tests and probes run in its sandbox, without network or access to your home folder.`);
      return;
    }
    const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => readFile('/usr/lib/os-release', 'utf8').catch(() => ''));
    const install = sandboxInstallCommand(osRelease);
    const command = install?.command ?? 'sudo apt-get install bubblewrap';
    const where = install ? `on ${install.distro}` : 'with your distribution\'s package manager (Debian/Ubuntu shown)';
    const choice = await vscode.window.showWarningMessage(
      `Critic: bubblewrap is not installed, so examples and tests are not run. Install it ${where}: ${command} (in a checkout of Critic: ${checkoutSetupCommand}).`,
      'Run in Terminal',
      'Copy Command',
    );
    if (choice === 'Copy Command') await vscode.env.clipboard.writeText(command);
    else if (choice === 'Run in Terminal') {
      const terminal = vscode.window.createTerminal({ name: 'Critic: install bubblewrap' });
      terminal.show();
      // Typed, not run: sudo asks for a password, and the user should see what runs.
      terminal.sendText(command, false);
    }
  }

  /** VS Code's own commit check: Source Control asks before committing files with Critic errors (user settings, not the project's). */
  async enableCommitCheck(): Promise<void> {
    const git = vscode.workspace.getConfiguration('git');
    const sources = { ...(git.inspect<Record<string, string>>('diagnosticsCommitHook.sources')?.globalValue ?? {}), critic: 'error' };
    await git.update('diagnosticsCommitHook.enabled', true, vscode.ConfigurationTarget.Global);
    await git.update('diagnosticsCommitHook.sources', sources, vscode.ConfigurationTarget.Global);
    void vscode.window.showInformationMessage('Critic: committing from Source Control now asks first when a file being committed has a Critic error ("git.diagnosticsCommitHook" in your user settings). Run "Critique Staged Changes" before committing so the findings are fresh.');
  }
}
