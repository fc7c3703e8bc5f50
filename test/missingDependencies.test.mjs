// A project whose dependencies are not installed gets one notice with the fix, not hundreds of
// module-resolution errors on correct code; what the missing packages do not explain is still reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempProject } from './support/engine.mjs';
import { critic } from './support/cli.mjs';
import { bwrapSandbox } from './support/bwrapSandbox.mjs';

const tsSource = [
  "import { z } from 'zod';",
  "import express from 'express';",
  "import { readFileSync } from 'node:fs';",
  "import { helper } from 'undeclared-package';",
  'const app = express();',
  "app.get('/', (req, res) => res.send(readFileSync('x', 'utf8')));",
  'export const schema = z.object({ a: z.string() });',
  'export function real(n: number): string {',
  '  return n;',
  '}',
  'console.log(process.env.HOME, __dirname, helper);',
  "describe('x', () => { it('y', () => {}); });",
  '',
].join('\n');

const pkg = JSON.stringify({ name: 'app', dependencies: { zod: '3.23.0', express: '4.21.0' }, devDependencies: { '@types/node': '20.0.0', '@types/express': '4.17.0', vitest: '2.0.0' } });

function project() {
  const p = tempProject({ 'src/app.ts': tsSource, 'src/other.ts': "import { z } from 'zod';\nexport const n = z.number();\n", 'package.json': pkg, 'package-lock.json': '{}', 'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', types: ['node'] } }) });
  test.after(p.cleanup);
  return p;
}

const rulesOf = (stdout) => JSON.parse(stdout).findings.map((f) => `${f.file.split('/').pop()}:${f.line}:${f.rule}:${f.level}`).sort();

test('js/ts: a fresh clone without node_modules → one notice with `npm install`; only errors the missing packages do not explain', () => {
  const p = project();
  const r = critic(['check', 'src', '--format', 'json', '--no-exec'], { cwd: p.root });
  // An import of a package nobody declares is the code's error; other type errors are provisional.
  assert.deepEqual(rulesOf(r.stdout), ['app.ts:4:ts-2307:error', 'app.ts:9:ts-2322:warning'], r.stdout);
  assert.match(JSON.parse(r.stdout).findings.find((f) => f.rule === 'ts-2322').message, /provisional: the project's dependencies are not installed/);
  const notices = r.stderr.split('\n').filter((l) => /not installed|npm install/.test(l));
  assert.equal(notices.length, 1, r.stderr);
  assert.match(notices[0], /none of the 5 dependencies .*package\.json declares are installed.*run `npm install` in /i);
});

test('js/ts: once the packages are there, their errors are the code\'s again and the notice is gone', () => {
  const p = project();
  const install = (name, dts) => {
    const dir = join(p.root, 'node_modules', ...name.split('/'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', types: 'index.d.ts' }));
    writeFileSync(join(dir, 'index.d.ts'), dts);
  };
  install('zod', 'export declare const z: { object(s: object): unknown; string(): unknown; number(): unknown };\n');
  install('express', 'declare function e(): { get(path: string, h: (req: unknown, res: { send(s: string): void }) => void): void };\nexport default e;\n');
  install('@types/express', 'export {};\n');
  install('vitest', 'export {};\n');
  install('@types/node', "declare module 'node:fs' { export function readFileSync(p: string, e: string): string; }\ndeclare var process: { env: Record<string, string | undefined> };\ndeclare var __dirname: string;\n");
  const r = critic(['check', 'src', '--format', 'json', '--no-exec'], { cwd: p.root });
  const rules = rulesOf(r.stdout);
  assert.ok(rules.includes('app.ts:4:ts-2307:error') && rules.includes('app.ts:9:ts-2322:error'), r.stdout);
  assert.ok(rules.includes('app.ts:12:ts-2593:error'), 'describe without installed test types is the code\'s error now');
  assert.doesNotMatch(r.stderr, /not installed/);
});

test('eslint declared but not installed → the advice is to install the project\'s dependencies (a trusted project, whose ESLint loads in process)', () => {
  const p = tempProject({ 'a.js': 'export const x = 1;\n', 'eslint.config.js': 'export default [];\n', 'package.json': JSON.stringify({ name: 'a', type: 'module', devDependencies: { eslint: '9.0.0' } }) });
  try {
    const r = critic(['check', 'a.js', '--no-exec', '--trust-project'], { cwd: p.root });
    assert.match(r.stderr, /eslint is declared in .*package\.json, but it is not installed.*run `npm install`/);
    assert.doesNotMatch(r.stderr, /--save-dev eslint/);
  } finally {
    p.cleanup();
  }
});

const { skip } = await bwrapSandbox();

test('python: a declared dependency the interpreter lacks is one notice, not errors in examples and tests; an undeclared one is still an error', { skip }, () => {
  const p = tempProject({
    'requirements.txt': 'not-installed-dep-zq>=1.0\n',
    '.git/HEAD': 'ref: refs/heads/main\n',
    'stats.py': ['import not_installed_dep_zq', '', '', 'def mean(xs):', '    """', '    >>> mean([1, 2, 3])', '    2.0', '    """', '    return sum(xs) / len(xs)', ''].join('\n'),
    'test_stats.py': 'from stats import mean\n\n\ndef test_mean():\n    assert mean([2, 4]) == 3.0\n',
    'other.py': ['import typo_module_nobody_declares_zq', '', '', 'def one():', '    """', '    >>> one()', '    1', '    """', '    return 1', ''].join('\n'),
  });
  try {
    const r = critic(['check', 'stats.py', 'other.py', '--format', 'json'], { cwd: p.root, env: { XDG_CACHE_HOME: join(p.root, '.cache') } });
    assert.deepEqual(JSON.parse(r.stdout).findings.filter((f) => f.tier === 'executed').map((f) => `${f.file.split('/').pop()}:${f.rule}`), ['other.py:exec-import-failed'], r.stdout);
    const notices = r.stderr.split('\n').filter((l) => /lacks dependencies/.test(l));
    assert.equal(notices.length, 1, r.stderr);
    assert.match(notices[0], /run `pip install -r requirements\.txt`/);
  } finally {
    p.cleanup();
  }
});

test('js/ts: a fresh clone of an npm-workspaces monorepo — the package declares nothing, the root declares all; a tsconfig extending an uninstalled package names the install', () => {
  // change-case's layout: packages/*/package.json without dependencies, everything hoisted to the
  // root's manifest, and each package's tsconfig extending a config shipped in a package.
  const p = tempProject({
    'package.json': JSON.stringify({ name: 'root', private: true, workspaces: ['packages/*'], devDependencies: { typescript: '5.2.2', vitest: '1.0.1', lodash: '4.17.21' } }),
    'package-lock.json': '{}',
    'packages/a/package.json': JSON.stringify({ name: 'a', type: 'module' }),
    'packages/a/tsconfig.json': JSON.stringify({ extends: '@borderless/ts-scripts/configs/tsconfig.json', compilerOptions: { strict: true } }),
    'packages/a/src/index.ts': "import { chunk } from 'lodash';\nexport const pairs = (xs: number[]) => chunk(xs, 2);\n",
    'packages/b/package.json': JSON.stringify({ name: 'b', type: 'module' }),
    'packages/b/tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext' } }),
    'packages/b/src/index.ts': "import { chunk } from 'lodash';\nexport const pairs = (xs: number[]) => chunk(xs, 2);\n",
  });
  try {
    const r = critic(['check', 'packages', '--format', 'json', '--no-exec'], { cwd: p.root });
    assert.deepEqual(rulesOf(r.stdout), [], r.stdout);
    assert.match(r.stderr, /packages\/a\/tsconfig\.json extends @borderless\/ts-scripts\/configs\/tsconfig\.json from the package @borderless\/ts-scripts, which is not installed: .*run `npm install`/);
    assert.doesNotMatch(r.stderr, /fix the configuration/);
    assert.match(r.stderr, /none of the 3 dependencies .*\/package\.json declares are installed.*run `npm install` in /i);
  } finally {
    p.cleanup();
  }
});
