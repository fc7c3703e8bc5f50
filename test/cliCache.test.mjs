// Critic never writes into the project: a check of a Python project (examples and tests run in the
// sandbox, results cached) leaves `git status` clean, and the cache lands in the user's cache folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { critic, gitIn } from './support/cli.mjs';
import { repoRoot } from './support/engine.mjs';

const bwrapMissing = existsSync('/usr/bin/bwrap') ? undefined : 'bubblewrap is not installed (run npm run setup:linux)';
// CI must run this test: there a missing sandbox is a failure, not a skip.
const skip = bwrapMissing && process.env.CI !== 'true' ? bwrapMissing : false;

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
}

/** A git repository holding a copy of the pyshop fixture (a failing doctest and a failing test), committed. */
function pythonRepo(t) {
  const tmp = mkdtempSync(join(tmpdir(), 'critic-cache-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const project = join(tmp, 'project');
  cpSync(join(repoRoot, 'test', 'fixtures', 'exec', 'pyshop'), project, { recursive: true });
  gitIn(project, 'init', '-q');
  gitIn(project, 'add', '.');
  gitIn(project, 'commit', '-q', '-m', 'fixture');
  const home = join(tmp, 'home');
  return { project, home };
}

test('critic check of a Python project leaves git status empty; the cache is in ~/.cache/critic', { skip }, (t) => {
  assert.ok(!bwrapMissing, bwrapMissing);
  const { project, home } = pythonRepo(t);
  // No XDG_CACHE_HOME or CRITIC_CACHE_DIR: the default location under $HOME is what is tested.
  const r = critic(['check', '.'], { cwd: project, env: { HOME: home, XDG_CACHE_HOME: '', CRITIC_CACHE_DIR: '' } });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /doctest-failed/, 'the examples ran');
  assert.equal(gitIn(project, 'status', '--porcelain', '--ignored', '--untracked-files=all'), '');
  assert.ok(filesUnder(join(home, '.cache', 'critic')).length > 0, 'execution results were cached in the user cache folder');

  // A second run reads that cache and still writes nothing into the project.
  const again = critic(['check', '.'], { cwd: project, env: { HOME: home, XDG_CACHE_HOME: '', CRITIC_CACHE_DIR: '' } });
  assert.equal(again.stdout.replace(/\([\d.]+ m?s\)/g, ''), r.stdout.replace(/\([\d.]+ m?s\)/g, ''));
  assert.equal(gitIn(project, 'status', '--porcelain', '--ignored', '--untracked-files=all'), '');
});

test('$XDG_CACHE_HOME is used when absolute; a relative value is ignored rather than resolved inside the project', { skip }, (t) => {
  const { project, home } = pythonRepo(t);
  const xdg = join(home, 'xdg-cache');
  critic(['check', 'shop/calc.py'], { cwd: project, env: { HOME: home, XDG_CACHE_HOME: xdg, CRITIC_CACHE_DIR: '' } });
  assert.ok(filesUnder(join(xdg, 'critic')).length > 0, 'cached under $XDG_CACHE_HOME/critic');

  critic(['check', 'shop/calc.py'], { cwd: project, env: { HOME: home, XDG_CACHE_HOME: 'relative-cache', CRITIC_CACHE_DIR: '' } });
  assert.equal(gitIn(project, 'status', '--porcelain', '--ignored', '--untracked-files=all'), '');
  assert.ok(filesUnder(join(home, '.cache', 'critic')).length > 0, 'fell back to ~/.cache/critic');
});
