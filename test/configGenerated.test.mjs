// The JSON schemas in media/ and package.json's settings are generated from the configuration
// definition (src/engine/configDefinition.ts) by `npm run gen:config`; the committed files must
// be exactly what it writes, so the four faces of the configuration cannot drift apart again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { repoRoot } from './support/engine.mjs';

const { generatedFiles } = await import('../scripts/genConfig.mjs');

test('media/critic.schema.json, media/critic-user.schema.json and package.json are what the definition generates', async () => {
  for (const f of await generatedFiles()) {
    assert.equal(readFileSync(f.path, 'utf8'), f.text, `${relative(repoRoot, f.path)} is stale: run npm run gen:config`);
  }
});

test('the generated project schema documents exactly the keys the validator accepts, with its defaults', async () => {
  const { parseConfig, defaultConfig } = await import('../out/engine/config.js');
  const schema = JSON.parse(readFileSync(new URL('../media/critic.schema.json', import.meta.url), 'utf8'));
  const d = defaultConfig();
  for (const [section, s] of Object.entries(schema.properties)) {
    if (s.type !== 'object' || !s.properties) continue;
    for (const [key, field] of Object.entries(s.properties)) {
      const warnings = [];
      // Each documented key is accepted with its documented default.
      if (field.default !== undefined) assert.deepEqual(parseConfig({ [section]: { [key]: field.default } }, 'x.json', d, (w) => warnings.push(w))[section][key], field.default, `${section}.${key}`);
      assert.deepEqual(warnings, [], `${section}.${key}`);
    }
  }
});
