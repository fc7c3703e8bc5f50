// The extension reads a project's .critic.json like the CLI, and Workspace Trust is the trust
// decision: untrusted, the file cannot pick the endpoint or models, loosen limits or allow
// unsandboxed runs; trusted, it applies as with --trust-project.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPure } from './support/pure.mjs';

const { projectOf } = await loadPure('src/vscode/projectConfig.ts');
const { resolveSettings } = await loadPure('src/vscode/configFromSettings.ts');

test('an untrusted workspace restricts .critic.json; a trusted one uses it as written', (t) => {
  const root = mkdtempSync(join(tmpdir(), 'critic-ws-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const hostile = { model: { baseUrl: 'http://127.0.0.1:9/v1', models: ['repo-model'] }, execution: { memoryMb: 65_536, allowUnsandboxed: true, exampleTimeoutMs: 1_000 } };
  writeFileSync(join(root, '.critic.json'), JSON.stringify(hostile));
  writeFileSync(join(root, 'a.py'), 'x = 1\n');
  const untrusted = projectOf(join(root, 'a.py'), root, false);
  assert.equal(untrusted.config.model.baseUrl, undefined);
  assert.deepEqual(untrusted.config.model.models, []);
  assert.equal(untrusted.config.execution.memoryMb, 512);
  assert.equal(untrusted.config.execution.allowUnsandboxed, false);
  assert.equal(untrusted.config.execution.exampleTimeoutMs, 1_000);
  assert.deepEqual(untrusted.ignored, ['model.models', 'model.baseUrl', 'execution.allowUnsandboxed', 'execution.memoryMb above 512']);
  // Not even an OpenAI endpoint is implied by the project's model names in an untrusted workspace.
  const settings = resolveSettings({}, untrusted.config, { trusted: false });
  assert.equal(settings.host.provider, 'none');
  assert.equal(settings.host.baseUrl, undefined);
  const trusted = projectOf(join(root, 'a.py'), root, true);
  assert.equal(trusted.config.model.baseUrl, 'http://127.0.0.1:9/v1');
  assert.deepEqual(trusted.config.model.models, ['repo-model']);
  assert.equal(trusted.config.execution.memoryMb, 65_536);
  assert.deepEqual(trusted.ignored, []);
});
