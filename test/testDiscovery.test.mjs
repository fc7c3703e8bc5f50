// Finding tests the way the project's own runner does: pytest configuration (or its defaults
// anywhere under the rootdir), vitest / jest configuration read without executing it,
// `.critic.json` tests.paths / tests.patterns, and the imports that tie a test file to a module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { makeContext, out, tempProject } from './support/engine.mjs';

const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { discoverRelatedTests } = await import(out('engine/evidence/exec/testDiscovery.js'));
const { pytestConfigFor } = await import(out('engine/evidence/exec/pytestConfig.js'));
const { matchesGlob } = await import(out('engine/evidence/exec/testGlobs.js'));
const { parseConfig } = await import(out('engine/config.js'));

const ctx = makeContext();
const syntax = new SyntaxService(ctx.assets);
test.after(() => syntax.dispose());

async function related(root, rel, tests) {
  const path = join(root, rel);
  const language = rel.endsWith('.py') ? 'python' : rel.endsWith('.js') ? 'javascript' : 'typescript';
  const d = await discoverRelatedTests({ path, text: '', language, projectRoot: root }, { fs: ctx.fs, syntax, tests });
  return { files: d.files.map((f) => relative(root, f)).sort(), decisions: d.decisions, d };
}

test('python without configuration: pytest defaults anywhere under the root, imports inside if/else and try', async () => {
  const p = tempProject({
    'conftest.py': 'import pytest\n',
    'python_programs/bitcount.py': 'def bitcount(n):\n    return bin(n).count("1")\n',
    'python_programs/bitcount_test.py': 'from .bitcount import bitcount\n',
    'python_testcases/test_bitcount.py': 'import pytest\nif pytest.use_correct:\n    from correct_python_programs.bitcount import bitcount\nelse:\n    from python_programs.bitcount import bitcount\n',
    'python_testcases/test_other.py': 'try:\n    from python_programs.gcd import gcd\nexcept ImportError:\n    gcd = None\n',
    'python_testcases/test_guarded.py': 'try:\n    import ujson as json\nexcept ImportError:\n    from python_programs import bitcount\n',
    'python_testcases/helpers.py': 'from python_programs.bitcount import bitcount\n',
  });
  try {
    const { files, decisions } = await related(p.root, 'python_programs/bitcount.py');
    // The driver script is named after the module (pytest collects it too; its failing relative
    // import is kept apart when it runs); helpers.py is not a test file by pytest's patterns.
    assert.deepEqual(files, ['python_programs/bitcount_test.py', 'python_testcases/test_bitcount.py', 'python_testcases/test_guarded.py']);
    assert.ok(decisions.some((d) => /pytest configuration: none found/.test(d)), decisions.join('\n'));
    assert.ok(decisions.some((d) => d === 'related: python_testcases/test_bitcount.py (imports python_programs.bitcount)'), decisions.join('\n'));
    assert.ok(decisions.some((d) => /^not related: python_testcases\/test_other\.py/.test(d)), decisions.join('\n'));
  } finally {
    p.cleanup();
  }
});

test('python: pytest.ini / setup.cfg / tox.ini / pyproject.toml decide testpaths, python_files and norecursedirs', async () => {
  const files = {
    'src/shop/__init__.py': 'from .cart import total\n',
    'src/shop/cart.py': 'def total(xs):\n    return sum(xs)\n',
    'checks/check_cart.py': 'from shop.cart import total\n',
    'checks/legacy/check_old.py': 'from shop import cart\n',
    'checks/test_skipped.py': 'from shop.cart import total\n',
    'elsewhere/check_far.py': 'from shop.cart import total\n',
    'checks/check_pkg.py': 'from shop import total\n',
  };
  const ini = 'testpaths = checks\npython_files = check_*.py\nnorecursedirs = legacy\ndoctest_optionflags = NORMALIZE_WHITESPACE ELLIPSIS\npythonpath = src\n';
  const variants = {
    'pytest.ini': `[pytest]\n${ini}`,
    'setup.cfg': `[metadata]\nname = x\n\n[tool:pytest]\n${ini}`,
    'tox.ini': `[tox]\nenvlist = py3\n[pytest]\n${ini}`,
    'pyproject.toml': '[project]\nname = "x"\n[tool.pytest.ini_options]\ntestpaths = ["checks"]\npython_files = ["check_*.py"]\nnorecursedirs = ["legacy"]\ndoctest_optionflags = ["NORMALIZE_WHITESPACE", "ELLIPSIS"]\npythonpath = ["src"]\n',
  };
  for (const [name, text] of Object.entries(variants)) {
    const p = tempProject({ ...files, [name]: text });
    try {
      const cfg = await pytestConfigFor(join(p.root, 'src/shop/cart.py'), p.root, ctx.fs);
      assert.equal(cfg.file, join(p.root, name), name);
      assert.deepEqual([cfg.testpaths, cfg.pythonFiles, cfg.norecursedirs, cfg.pythonpath, cfg.doctestOptionflags], [['checks'], ['check_*.py'], ['legacy'], ['src'], ['NORMALIZE_WHITESPACE', 'ELLIPSIS']], name);
      // check_pkg imports `total` from the package, whose __init__ re-exports it from cart.
      assert.deepEqual((await related(p.root, 'src/shop/cart.py')).files, ['checks/check_cart.py', 'checks/check_pkg.py'], name);
    } finally {
      p.cleanup();
    }
  }
});

test('python: relative imports in test packages, src layout without configuration, naming conventions; unittest-style names', async () => {
  const p = tempProject({
    'src/lib/__init__.py': '',
    'src/lib/core.py': 'def f():\n    return 1\n',
    'tests/__init__.py': '',
    'tests/unit/__init__.py': '',
    'tests/unit/helpers.py': '',
    'tests/unit/test_api.py': 'import os, lib.core as core\n',
    'tests/unit/test_rel.py': 'from ..support import x\nfrom lib import core\n',
    'tests/testcore.py': 'import unittest\nfrom lib.core import f\n',
    'tests/test_core.py': 'def test_nothing():\n    pass\n',
    'node_modules/x/test_core.py': 'from lib.core import f\n',
  });
  try {
    assert.deepEqual((await related(p.root, 'src/lib/core.py')).files, ['tests/test_core.py', 'tests/testcore.py', 'tests/unit/test_api.py', 'tests/unit/test_rel.py']);
  } finally {
    p.cleanup();
  }
});

test('.critic.json tests.paths and tests.patterns cover layouts nothing else does; they stay inside the project', async () => {
  const p = tempProject({
    'pytest.ini': '[pytest]\ntestpaths = tests\n',
    'app/calc.py': 'def add(a, b):\n    return a + b\n',
    'qa/scenarios/calc_scenarios.py': 'from app.calc import add\n',
    'tests/test_x.py': 'import os\n',
  });
  try {
    assert.deepEqual((await related(p.root, 'app/calc.py')).files, []);
    const tests = parseConfig({ tests: { paths: ['qa'], patterns: ['*_scenarios.py'] } }, '.critic.json').tests;
    assert.deepEqual((await related(p.root, 'app/calc.py', tests)).files, ['qa/scenarios/calc_scenarios.py']);
    for (const bad of [['../outside'], ['/etc']]) assert.throws(() => parseConfig({ tests: { paths: bad } }, '.critic.json'), /tests\.paths.*relative to the project root/);
  } finally {
    p.cleanup();
  }
});

test('js: jest testMatch / roots in package.json, vitest include in a config file read without running it', async () => {
  const sentinel = 'config-was-executed';
  const p = tempProject({
    'jest-app/package.json': JSON.stringify({ devDependencies: { jest: '29' }, jest: { roots: ['<rootDir>/src'], testMatch: ['**/checks/**/*.js'] } }),
    'jest-app/src/sum.js': 'exports.sum = (a, b) => a + b;\n',
    'jest-app/src/checks/sum.js': "const { sum } = require('../sum');\n",
    'jest-app/src/sum.test.js': "const { sum } = require('./sum');\n",
    'vite-app/package.json': JSON.stringify({ devDependencies: { vitest: '3' } }),
    'vite-app/vitest.config.ts': `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(sentinel)}, 'x');\nexport default { test: { include: ['spec/**/*.ts'], exclude: ['spec/fixtures/**'] } };\n`,
    'vite-app/lib/math.ts': 'export const add = (a: number, b: number) => a + b;\n',
    'vite-app/spec/math.ts': "import { add } from '../lib/math';\n",
    'vite-app/spec/fixtures/math.ts': "import { add } from '../../lib/math';\n",
    'vite-app/lib/math.test.ts': "import { add } from './math';\n",
  });
  try {
    const jest = await related(p.root, 'jest-app/src/sum.js');
    // The conventional sum.test.js still counts by name; the configured pattern adds checks/.
    assert.deepEqual(jest.files, ['jest-app/src/checks/sum.js', 'jest-app/src/sum.test.js']);
    assert.equal(jest.d.js.source, join(p.root, 'jest-app/package.json#jest'));
    const vite = await related(p.root, 'vite-app/lib/math.ts');
    assert.deepEqual(vite.files, ['vite-app/lib/math.test.ts', 'vite-app/spec/math.ts']);
    assert.equal(vite.d.js.source, join(p.root, 'vite-app/vitest.config.ts'));
    assert.ok(!existsSync(join(p.root, 'vite-app', sentinel)) && !existsSync(sentinel), 'the config file was never executed');
  } finally {
    p.cleanup();
  }
});

test('js: tests that import a folder whose index re-exports the module, extensionless or .js specifiers, a monorepo package', async () => {
  const p = tempProject({
    // ufo's layout: test/*.test.ts import from "../src", whose index.ts re-exports every module.
    'package.json': JSON.stringify({ devDependencies: { vitest: '4' } }),
    'src/index.ts': 'export * from "./utils";\nexport { parseURL } from "./parse";\nexport type { Q } from "./types";\n',
    'src/utils.ts': 'export function withSlash(s: string) { return "/" + s; }\n',
    'src/parse.ts': 'export function parseURL(s: string) { return s; }\n',
    'src/types.ts': 'export type Q = string;\n',
    'src/unused.ts': 'export const u = 1;\n',
    'test/slash.test.ts': 'import { withSlash } from "../src";\n',
    'test/parse.test.ts': 'import { parseURL } from "../src/index.js";\n',
    'test/direct.test.ts': 'import { withSlash } from "../src/utils.js";\n',
    'test/other.test.ts': 'import { expect } from "vitest";\nimport { u } from "../src/unused";\n',
    // tanstack-store's layout: a workspace root config, the package's own vitest config with dir.
    'mono/package.json': JSON.stringify({ private: true, devDependencies: { vitest: '4' } }),
    'mono/vitest.config.ts': "export default { test: { projects: ['packages/*'] } };\n",
    // The package declares no runner (the workspace root installs vitest); its config's coverage
    // `include` lists sources, not tests.
    'mono/packages/store/package.json': JSON.stringify({ name: 's', scripts: { 'test:lib': 'vitest' }, devDependencies: { vue: '3' } }),
    'mono/packages/store/vitest.config.ts': "export default { test: { dir: './tests', environment: 'jsdom', coverage: { enabled: true, include: ['src/**/*'] } } };\n",
    'mono/packages/bare/package.json': JSON.stringify({ name: 'b' }),
    'mono/packages/bare/src/a.ts': 'export const a = 1;\n',
    'mono/packages/store/src/index.ts': "export * from './store'\nexport * from './atom'\n",
    'mono/packages/store/src/atom.ts': "export * from './deep/atomImpl'\n",
    'mono/packages/store/src/deep/atomImpl.ts': 'export const atom = () => 1;\n',
    'mono/packages/store/src/store.ts': 'export class Store {}\n',
    'mono/packages/store/tests/store.test.ts': "import { Store } from '../src'\n",
    'mono/packages/store/tests/atom.test.ts': "import { atom } from '../src'\n",
    'mono/packages/store/src/inline.test.ts': "import { Store } from './store'\n",
  });
  try {
    const utils = await related(p.root, 'src/utils.ts');
    // parse.test.ts imports the barrel by its emitted name (index.js), which re-exports utils too.
    assert.deepEqual(utils.files, ['test/direct.test.ts', 'test/parse.test.ts', 'test/slash.test.ts']);
    assert.ok(utils.decisions.includes('related: test/slash.test.ts (imports ../src, which re-exports utils.ts)'), utils.decisions.join('\n'));
    assert.ok(utils.decisions.includes('related: test/direct.test.ts (imports utils.ts)'), utils.decisions.join('\n'));
    // Tests importing the module itself run (and are reported) before those reaching it through a barrel.
    assert.equal(relative(p.root, utils.d.files[0]), 'test/direct.test.ts');
    // A module the barrel does not re-export is not tied to the tests that import the barrel.
    assert.deepEqual((await related(p.root, 'src/unused.ts')).files, ['test/other.test.ts']);
    assert.ok(utils.decisions.includes('not related: test/other.test.ts (does not import utils.ts (nor a module re-exporting it))'), utils.decisions.join('\n'));
    // Two levels of `export *`, inside a package of a workspace whose root config lists projects.
    const atom = await related(p.root, 'mono/packages/store/src/deep/atomImpl.ts');
    // Both test files load the barrel, and so atomImpl (ties are by module, not by imported name).
    assert.deepEqual(atom.files, ['mono/packages/store/tests/atom.test.ts', 'mono/packages/store/tests/store.test.ts']);
    assert.equal(atom.d.js.root, join(p.root, 'mono/packages/store'));
    assert.deepEqual([atom.d.js.runner, atom.d.js.include], ['vitest', ['**/*.{test,spec}.?(c|m)[jt]s?(x)']]);
    // A package with neither a runner nor a config gets the workspace root's.
    assert.equal((await related(p.root, 'mono/packages/bare/src/a.ts')).d.js.runner, 'vitest');
    // The package's config says `dir: './tests'`: src/inline.test.ts is not collected by it.
    assert.deepEqual((await related(p.root, 'mono/packages/store/src/store.ts')).files, ['mono/packages/store/tests/atom.test.ts', 'mono/packages/store/tests/store.test.ts']);
  } finally {
    p.cleanup();
  }
});

test('globs: the forms jest, vitest and .critic.json patterns use', () => {
  const yes = [
    ['src/a/__tests__/x.tsx', '**/__tests__/**/*.?([mc])[jt]s?(x)'],
    ['a/b.spec.mjs', '**/?(*.)+(spec|test).?([mc])[jt]s?(x)'],
    ['x.test.ts', '**/*.{test,spec}.?(c|m)[jt]s?(x)'],
    ['qa/deep/check_x.py', 'qa/**/*.py'],
    ['anywhere/check_x.py', 'check_*.py'],
  ];
  const no = [
    ['a/b.ts', '**/?(*.)+(spec|test).?([mc])[jt]s?(x)'],
    ['x.test.ts.snap', '**/*.{test,spec}.?(c|m)[jt]s?(x)'],
    ['other/check_x.py', 'qa/**/*.py'],
  ];
  for (const [p, g] of yes) assert.ok(matchesGlob(p, g), `${p} ~ ${g}`);
  for (const [p, g] of no) assert.ok(!matchesGlob(p, g), `${p} !~ ${g}`);
});

test('js node:test defaults: scripts in test/ that declare no node:test tests (benchmarks, build checks) are not run as tests', async () => {
  // nanoid's layout: named tests next to a benchmark and a prebuild script that import the module.
  const p = tempProject({
    'package.json': JSON.stringify({ name: 'n', type: 'module', scripts: { test: 'node --test' } }),
    'index.js': 'export const id = () => "x";\n',
    'test/index.test.js': "import { test } from 'node:test';\nimport { id } from '../index.js';\ntest('id', () => {});\n",
    'test/plain.js': "const { test } = require('node:test');\nconst { id } = require('../index.js');\n",
    'test/benchmark.js': "import { id } from '../index.js';\nfor (let i = 0; i < 1e9; i++) id();\n",
    'test/demo/index.js': "import { id } from '../../index.js';\ndocument.body.textContent = id();\n",
    'test.js': "import assert from 'node:assert';\nimport { id } from './index.js';\nassert.equal(id(), 'x');\n",
  });
  try {
    const { files, decisions } = await related(p.root, 'index.js');
    assert.deepEqual(files, ['test.js', 'test/index.test.js', 'test/plain.js']);
    assert.ok(decisions.includes('not related: test/benchmark.js (a script in a test folder that declares no node:test tests)'), decisions.join('\n'));
  } finally {
    p.cleanup();
  }
});

test('js uvu: the runner is read from the manifest, `uvu -r esm test` searches test/', async () => {
  const p = tempProject({
    'package.json': JSON.stringify({ name: 'd', scripts: { test: 'uvu -r esm test' }, devDependencies: { uvu: '0.3.2', esm: '3.2.25' } }),
    'src/index.js': 'export function dequal(a, b) { return a === b; }\n',
    'test/index.js': "import { suite } from 'uvu';\nimport { dequal } from '../src';\n",
    'bench/index.js': "import { dequal } from '../src';\n",
  });
  try {
    const { files, d } = await related(p.root, 'src/index.js');
    assert.equal(d.js.runner, 'uvu');
    assert.deepEqual(files, ['test/index.js']);
  } finally {
    p.cleanup();
  }
});
