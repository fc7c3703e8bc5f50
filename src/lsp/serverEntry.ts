/**
 * Entry of dist/server.js, the bundle the VS Code client starts (`node dist/server.js --node-ipc`);
 * `critic lsp` reaches the same server through the CLI.
 */
import { parseLspArgs, runLanguageServer } from './lspCommand.js';

const args = parseLspArgs(process.argv.slice(2), process.env);
if (typeof args === 'string') {
  process.stderr.write(`critic: ${args}\n`);
  process.exitCode = 2;
} else {
  void runLanguageServer(args, __dirname, process.env);
}
