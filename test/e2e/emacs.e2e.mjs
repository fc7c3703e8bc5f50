// End to end with a third real editor: Emacs's eglot (Debian's emacs-nox 28 and elpa-eglot 1.9,
// batch mode) starts `critic lsp --stdio` as the README's Emacs section configures it, opens a
// Python file whose docstring example fails and a TypeScript file with a type error, waits for
// Critic's diagnostics in Flymake, fixes each unsaved buffer and waits for them to clear. Skips
// with one line when Emacs, eglot or bubblewrap is missing — except with CI=true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempProject } from '../support/engine.mjs';
import { calc, len, runHeadlessEditor } from './headlessEditor.mjs';

const ci = process.env.CI === 'true';
const eglotCheck = "(progn (unless (require 'eglot nil t) (package-activate-all) (require 'eglot)) (princ \"ok\"))";
const hasEmacs = spawnSync('emacs', ['--version'], { encoding: 'utf8' }).status === 0;
const hasEglot = hasEmacs && spawnSync('emacs', ['--batch', '-q', '--eval', eglotCheck], { encoding: 'utf8' }).stdout === 'ok';
const hasBwrap = existsSync('/usr/bin/bwrap');
if (ci && !hasEglot) throw new Error('Emacs with eglot is missing in CI: run sh scripts/setup-e2e-editors.sh');
if (ci && !hasBwrap) throw new Error('bubblewrap is missing in CI: run npm run setup:linux');
const skip = !hasEmacs
  ? 'emacs is not installed: run npm run setup:editors'
  : !hasEglot
    ? 'eglot is not installed for this Emacs: run npm run setup:editors'
    : !hasBwrap
      ? 'bubblewrap is not installed: run npm run setup:linux'
      : false;

test('Emacs (eglot): a failing example and a type error appear, and clear when the unsaved buffer is fixed', { skip }, async () => {
  const p = tempProject({ 'calc.py': calc, 'len.ts': len, '.git/HEAD': 'ref: refs/heads/main\n' }, 'critic-emacs-');
  try {
    const resultFile = join(p.root, 'emacs-result.json');
    // -q: no user init file (site files load, so Debian's elpa packages can be activated).
    const { code, output, seen } = await runHeadlessEditor('emacs', ['--batch', '-q', '-l', join(repoRoot, 'test', 'e2e', 'eglot.el')], p.root, resultFile);
    assert.equal(seen.error, undefined, `${seen.error}\n${JSON.stringify(seen.steps, null, 1)}\n${seen.stderr ?? ''}\n${seen.events ?? ''}\n${output}`);
    assert.equal(code, 0, output);
    const failing = seen.steps['python-fails'].diagnostics.find((d) => d.tier === 'executed');
    assert.equal(failing.source, 'critic');
    assert.equal(failing.code, 'doctest-failed');
    assert.equal(failing.line, 6, 'on the faulty line the example exercises (return a - b)');
    assert.ok(failing.related > 0, 'with the example as related information');
    assert.deepEqual(seen.steps['python-fixed'].diagnostics, []);
    assert.ok(seen.steps['ts-fails'].diagnostics.some((d) => d.code === 'ts-2339' && d.line === 1), JSON.stringify(seen.steps['ts-fails']));
    assert.deepEqual(seen.steps['ts-fixed'].diagnostics, []);
    assert.deepEqual(seen.modified, { python: true, ts: true }, 'the fixes were never saved');
    assert.equal(readFileSync(join(p.root, 'calc.py'), 'utf8'), calc);
    assert.equal(readFileSync(join(p.root, 'len.ts'), 'utf8'), len);
    assert.equal(seen.servers, 2, "one server per language, as the README's configuration starts them");
    assert.equal(seen.shutdown, true, 'both servers answered shutdown');
  } finally {
    p.cleanup();
  }
});
