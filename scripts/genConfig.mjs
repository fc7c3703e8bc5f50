#!/usr/bin/env node
// Writes the files generated from the configuration definition (src/engine/configDefinition.ts):
// media/critic.schema.json, media/critic-user.schema.json, and package.json's
// contributes.configuration and restrictedConfigurations. `--check` writes nothing and exits 1
// when a committed file differs (test/configGenerated.test.mjs runs the same comparison).
// Run after `node esbuild.mjs` (it reads the transpiled out/).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');

/** Every generated file with its expected text. */
export async function generatedFiles() {
  const gen = await import(pathToFileURL(join(root, 'out', 'engine', 'configSchemaJson.js')).href);
  const json = (v) => `${JSON.stringify(v, null, 2)}\n`;
  const pkgPath = join(root, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8'));
  pkg.contributes.configuration = gen.contributedConfiguration();
  pkg.capabilities.untrustedWorkspaces.restrictedConfigurations = gen.restrictedConfigurations();
  return [
    { path: join(root, 'media', 'critic.schema.json'), text: json(gen.projectSchema()) },
    { path: join(root, 'media', 'critic-user.schema.json'), text: json(gen.userSchema()) },
    { path: pkgPath, text: json(pkg) },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const f of await generatedFiles()) {
    let now = '';
    try {
      now = readFileSync(f.path, 'utf8');
    } catch {}
    if (now === f.text) continue;
    stale++;
    if (check) console.error(`${f.path} is not what the configuration definition generates; run npm run gen:config`);
    else {
      writeFileSync(f.path, f.text);
      console.log(`wrote ${f.path}`);
    }
  }
  process.exitCode = check && stale ? 1 : 0;
}
