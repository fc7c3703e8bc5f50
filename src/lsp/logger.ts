/**
 * The engine's Logger over the LSP connection (`window/logMessage`): secrets (API keys, tokens
 * the redactor knows, and the key the client passed) are redacted before anything leaves, stack
 * traces kept. Nothing is ever written to stdout but LSP frames.
 */
import type { RemoteConsole } from 'vscode-languageserver';
import { redactSecrets } from '../engine/model/redact.js';
import type { Logger } from '../engine/types.js';

export function connectionLogger(console: RemoteConsole, opts: { verbose: boolean; secrets: () => readonly string[] }): Logger {
  const clean = (text: string) => {
    let out = redactSecrets(text).text;
    for (const s of opts.secrets()) if (s.length >= 8) out = out.split(s).join('[redacted]');
    return out;
  };
  const withError = (message: string, err?: unknown) => (err === undefined ? message : `${message}\n${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return {
    error: (m, e) => console.error(clean(withError(m, e))),
    warn: (m) => console.warn(clean(m)),
    info: (m) => console.info(clean(m)),
    debug: (m) => {
      if (opts.verbose) console.log(clean(m));
    },
  };
}
