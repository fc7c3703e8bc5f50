/** Where the extension writes a `critic.*` setting the user chose in a picker. */
import * as vscode from 'vscode';
import { isUserOnlySetting } from '../engine/configDefinition.js';

/** Where to write a setting the user chose in a picker: where it is set now, else the user settings. */
export function targetOf(key: string, scope?: vscode.ConfigurationScope): vscode.ConfigurationTarget {
  // A machine-scoped setting (the model and its endpoint) lives in the user's settings only; VS
  // Code ignores, and refuses to write, a workspace value for it.
  if (isUserOnlySetting(key)) return vscode.ConfigurationTarget.Global;
  const i = vscode.workspace.getConfiguration('critic', scope).inspect(key);
  // In a single-folder window the folder's settings are the workspace's (inspect reports them as
  // both), and settings that are not resource-scoped cannot be written to a folder: "does not
  // support the folder resource scope". Folder settings exist in multi-root only.
  if (i?.workspaceFolderValue !== undefined && vscode.workspace.workspaceFile) return vscode.ConfigurationTarget.WorkspaceFolder;
  if (i?.workspaceValue !== undefined || i?.workspaceFolderValue !== undefined) return vscode.ConfigurationTarget.Workspace;
  return vscode.ConfigurationTarget.Global;
}
