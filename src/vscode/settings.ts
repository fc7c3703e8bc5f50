/** Reads the `critic.*` settings a user actually set, for one resource (file or folder). */
import * as vscode from 'vscode';
import { settingKeys, type SettingValues } from './configFromSettings.js';

/**
 * Only explicitly set values (folder over workspace over user): a setting left at its default
 * must not override the project's `.critic.json`.
 */
export function readSettingValues(scope: vscode.ConfigurationScope | undefined): SettingValues {
  const config = vscode.workspace.getConfiguration('critic', scope);
  const values: Record<string, unknown> = {};
  for (const key of settingKeys) {
    const i = config.inspect(key);
    const value = i?.workspaceFolderValue ?? i?.workspaceValue ?? i?.globalValue;
    if (value !== undefined) values[key] = value;
  }
  return values;
}

/** Where to write a setting the user chose in a picker: where it is set now, else the user settings. */
export function targetOf(key: string, scope?: vscode.ConfigurationScope): vscode.ConfigurationTarget {
  const i = vscode.workspace.getConfiguration('critic', scope).inspect(key);
  // In a single-folder window the folder's settings are the workspace's (inspect reports them as
  // both), and settings that are not resource-scoped (critic.model.*) cannot be written to a
  // folder: "does not support the folder resource scope". Folder settings exist in multi-root only.
  if (i?.workspaceFolderValue !== undefined && vscode.workspace.workspaceFile) return vscode.ConfigurationTarget.WorkspaceFolder;
  if (i?.workspaceValue !== undefined || i?.workspaceFolderValue !== undefined) return vscode.ConfigurationTarget.Workspace;
  return vscode.ConfigurationTarget.Global;
}
