// `critic diff` on a cloned repository whose git configuration names programs: an fsmonitor hook
// and a textconv driver would run on the host during a plain `git diff`. Critic switches them off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempProject } from './support/engine.mjs';
import { critic } from './support/cli.mjs';

test('critic diff runs none of the programs a hostile .git/config or .gitattributes names', (t) => {
  const p = tempProject({ 'calc.py': 'def add(a, b):\n    return a + b\n' });
  t.after(p.cleanup);
  const marker = (name) => join(p.root, '..', `${p.root.split('/').pop()}-${name}`);
  const git = (...args) => execFileSync('git', args, { cwd: p.root, stdio: 'pipe' });
  git('init', '-q');
  git('-c', 'user.email=t@critic.invalid', '-c', 'user.name=t', 'add', '-A');
  git('-c', 'user.email=t@critic.invalid', '-c', 'user.name=t', 'commit', '-qm', 'base');
  git('config', 'core.fsmonitor', `touch ${marker('fsmonitor')}; false`);
  git('config', 'diff.evil.textconv', `sh -c 'touch ${marker('textconv')}; cat "$0"'`);
  git('config', 'diff.external', `sh -c 'touch ${marker('external')}'`);
  writeFileSync(join(p.root, '.gitattributes'), '*.py diff=evil\n');
  writeFileSync(join(p.root, 'calc.py'), 'def add(a, b):\n    return a - b\n');
  git('add', 'calc.py');
  // The test's own `git add` just ran the fsmonitor hook: start clean.
  for (const name of ['fsmonitor', 'textconv', 'external']) rmSync(marker(name), { force: true });
  for (const args of [['diff'], ['diff', '--staged']]) {
    const r = critic([...args, '--no-exec'], { cwd: p.root });
    assert.ok(r.code === 0 || r.code === 1, `${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
    assert.match(r.stdout, /1 file|no findings/, `${args.join(' ')} critiqued the changed file:\n${r.stdout}${r.stderr}`);
  }
  for (const name of ['fsmonitor', 'textconv', 'external']) assert.equal(existsSync(marker(name)), false, `the repository's ${name} program ran on the host`);
  // The same configuration does run them in plain git: the test would notice if it stopped being hostile.
  git('diff', 'HEAD', '--', 'calc.py');
  assert.equal(existsSync(marker('textconv')) || existsSync(marker('external')) || existsSync(marker('fsmonitor')), true);
});
