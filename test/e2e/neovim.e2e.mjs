// End to end with a real second editor: Neovim's built-in LSP client (Debian's neovim, headless)
// starts `critic lsp --stdio`, opens a Python file whose docstring example fails and a TypeScript
// file with a type error, waits for Critic's diagnostics, fixes each unsaved buffer and waits for
// them to clear. Skips with one line when nvim or bubblewrap is missing — except with CI=true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempProject } from '../support/engine.mjs';
import { calc, len, runHeadlessEditor } from './headlessEditor.mjs';

const ci = process.env.CI === 'true';
const hasNvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' }).status === 0;
const hasBwrap = existsSync('/usr/bin/bwrap');
if (ci && !hasNvim) throw new Error('nvim is missing in CI: run sh scripts/setup-e2e-editors.sh');
if (ci && !hasBwrap) throw new Error('bubblewrap is missing in CI: run npm run setup:linux');
const skip = !hasNvim ? 'nvim is not installed: run npm run setup:editors' : !hasBwrap ? 'bubblewrap is not installed: run npm run setup:linux' : false;

test('Neovim: a failing example and a type error appear, and clear when the unsaved buffer is fixed', { skip }, async () => {
  const p = tempProject({ 'calc.py': calc, 'len.ts': len, '.git/HEAD': 'ref: refs/heads/main\n' }, 'critic-nvim-');
  try {
    const resultFile = join(p.root, 'nvim-result.json');
    const { code, output, seen } = await runHeadlessEditor('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${join(repoRoot, 'test', 'e2e', 'neovim.lua')}`], p.root, resultFile);
    assert.equal(seen.error, undefined, `${seen.error}\n${JSON.stringify(seen.steps, null, 1)}\n${output}`);
    assert.equal(code, 0, output);
    const failing = seen.steps['python-fails'].diagnostics.find((d) => d.tier === 'executed');
    assert.equal(failing.source, 'critic');
    assert.equal(failing.line, 6, 'on the faulty line the example exercises (return a - b)');
    assert.ok(failing.related > 0, 'with the example as related information');
    assert.deepEqual(seen.steps['python-fixed'].diagnostics, []);
    assert.ok(seen.steps['ts-fails'].diagnostics.some((d) => d.code === 'ts-2339' && d.line === 1));
    assert.deepEqual(seen.steps['ts-fixed'].diagnostics, []);
    assert.deepEqual(seen.modified, { python: true, ts: true }, 'the fixes were never saved');
    assert.equal(readFileSync(join(p.root, 'calc.py'), 'utf8'), calc);
    assert.equal(seen.server_exit, 0, 'the server exited cleanly when Neovim stopped it');
  } finally {
    p.cleanup();
  }
});
