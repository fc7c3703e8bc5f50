// "Ignore this finding" (a comment above the line), the pre-commit hook, and local model servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPure } from './support/pure.mjs';

const { suppressionEdit, canSuppressInline } = await loadPure('src/engine/suppressionEdit.ts');
const { installPreCommitHook, preCommitHookText } = await loadPure('src/vscode/preCommitHook.ts');
const { probeLocalServers } = await loadPure('src/vscode/localServers.ts');
const { apiKeySecret, isLoopback } = await loadPure('src/vscode/secrets.ts');

test('the suppression comment uses the language comment syntax and the line indentation', () => {
  assert.deepEqual(suppressionEdit(['def f():', '    return x'], 1, 'python', 'ruff-F821'), { line: 1, kind: 'insert', text: '    # critic-ignore-next-line ruff-F821' });
  assert.deepEqual(suppressionEdit(['function f() {', '\t\treturn x.y;', '}'], 1, 'typescript', 'ts-2339'), { line: 1, kind: 'insert', text: '\t\t// critic-ignore-next-line ts-2339' });
  assert.deepEqual(suppressionEdit(['const a = b;'], 0, 'javascript', 'ts-2304'), { line: 0, kind: 'insert', text: '// critic-ignore-next-line ts-2304' });
});

test('an existing suppression above gains the rule (before a reason), and is not duplicated', () => {
  const lines = ['  # critic-ignore-next-line ruff-F401 -- vendored', '  x = y'];
  assert.deepEqual(suppressionEdit(lines, 1, 'python', 'ruff-F821'), { line: 0, kind: 'replace', text: '  # critic-ignore-next-line ruff-F401 ruff-F821 -- vendored' });
  assert.deepEqual(suppressionEdit(lines, 1, 'python', 'ruff-F401'), { line: 0, kind: 'replace', text: lines[0] });
});

test('no comment line inside a docstring example or a JSDoc block', () => {
  assert.equal(canSuppressInline('    >>> add(2, 2)'), false);
  assert.equal(canSuppressInline(' * @example add(2, 2) // 4'), false);
  assert.equal(canSuppressInline('    return a - b'), true);
});

test('the pre-commit hook is installed, kept when it is ours, and never overwrites a foreign hook', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'critic-hooks-'));
  try {
    const first = await installPreCommitHook(join(dir, 'hooks'));
    assert.equal(first.status, 'installed');
    assert.equal(readFileSync(first.path, 'utf8'), preCommitHookText);
    assert.match(preCommitHookText, /npx --no-install critic diff --staged/);
    assert.equal(statSync(first.path).mode & 0o111, 0o111);
    assert.equal((await installPreCommitHook(join(dir, 'hooks'))).status, 'unchanged');
    writeFileSync(first.path, '#!/bin/sh\nnpm run lint\n');
    assert.equal((await installPreCommitHook(join(dir, 'hooks'))).status, 'foreign');
    assert.equal(readFileSync(first.path, 'utf8'), '#!/bin/sh\nnpm run lint\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('local model servers: models of the servers that answer, and why the others did not', async () => {
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ object: 'list', data: [{ id: 'qwen2.5-coder:7b' }, { id: 'llama3.1:8b' }] }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const up = { name: 'Up', baseUrl: `http://127.0.0.1:${server.address().port}/v1` };
  const down = { name: 'Down', baseUrl: 'http://127.0.0.1:9/v1' };
  try {
    const out = await probeLocalServers([up, down], 1_000);
    assert.deepEqual(out.found.map((f) => `${f.server.name}:${f.model}`), ['Up:llama3.1:8b', 'Up:qwen2.5-coder:7b']);
    assert.equal(out.missing.length, 1);
    assert.equal(out.missing[0].server.name, 'Down');
  } finally {
    server.close();
  }
});

test('API keys are stored per endpoint origin; loopback servers need none', () => {
  assert.equal(apiKeySecret(undefined), 'critic.apiKey:https://api.openai.com');
  assert.equal(apiKeySecret('https://api.openai.com/v1/'), 'critic.apiKey:https://api.openai.com');
  assert.equal(apiKeySecret('http://10.0.0.5:8000/v1'), 'critic.apiKey:http://10.0.0.5:8000');
  assert.equal(isLoopback('http://127.0.0.1:11434/v1'), true);
  assert.equal(isLoopback('http://localhost:1234/v1'), true);
  assert.equal(isLoopback('https://api.openai.com/v1'), false);
});
