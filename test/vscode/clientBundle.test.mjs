// The extension host never loads the engine: dist/extension.js (the thin client) bundles none of
// TypeScript, ruff, tree-sitter, the openai client or the pipeline — they are in dist/server.js,
// which the client starts in its own process. Reads the metafile the build (`node esbuild.mjs`) writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const inputs = (name) => Object.keys(JSON.parse(readFileSync(join(root, 'dist', `meta-${name}.json`), 'utf8')).inputs);
const heavy = [/node_modules\/typescript\//, /ruff-wasm/, /web-tree-sitter/, /node_modules\/openai\//, /src\/engine\/pipeline\.ts$/, /src\/engine\/critic\.ts$/, /src\/engine\/evidence\//, /src\/engine\/sandbox\//];

test('dist/extension.js bundles no engine: no TypeScript, ruff, tree-sitter, openai or pipeline', () => {
  const found = inputs('extension.js').filter((i) => heavy.some((h) => h.test(i)));
  assert.deepEqual(found, []);
  assert.ok(inputs('extension.js').some((i) => /vscode-languageclient/.test(i)), 'the client bundles vscode-languageclient');
});

test('dist/server.js, which the client starts, has the engine', () => {
  const server = inputs('server.js');
  for (const h of [/node_modules\/typescript\//, /web-tree-sitter/, /src\/engine\/pipeline\.ts$/]) assert.ok(server.some((i) => h.test(i)), `server bundles ${h}`);
});
