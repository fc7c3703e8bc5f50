// Python the interpreter refuses is an error with the interpreter's message, not "no findings";
// a UTF-8 byte order mark neither shifts line 1's columns nor stops the examples from running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempProject } from './support/engine.mjs';
import { critic } from './support/cli.mjs';
import { bwrapSandbox } from './support/bwrapSandbox.mjs';

const { skip } = await bwrapSandbox();

function project() {
  const p = tempProject({ '.git/HEAD': 'ref: refs/heads/main\n' });
  test.after(p.cleanup);
  // Raw bytes: Latin-1 `é` in a file that declares no encoding.
  writeFileSync(join(p.root, 'latin.py'), Buffer.concat([Buffer.from('def f():\n    """\n    >>> f()\n    1\n    """\n    s = "caf'), Buffer.from([0xe9]), Buffer.from('"\n    return len(s) - 3\n')]));
  writeFileSync(join(p.root, 'deep.py'), `x = ${'['.repeat(250)}${']'.repeat(250)}\n`);
  writeFileSync(join(p.root, 'declared.py'), Buffer.concat([Buffer.from('# -*- coding: latin-1 -*-\nS = "caf'), Buffer.from([0xe9]), Buffer.from('"\n')]));
  writeFileSync(join(p.root, 'bom.py'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('def g():\n    """\n    >>> g()\n    3\n    """\n    return 2\n')]));
  return p;
}

const env = (p) => ({ XDG_CACHE_HOME: join(p.root, '..', `${p.root.split('/').pop()}-cache`) });
const brief = (stdout) => JSON.parse(stdout).findings.map((f) => `${f.file.split('/').pop()}:${f.line}:${f.column}:${f.rule}: ${f.message}`).sort();

test('the interpreter refuses: invalid UTF-8 and too deep brackets are errors with its message; a declared encoding is fine; a BOM is no column', { skip }, () => {
  const p = project();
  const r = critic(['check', 'latin.py', 'deep.py', 'declared.py', 'bom.py', '--format', 'json'], { cwd: p.root, env: env(p) });
  const found = brief(r.stdout).filter((l) => !/ruff-F841/.test(l));
  assert.equal(found.length, 3, found.join('\n'));
  assert.match(found[0], /^bom\.py:1:5:doctest-failed: Example `g\(\)` returned 2, expected 3$/, 'line 1 columns ignore the BOM and the example ran');
  assert.match(found[1], /^deep\.py:1:1:python-refused: Python refuses this file: SyntaxError: too many nested parentheses$/);
  assert.match(found[2], /^latin\.py:6:5:python-refused: Python refuses this file: SyntaxError: .*'utf-8' codec can't decode byte 0xe9/);
});

test('without a sandbox the refusal is still an error, in Critic\'s words', () => {
  const p = project();
  const r = critic(['check', 'latin.py', 'deep.py', 'declared.py', '--format', 'json', '--no-exec'], { cwd: p.root, env: env(p) });
  const found = brief(r.stdout).filter((l) => /python-refused/.test(l));
  assert.deepEqual(found, [
    'deep.py:1:1:python-refused: Python will refuse this file: brackets are nested more than 200 deep',
    'latin.py:6:5:python-refused: Python will refuse this file: the file is not valid UTF-8 (line 6) and declares no encoding (PEP 263)',
  ]);
  assert.equal(r.code, 1);
});
