/**
 * Which folder may import which (checked by `npm test`; GUIDE.md §3 in rules):
 *   src/engine  — node APIs and its own modules only: never cli, lsp or vscode
 *   src/daemon  — the engine (the warm path's socket service: `critic daemon`, also in the language server)
 *   src/lsp     — the engine and the daemon's service (the language server is a host of the engine)
 *   src/cli     — the engine, the language server (`critic lsp` starts it) and the daemon
 *   src/vscode  — the extension: its own modules, pure engine modules, never cli or lsp (except
 *                 src/lsp/protocol.ts, the wire contract: plain names and types, no imports)
 * and no import cycles anywhere. Inside the engine, the project's files are read through
 * FileSystemPort; node:fs only in the modules the port rule lists, each for the reason it gives.
 */
module.exports = {
  forbidden: [
    {
      name: 'engine-is-host-free',
      comment: 'The engine is pure: hosts (cli, lsp, vscode) depend on it, never the other way round.',
      severity: 'error',
      from: { path: '^src/engine/' },
      to: { path: '^src/(cli|lsp|vscode)/' },
    },
    {
      name: 'engine-has-no-vscode',
      comment: "Only the extension may import 'vscode'.",
      severity: 'error',
      from: { path: '^src/(engine|cli|lsp|daemon)/' },
      to: { path: '^vscode$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'lsp-uses-only-engine',
      severity: 'error',
      from: { path: '^src/lsp/' },
      to: { path: '^src/(cli|vscode)/' },
    },
    {
      name: 'daemon-uses-only-engine',
      severity: 'error',
      from: { path: '^src/daemon/' },
      to: { path: '^src/(cli|lsp|vscode)/' },
    },
    {
      name: 'cli-not-vscode',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/vscode/' },
    },
    {
      name: 'vscode-not-cli-or-lsp',
      comment: 'The extension is a client: it talks to the language server over LSP (its protocol.ts is the contract) and shares no CLI code.',
      severity: 'error',
      from: { path: '^src/vscode/' },
      to: { path: '^src/(cli|lsp|daemon)/', pathNot: '^src/lsp/protocol\\.ts$' },
    },
    {
      name: 'engine-reads-the-project-through-the-port',
      comment:
        "Evidence and prompts read the project's files through FileSystemPort (types.ts), which the façade wraps so the secret vault learns every text read. node:fs is for: the port's adapter (nodePorts), configuration loading before an engine exists (project, userConfig, findUp), the sandbox (scratch, mounts, cgroups), Critic's own cache (execCache, readSet's fingerprints), tools whose libraries need synchronous access (typescript*, ruff, eslint, dependencies) and the raw bytes of the document itself (pythonSource's encoding check).",
      severity: 'error',
      from: {
        path: '^src/engine/',
        pathNot: '^src/engine/((nodePorts|project|userConfig|findUp)|sandbox/.+|evidence/(execCache|readSet|typescript|typescriptProject|ruff|eslint|dependencies|pythonSource|exec/interpreterIdentity))\\.ts$',
      },
      to: { dependencyTypes: ['core'], path: '^(node:)?fs(/promises)?$' },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|dist|out)/' },
  },
};
