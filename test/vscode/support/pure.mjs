// Loads a module of src/vscode/ that does not import 'vscode' (the extension's pure logic) in
// plain Node, by bundling it with esbuild into a temporary CommonJS file. No side effects at import.
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const require = createRequire(import.meta.url);
let dir;

/** `await loadPure('src/vscode/documentRuns.ts')` → its exports. */
export async function loadPure(entry) {
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), 'critic-pure-'));
    // The bundles are only needed while this test process runs; leave no folders behind.
    const made = dir;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  const outfile = join(dir, `${basename(entry, '.ts')}.cjs`);
  await build({ entryPoints: [join(repoRoot, entry)], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile, logLevel: 'error' });
  return require(outfile);
}
