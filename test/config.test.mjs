import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { out, repoRoot } from './support/engine.mjs';

const { parseConfig, defaultConfig, ConfigError } = await import(out('engine/config.js'));

test('defaults are complete and valid', () => {
  const d = defaultConfig();
  assert.equal(d.failOn, 'error');
  assert.equal(d.tools.eslint, 'auto');
  assert.equal(d.model.maxFindingsPerUnit, 4);
  assert.deepEqual(parseConfig({}, 'x.json'), d);
});

test('values merge over defaults, rule ids accept the critic/ prefix', () => {
  const c = parseConfig({ tools: { ruff: false }, rules: { 'critic/ts-2339': 'warning' }, execution: { memoryMb: 256 } }, 'x.json');
  assert.equal(c.tools.ruff, false);
  assert.equal(c.tools.typescript, true);
  assert.equal(c.rules['ts-2339'], 'warning');
  assert.equal(c.execution.memoryMb, 256);
  assert.equal(c.execution.testTimeoutMs, 30_000);
  assert.equal(c.execution.lineCoverage, true);
  assert.equal(parseConfig({ execution: { lineCoverage: false } }, 'x.json').execution.lineCoverage, false);
});

test('errors name the file, the key and what is allowed', () => {
  const cases = [
    [[], '(root)'],
    [{ tools: [] }, 'tools'],
    [{ execution: { memoryMb: 1 } }, 'execution.memoryMb'],
    [{ model: { minConfidence: 2 } }, 'model.minConfidence'],
    [{ model: { baseUrl: 'ftp://x' } }, 'model.baseUrl'],
    [{ ignore: [''] }, 'ignore'],
    [{ tools: { eslint: 'sometimes' } }, 'tools.eslint'],
    [{ execution: { lineCoverage: 'yes' } }, 'execution.lineCoverage'],
  ];
  for (const [raw, key] of cases) {
    assert.throws(
      () => parseConfig(raw, 'p/.critic.json'),
      (e) => e instanceof ConfigError && e.file === 'p/.critic.json' && (key === '(root)' || e.key === key) && e.message.startsWith('p/.critic.json: invalid'),
      JSON.stringify(raw),
    );
  }
});

test('the JSON schema documents exactly the keys the validator accepts', () => {
  const schema = JSON.parse(readFileSync(join(repoRoot, 'media', 'critic.schema.json'), 'utf8'));
  const d = defaultConfig();
  assert.deepEqual(Object.keys(schema.properties).filter((k) => k !== '$schema').sort(), Object.keys(d).sort());
  for (const section of ['tools', 'execution']) {
    assert.deepEqual(Object.keys(schema.properties[section].properties).sort(), Object.keys(d[section]).sort(), section);
  }
  assert.deepEqual(Object.keys(schema.properties.model.properties).sort(), [...Object.keys(d.model), 'baseUrl'].sort());
  for (const [k, v] of Object.entries(schema.properties.execution.properties)) assert.deepEqual(v.default, d.execution[k], k);
});
