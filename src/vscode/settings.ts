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
  if (i?.workspaceFolderValue !== undefined) return vscode.ConfigurationTarget.WorkspaceFolder;
  if (i?.workspaceValue !== undefined) return vscode.ConfigurationTarget.Workspace;
  return vscode.ConfigurationTarget.Global;
}
