/**
 * `critic lsp --stdio | --node-ipc [--trust-project] [--verbose]` (also what dist/server.js runs).
 * stdout carries LSP frames only: nothing else writes to it.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server.js';

export const lspHelp = `critic lsp — the Critic language server

Usage:
  critic lsp --stdio [--trust-project] [--verbose]
  critic lsp --node-ipc [--trust-project] [--verbose]

  --trust-project   run the project's code (examples, tests, probes, its ESLint config) in the
                    sandbox and allow a critic model; also CRITIC_TRUST_PROJECT=1 or the client's
                    initializationOptions { "trusted": true }. Default: static tools only.
`;

export interface LspArgs {
  transport: 'stdio' | 'node-ipc';
  trusted: boolean;
  verbose: boolean;
}

/** Parses the arguments after `lsp`; a string is the usage error. */
export function parseLspArgs(argv: readonly string[], env: NodeJS.ProcessEnv): LspArgs | string {
  let transport: LspArgs['transport'] | undefined;
  let trusted = env.CRITIC_TRUST_PROJECT === '1' || env.CRITIC_TRUST_PROJECT === 'true';
  let verbose = false;
  for (const a of argv) {
    if (a === '--stdio') transport = 'stdio';
    else if (a === '--node-ipc') transport = 'node-ipc';
    else if (a === '--trust-project') trusted = true;
    else if (a === '--verbose') verbose = true;
    // Clients append their own process id (vscode-languageclient); it is not ours to interpret.
    else if (a.startsWith('--clientProcessId')) continue;
    else return `unknown option "${a}" for critic lsp (expected --stdio or --node-ipc, --trust-project, --verbose)`;
  }
  if (!transport) return 'critic lsp needs a transport: --stdio or --node-ipc';
  return { transport, trusted, verbose };
}

/** Starts the server; resolves when the client closes the connection. */
export function runLanguageServer(args: LspArgs, assetsDir: string, env: NodeJS.ProcessEnv, warmPath?: { build: string }): Promise<void> {
  // The library reads the transport from process.argv (`--stdio`, `--node-ipc`, checked above)
  // and, for stdio, routes console.* to the client so nothing else reaches stdout.
  const connection = createConnection(ProposedFeatures.all);
  startServer(connection, { assetsDir, trusted: args.trusted, env, verbose: args.verbose, ...(warmPath ? { warmPath } : {}) });
  return new Promise((resolve) => {
    connection.onExit(() => resolve());
    connection.listen();
  });
}
