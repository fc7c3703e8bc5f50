/**
 * Why Critic's Source Control commands cannot run, in words that name the real cause: the
 * built-in Git extension is disabled, Git is turned off in the settings, the git binary is
 * missing, or the folder is not a repository. Pure code (no 'vscode'), unit-tested.
 */

export interface GitSituation {
  /** `vscode.extensions.getExtension('vscode.git')` found it (it is missing when disabled). */
  extensionFound: boolean;
  /** The setting `git.enabled`. */
  settingEnabled: boolean;
  /** The extension's `exports.enabled` (false when git.enabled is off or git was not found). */
  apiEnabled: boolean;
  /** Repositories the git extension has open. */
  repositories: number;
}

/** The one-line reason, or undefined when a repository is open. */
export function gitUnavailableReason(s: GitSituation): string | undefined {
  if (!s.extensionFound) return 'the built-in Git extension is disabled: enable "Git" in the Extensions view (search @builtin git) to critique changes.';
  if (!s.settingEnabled) return 'Git is turned off in VS Code (git.enabled is false): turn it on to critique changes.';
  if (!s.apiEnabled) return 'Git was not found on this machine: install git (or point git.path at it) and reload the window to critique changes.';
  if (s.repositories === 0) return 'this folder is not a git repository: run "git init" (Source Control → Initialize Repository) or open a folder under git to critique its changes.';
  return undefined;
}
