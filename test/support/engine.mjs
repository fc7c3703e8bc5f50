// Shared set-up for engine tests: real ports, the wasm assets built into dist/.
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const out = (p) => join(repoRoot, 'out', p);

const { nodeFs, nodeExec, assetsIn } = await import(out('engine/nodePorts.js'));
const { defaultConfig } = await import(out('engine/config.js'));
const { silentLogger } = await import(out('engine/types.js'));

/** An EngineContext with real ports; `config` overrides are shallow-merged per section. */
export function makeContext(overrides = {}) {
  const config = defaultConfig();
  for (const [k, v] of Object.entries(overrides.config ?? {})) config[k] = typeof v === 'object' && !Array.isArray(v) ? { ...config[k], ...v } : v;
  return { log: overrides.log ?? silentLogger, fs: nodeFs, exec: nodeExec, assets: assetsIn(join(repoRoot, 'dist')), config };
}

/** A temporary project folder with the given files; returns its path and a cleanup function. */
export function tempProject(files, prefix = 'critic-test-') {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
