// The one upward search for project files (src/engine/findUp.ts) and its stop rules: the
// filesystem root, a root folder it never looks above, and a boundary marker (the folder holding
// `.git`). The configuration finders (tsconfig, ESLint, ruff, pytest, package.json, .critic.json)
// all go through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, parse } from 'node:path';
import { out, tempProject } from './support/engine.mjs';

const { ancestors, findUp, gitBoundary } = await import(out('engine/findUp.js'));
const { findProjectRoot } = await import(out('engine/project.js'));
const { findEslintConfig } = await import(out('engine/evidence/eslint.js'));
const { findTsConfig } = await import(out('engine/evidence/typescript.js'));

test('ancestors: nearest first, up to the filesystem root', () => {
  const dirs = [...ancestors('/a/b/c')];
  assert.deepEqual(dirs, ['/a/b/c', '/a/b', '/a', parse('/a').root]);
});

test('ancestors: a root folder is the last searched, a start outside it searches only itself, and a sibling with the same prefix is outside', () => {
  assert.deepEqual([...ancestors('/p/src/pkg', { root: '/p' })], ['/p/src/pkg', '/p/src', '/p']);
  assert.deepEqual([...ancestors('/elsewhere/x', { root: '/p' })], ['/elsewhere/x']);
  assert.deepEqual([...ancestors('/p2/src', { root: '/p' })], ['/p2/src']);
});

test('findUp: the nearest match wins, names in order within one folder, and a boundary ends the search after its folder', (t) => {
  const p = tempProject({ 'outer/eslint.config.js': '', 'outer/repo/.git/HEAD': '', 'outer/repo/a/b/x.js': '', 'outer/repo/a/tsconfig.json': '{}', 'outer/repo/a/jsconfig.json': '{}' });
  t.after(p.cleanup);
  const start = join(p.root, 'outer/repo/a/b');
  assert.equal(findUp(['jsconfig.json', 'tsconfig.json'], start), join(p.root, 'outer/repo/a/jsconfig.json'));
  // Without the boundary the config outside the repository is found; with it, not.
  assert.equal(findUp(['eslint.config.js'], start), join(p.root, 'outer/eslint.config.js'));
  assert.equal(findUp(['eslint.config.js'], start, { boundary: gitBoundary }), undefined);
  assert.equal(findEslintConfig(join(start, 'x.js')), undefined);
  assert.equal(findTsConfig(join(start, 'x.ts')), join(p.root, 'outer/repo/a/tsconfig.json'));
  assert.equal(findUp(['nothing-here'], start, { root: join(p.root, 'outer/repo') }), undefined);
});

test('findProjectRoot: the nearest .critic.json, else the git root, else the fallback', (t) => {
  const p = tempProject({ 'repo/.git/HEAD': '', 'repo/sub/.critic.json': '{}', 'repo/other/x.py': '' });
  t.after(p.cleanup);
  mkdirSync(join(p.root, 'repo/sub/deep'), { recursive: true });
  assert.deepEqual(findProjectRoot(join(p.root, 'repo/sub/deep')), { root: join(p.root, 'repo/sub'), configFile: join(p.root, 'repo/sub/.critic.json') });
  assert.deepEqual(findProjectRoot(join(p.root, 'repo/other')), { root: join(p.root, 'repo') });
});
