// @vscode/test-cli: runs test/vscode/suite in a real VS Code desktop (`npx vscode-test`), on
// machines that can download VS Code. Here (no download) the same scenarios run in code-server:
// test/e2e/extension.e2e.mjs. Build first: `node esbuild.mjs`.
import { defineConfig } from '@vscode/test-cli';

export default defineConfig({
  label: 'extension-host',
  files: 'test/vscode/suite/**/*.vscode.test.cjs',
  version: '1.100.3',
  workspaceFolder: './test/vscode/workspace',
  // Other installed extensions stay out; built-in ones (git, the languages) are still there.
  launchArgs: ['--disable-extensions', '--disable-workspace-trust'],
  mocha: { ui: 'bdd', timeout: 60_000 },
});
