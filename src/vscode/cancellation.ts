/** The one place where VS Code's CancellationToken becomes the engine's AbortSignal. */
import type * as vscode from 'vscode';

export interface SignalBridge extends vscode.Disposable {
  signal: AbortSignal;
}

/** An AbortSignal that aborts when `token` is cancelled; dispose it when the work is done. */
export function signalFor(token: vscode.CancellationToken | undefined): SignalBridge {
  const controller = new AbortController();
  if (token?.isCancellationRequested) controller.abort();
  const listener = token?.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => listener?.dispose() };
}
