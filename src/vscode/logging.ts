/** The engine's Logger over VS Code's LogOutputChannel: levels, stack traces kept, secrets redacted. */
import type * as vscode from 'vscode';
import { redactOutgoing } from '../engine/model/secretVault.js';
import type { Logger } from '../engine/types.js';

function clean(text: string): string {
  return redactOutgoing(text).text;
}

function detail(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}

export function channelLogger(channel: vscode.LogOutputChannel): Logger {
  return {
    error: (message, err) => channel.error(clean(err === undefined ? message : `${message}\n${detail(err)}`)),
    warn: (message) => channel.warn(clean(message)),
    info: (message) => channel.info(clean(message)),
    debug: (message) => channel.debug(clean(message)),
  };
}
