// Builds the CLI (dist/cli.js), later the extension (dist/extension.js), the per-file
// transpile of src/ that the node tests import (out/), and copies the wasm assets into dist/.
// Flags: --production (minify, no sourcemaps), --watch.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const assets = [
  'node_modules/web-tree-sitter/tree-sitter.wasm',
  'node_modules/tree-sitter-python/tree-sitter-python.wasm',
  'node_modules/tree-sitter-javascript/tree-sitter-javascript.wasm',
  'node_modules/tree-sitter-typescript/tree-sitter-typescript.wasm',
  'node_modules/tree-sitter-typescript/tree-sitter-tsx.wasm',
];

function copyAssets() {
  mkdirSync('dist', { recursive: true });
  for (const file of assets) cpSync(file, join('dist', file.split('/').pop()));
  if (existsSync('src/vscode/extension.ts')) copyExtensionAssets();
}

/**
 * The extension bundles TypeScript and ruff (a .vsix has no node_modules), so the files they read
 * next to themselves must be in dist/: the bundled TypeScript looks for its lib.*.d.ts files in
 * the folder of the executing file (ts.sys.getExecutingFilePath() → dist/server.js), and
 * ruff_wasm.js reads `${__dirname}/ruff_wasm_bg.wasm`.
 */
function copyExtensionAssets() {
  // A production build has no source maps; drop those an earlier development build left, so they
  // do not end up in the .vsix.
  if (production) for (const map of ['dist/extension.js.map', 'dist/engineHost.js.map', 'dist/server.js.map']) rmSync(map, { force: true });
  cpSync('node_modules/@astral-sh/ruff-wasm-nodejs/ruff_wasm_bg.wasm', 'dist/ruff_wasm_bg.wasm');
  const tsLib = 'node_modules/typescript/lib';
  for (const name of readdirSync(tsLib)) if (/^lib\..*\.d\.ts$/.test(name) || name === 'lib.d.ts') cpSync(join(tsLib, name), join('dist', name));
  // esbuild bundles JS/TS examples and tests before they run in the sandbox. Its API cannot be
  // bundled and it drives a native binary, so dist/server.js requires it from
  // dist/node_modules: its JS and the binary of the platform that packages the .vsix (Linux x64 in
  // CI; the sandbox needs Linux anyway — elsewhere the JS/TS example tool says it is unavailable).
  const ship = ['esbuild/package.json', 'esbuild/lib/main.js'];
  for (const platform of readdirSync('node_modules/@esbuild')) ship.push(`@esbuild/${platform}/package.json`, `@esbuild/${platform}/bin/esbuild`);
  for (const file of ship) if (existsSync(join('node_modules', file))) cpSync(join('node_modules', file), join('dist/node_modules', file));
}

function sourceFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sourceFiles(p));
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Packages loaded from node_modules at run time instead of being bundled (large, or load files next to themselves). */
const cliExternal = ['typescript', '@astral-sh/ruff-wasm-nodejs', 'eslint', 'esbuild'];

// Bundled ESM dependencies (web-tree-sitter) read import.meta.url, which CJS output lacks.
const importMetaShim = "var __importMetaUrl = require('url').pathToFileURL(__filename).href;";

const common = {
  bundle: true,
  define: { 'import.meta.url': '__importMetaUrl' },
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const contexts = [
  await esbuild.context({
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    external: cliExternal,
    // A short-lived CLI should not wait for V8 to re-optimise the 10 MB ruff wasm in the
    // background: Liftoff-only cut a Python check from seconds to ~0.5 s and RSS from 500 to 120 MB.
    banner: { js: `#!/usr/bin/env node\nrequire('v8').setFlagsFromString('--liftoff-only');\n${importMetaShim}` },
    metafile: true,
  }),
  await esbuild.context({
    entryPoints: sourceFiles('src').filter((f) => !f.startsWith(join('src', 'vscode'))),
    outdir: 'out',
    outbase: 'src',
    bundle: false,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    logLevel: 'warning',
  }),
];

if (existsSync('src/vscode/extension.ts')) {
  // Two bundles: dist/extension.js (the thin client: VS Code wiring and vscode-languageclient) and
  // dist/server.js (the language server with the engine, TypeScript, ruff, tree-sitter and the model
  // client), which the client starts in its own process. Both are self-contained: a .vsix has no
  // node_modules. Only ESLint (the project's own is loaded) and esbuild (shipped in
  // dist/node_modules) stay external to the server.
  contexts.push(
    await esbuild.context({
      ...common,
      entryPoints: ['src/vscode/extension.ts'],
      outfile: 'dist/extension.js',
      // vscode-languageclient is bundled; the engine is not (test/vscode/clientBundle.test.mjs checks).
      external: ['vscode'],
      banner: { js: importMetaShim },
      metafile: true,
    }),
    await esbuild.context({
      ...common,
      // The language server, self-contained like the engine host (a .vsix has no node_modules);
      // `critic lsp` runs the same server from dist/cli.js.
      entryPoints: ['src/lsp/serverEntry.ts'],
      outfile: 'dist/server.js',
      external: ['eslint', 'esbuild'],
      // Liftoff-only, as for the CLI: ruff's wasm is faster warm and cold, and far smaller, without tier-up here.
      banner: { js: `require('v8').setFlagsFromString('--liftoff-only');\n${importMetaShim}` },
      metafile: true,
    }),
  );
}

copyAssets();
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  const results = await Promise.all(contexts.map((c) => c.rebuild()));
  for (const r of results) {
    const bundle = r.metafile && Object.keys(r.metafile.outputs).find((o) => o.endsWith('.js'));
    if (bundle) writeFileSync(`dist/meta-${bundle.split('/').pop()}.json`, JSON.stringify(r.metafile));
  }
  await Promise.all(contexts.map((c) => c.dispose()));
}
