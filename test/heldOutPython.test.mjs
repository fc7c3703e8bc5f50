// Layouts of public Python projects first met on held-out repositories (issue 9's acceptance):
// each reproduced in a temp folder, run for real in the sandbox with the project's own runner.
//   - tomli: a src layout whose unittest tests reach the package only through their own test
//     package (`from . import tomllib`, with `import tomli as tomllib` in tests/__init__.py), and a
//     private module (`_re.py`) that only the public one imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { makeContext, out, tempProject } from './support/engine.mjs';
import { needsSandbox, realSandbox } from './support/sandbox.mjs';
import { toolChecker, unitOf } from './support/exec.mjs';
import { criticAsync } from './support/cli.mjs';

const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { RelatedTestsTool } = await import(out('engine/evidence/relatedTests.js'));
const { discoverRelatedTests } = await import(out('engine/evidence/exec/testDiscovery.js'));

const ctx = makeContext({ config: { execution: { testTimeoutMs: 20_000 } } });
const syntax = new SyntaxService(ctx.assets);
const sandbox = await realSandbox();
test.after(() => syntax.dispose());
const check = toolChecker(syntax);

const tomliLike = {
  'pyproject.toml': '[project]\nname = "tomlish"\nversion = "1.0"\n',
  'src/tomlish/__init__.py': 'from ._parser import loads\n',
  'src/tomlish/_parser.py': 'from ._re import match_int\n\n\ndef loads(text):\n    key, _, value = text.partition("=")\n    return {key.strip(): match_int(value.strip())}\n',
  'src/tomlish/_re.py': 'def match_int(s):\n    if s.startswith("0x"):\n        return int(s[2:], 16)\n    return int(s)\n',
  'tests/__init__.py': '__all__ = ("tomllib",)\n\nimport tomlish as tomllib\n',
  'tests/test_misc.py': 'import unittest\n\nfrom . import tomllib\n\n\nclass TestMisc(unittest.TestCase):\n    def test_hex(self):\n        self.assertEqual(tomllib.loads("a = 0x1f"), {"a": 31})\n\n    def test_dec(self):\n        self.assertEqual(tomllib.loads("a = 12"), {"a": 12})\n',
};

test('tomli layout: tests reaching the package through their own tests/__init__.py, and a private module only the public one imports, are related', async () => {
  const p = tempProject(tomliLike);
  try {
    for (const rel of ['src/tomlish/__init__.py', 'src/tomlish/_parser.py', 'src/tomlish/_re.py']) {
      const d = await discoverRelatedTests({ path: join(p.root, rel), text: '', language: 'python', projectRoot: p.root }, { fs: ctx.fs, syntax });
      assert.deepEqual(d.files.map((f) => relative(p.root, f)), ['tests/test_misc.py'], `${rel}:\n${d.decisions.join('\n')}`);
      // The tests import `tests` from the rootdir and `tomlish` from src/: both go on sys.path.
      assert.deepEqual(d.importRoots.sort(), [p.root, join(p.root, 'src')].sort(), rel);
    }
    const d = await discoverRelatedTests({ path: join(p.root, 'src/tomlish/_re.py'), text: '', language: 'python', projectRoot: p.root }, { fs: ctx.fs, syntax });
    assert.ok(d.decisions.includes('related: tests/test_misc.py (imports tests (whose __init__.py imports tomlish, whose __init__.py imports tomlish._parser, which imports it))'), d.decisions.join('\n'));
  } finally {
    p.cleanup();
  }
});

test('tomli layout: the correct private module passes its tests; a bug in it fails them, on its function', needsSandbox, async () => {
  const p = tempProject(tomliLike);
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const ok = await check(tool, p.root, 'src/tomlish/_re.py');
    assert.deepEqual(ok.findings, []);
    assert.equal(ok.records.filter((r) => r.status === 'passed').length, 2, JSON.stringify(ok.records));
    const buggy = tomliLike['src/tomlish/_re.py'].replace('int(s[2:], 16)', 'int(s[2:], 10 + 6 * 0)');
    const bad = await check(tool, p.root, 'src/tomlish/_re.py', buggy);
    const errors = bad.findings.filter((f) => f.level === 'error');
    assert.ok(errors.length >= 1, JSON.stringify(bad.findings));
    assert.deepEqual([...new Set(errors.map((f) => unitOf(f, buggy)))], ['match_int']);
  } finally {
    p.cleanup();
  }
});

// jmespath: no pytest configuration; its CI runs `cd tests/ && py.test --cov jmespath`, so pytest
// never collects extra/test_hypothesis.py (slow), though its defaults would from the root.
const jmespathLike = (ci) => ({
  'setup.py': 'from setuptools import setup\nsetup(name="pkg")\n',
  'pkg/__init__.py': 'from .core import search\n',
  'pkg/core.py': 'def search(x):\n    return x\n',
  'tests/__init__.py': '',
  'tests/test_core.py': 'from pkg.core import search\n\ndef test_search():\n    assert search(1) == 1\n',
  'extra/test_slow.py': 'import pkg\n\ndef test_slow():\n    assert pkg.search(2) == 2\n',
  'tox.ini': '[tox]\nenvlist = py311\n\n[testenv]\ncommands = nosetests\ndeps =\n    pytest\n    nose\n',
  '.github/workflows/run-tests.yml': `name: Run Tests\njobs:\n  build:\n    steps:\n    - name: Install dependencies\n      run: |\n        pip install pytest pytest-cov\n    - name: Test with pytest\n      run: |\n        ${ci}\n`,
});

test('jmespath layout: without testpaths, the paths the project\'s own pytest commands name are what pytest collects', async () => {
  const cases = [
    ['cd tests/ && py.test --cov pkg --cov-report term-missing', ['tests/test_core.py']],
    ['python -m pytest -q tests', ['tests/test_core.py']],
    // A bare run collects from the root, as pytest's defaults do.
    ['pytest', ['extra/test_slow.py', 'tests/test_core.py']],
  ];
  for (const [ci, expected] of cases) {
    const p = tempProject(jmespathLike(ci));
    try {
      const d = await discoverRelatedTests({ path: join(p.root, 'pkg/core.py'), text: '', language: 'python', projectRoot: p.root }, { fs: ctx.fs, syntax });
      assert.deepEqual(d.files.map((f) => relative(p.root, f)).sort(), expected, `${ci}\n${d.decisions.join('\n')}`);
      if (expected.length === 1) assert.ok(d.decisions.some((l) => l.startsWith('pytest runs only tests in the project\'s own commands (.github/workflows/run-tests.yml: ')), d.decisions.join('\n'));
    } finally {
      p.cleanup();
    }
  }
});

// One slow test file (a stress suite, property tests) must not starve the related test files
// after it: each file gets a fair share of what is left of the run's budget when it starts.
for (const runner of ['pytest', 'unittest']) {
  test(`${runner}: a slow related test file is cut at its share of the budget; the files after it still run`, needsSandbox, async () => {
    const slow = runner === 'pytest'
      ? `import time\nimport pytest\nfrom calc import add\n\n\n@pytest.fixture(scope='module')\ndef two():\n    yield 2\n\n${Array.from({ length: 40 }, (_, i) => `def test_slow_${i}(two):\n    time.sleep(0.25)\n    assert add(1, 1) == two\n`).join('\n')}`
      : `import time, unittest\nfrom calc import add\n\n\nclass TestSlow(unittest.TestCase):\n${Array.from({ length: 40 }, (_, i) => `    def test_slow_${i}(self):\n        time.sleep(0.25)\n        self.assertEqual(add(1, 1), 2)\n`).join('\n')}`;
    const p = tempProject({
      'calc.py': 'def add(a, b):\n    return a + b\n',
      // Named after the module: it runs first.
      'test_calc.py': slow,
      'test_more.py': runner === 'pytest' ? 'from calc import add\n\ndef test_fast():\n    assert add(2, 2) == 5\n' : 'import unittest\nfrom calc import add\n\n\nclass TestFast(unittest.TestCase):\n    def test_fast(self):\n        self.assertEqual(add(2, 2), 5)\n',
    });
    try {
      // A 6 s timeout leaves a 3 s budget; the slow file alone would take 10 s.
      const tool = new RelatedTestsTool(makeContext({ config: { execution: { testTimeoutMs: 6_000 } } }), { sandbox, syntax, pythonRunner: runner });
      const { doc, findings } = await check(tool, p.root, 'calc.py');
      const failed = findings.filter((f) => f.level === 'error');
      assert.equal(failed.length, 1, JSON.stringify(findings, null, 1));
      assert.match(failed[0].message, /test_fast/);
      assert.equal(unitOf(failed[0], doc.text), 'add');
      assert.ok(findings.some((f) => f.level === 'note' && /related tests were not run: the run used its time budget/.test(f.message)), JSON.stringify(findings, null, 1));
      // The cut file's module fixture is torn down before the next file runs, and set up again when its rest resumes.
      assert.ok(!findings.some((f) => /torn down|errored/.test(f.message)), JSON.stringify(findings, null, 1));
    } finally {
      p.cleanup();
    }
  });
}

// isodate: a fresh clone lacks src/isodate/version.py, which setuptools_scm writes at install;
// every test fails to import the package. One notice with the fix, not errors on correct code.
test('isodate layout: a module the build writes (setuptools_scm write_to) is missing: a notice, no errors', needsSandbox, async () => {
  const p = tempProject({
    'pyproject.toml': '[project]\nname = "isodatish"\ndynamic = ["version"]\n\n[build-system]\nrequires = ["setuptools", "setuptools_scm[toml]"]\n\n[tool.setuptools_scm]\nwrite_to = "src/isodatish/version.py"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\nfilterwarnings = ["error"]\n',
    'src/isodatish/__init__.py': 'from isodatish.dates import parse_year\nfrom isodatish.version import version as __version__\n',
    'src/isodatish/dates.py': 'def parse_year(s):\n    return int(s[:4])\n',
    'tests/test_dates.py': 'from isodatish import parse_year\n\n\ndef test_year():\n    assert parse_year("2024-01-01") == 2024\n',
  });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const { findings, notices } = await check(tool, p.root, 'src/isodatish/dates.py');
    assert.deepEqual(findings.filter((f) => f.level === 'error'), []);
    assert.ok(notices?.some((n) => /isodatish\.version is written by its build \(setuptools_scm write_to in pyproject\.toml\) and is missing.*pip install -e \./.test(n.message)), JSON.stringify({ findings, notices }, null, 1));
  } finally {
    p.cleanup();
  }
});

// python-slugify: its tests are a root test.py (not a pytest name) that tox runs with
// `coverage run -m pytest test.py`; the module falls back from one missing package to another
// (`try: import unidecode / except ImportError: import text_unidecode`) and only the second is
// declared. One notice for the missing dependency, not an import error on correct code.
test('python-slugify layout: test.py found through tox commands; a fallback import of two missing packages, one declared, is a notice', needsSandbox, async () => {
  const p = tempProject({
    'setup.py': "from setuptools import setup\ninstall_requires = ['critic-absent-text>=1.3']\nsetup(name='slugish', install_requires=install_requires)\n",
    'pyproject.toml': '[build-system]\nrequires = ["setuptools>=61.2"]\n',
    'tox.ini': '[tox]\nenv_list = py311\n\n[testenv]\ndeps =\n    pytest\ncommands =\n    coverage run -m pytest test.py\n',
    'slugish/__init__.py': 'from .slugish import slugify\n',
    'slugish/slugish.py': 'try:\n    import critic_absent_fast as unidecode\nexcept ImportError:\n    import critic_absent_text as unidecode\n\n\ndef slugify(s):\n    return unidecode.unidecode(s).lower()\n',
    'test.py': 'import unittest\n\nfrom slugish import slugify\n\n\nclass TestSlugify(unittest.TestCase):\n    def test_lower(self):\n        self.assertEqual(slugify("A"), "a")\n',
  });
  try {
    const d = await discoverRelatedTests({ path: join(p.root, 'slugish/slugish.py'), text: '', language: 'python', projectRoot: p.root }, { fs: ctx.fs, syntax });
    assert.deepEqual(d.files.map((f) => relative(p.root, f)), ['test.py'], d.decisions.join('\n'));
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const { findings, notices } = await check(tool, p.root, 'slugish/slugish.py');
    assert.deepEqual(findings.filter((f) => f.level === 'error'), []);
    assert.ok(notices?.some((n) => /lacks dependencies .* declares/.test(n.message)), JSON.stringify({ findings, notices }, null, 1));
  } finally {
    p.cleanup();
  }
});

test('pytest: the tests a cut left run after the other files have had their share, while the budget lasts', needsSandbox, async () => {
  const p = tempProject({
    'calc.py': 'def add(a, b):\n    return a + b\n',
    'test_calc.py': `import time\nfrom calc import add\n\n${Array.from({ length: 32 }, (_, i) => `def test_slow_${i}():\n    time.sleep(0.25)\n    assert add(1, 1) == 2\n`).join('\n')}`,
    'test_more.py': 'from calc import add\n\ndef test_fast():\n    assert add(2, 2) == 4\n',
  });
  try {
    // A 12 s budget: the slow file (8 s of sleeps) is cut at its half, test_more runs, then the rest.
    const tool = new RelatedTestsTool(makeContext({ config: { execution: { testTimeoutMs: 20_000 } } }), { sandbox, syntax, pythonRunner: 'pytest' });
    const { findings, records } = await check(tool, p.root, 'calc.py');
    assert.deepEqual(findings, []);
    const names = records.filter((r) => r.status === 'passed').map((r) => r.subject);
    assert.equal(names.length, 33, JSON.stringify(records));
    const fast = names.findIndex((n) => /test_fast/.test(n));
    assert.ok(fast >= 0 && fast < names.length - 1, `test_fast ran before the slow file's last tests: ${names.join(', ')}`);
  } finally {
    p.cleanup();
  }
});

// jmespath's compliance tests call only `search`; a bug in `functions.py` shows in the failing
// merge cases, with no traceback into the file. The coverage singles out the function: every
// failing run executed `_func_merge`, and only a few passing ones did. A correct module the tests
// merely pass through gets nothing.
test('jmespath layout: tests that call nothing of the file are placed on the function only they reach', needsSandbox, async () => {
  const functions = 'def func_merge(*args):\n    merged = {}\n    for a in args:\n        merged.update(a)\n    return merged\n\n\ndef func_abs(x):\n    return abs(x)\n\n\nTABLE = {"merge": func_merge, "abs": func_abs}\n';
  const p = tempProject({
    'setup.py': 'from setuptools import setup\nsetup(name="jm")\n',
    'jm/__init__.py': 'from jm.visitor import search\n',
    'jm/functions.py': functions,
    'jm/visitor.py': 'from jm.functions import TABLE\nfrom jm.util import identity\n\n\ndef search(name, *args):\n    return identity(TABLE[name](*args))\n',
    'jm/util.py': 'def identity(x):\n    y = x\n    return y\n',
    'tests/__init__.py': '',
    'tests/test_compliance.py': 'import pytest\nimport jm\n\nCASES = [("abs", (-1,), 1), ("abs", (2,), 2), ("abs", (-3,), 3), ("merge", ({},), {}), ("merge", ({"a": 1},), {"a": 1}), ("merge", ({"a": 1}, {"b": 2}), {"a": 1, "b": 2})]\n\n\n@pytest.mark.parametrize("name,args,expected", CASES)\ndef test_expression(name, args, expected):\n    assert jm.search(name, *args) == expected\n',
  });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax, pythonRunner: 'pytest' });
    const ok = await check(tool, p.root, 'jm/functions.py');
    assert.deepEqual(ok.findings, []);
    const buggy = functions.replace('        merged.update(a)', '        pass');
    const bad = await check(tool, p.root, 'jm/functions.py', buggy);
    const errors = bad.findings.filter((f) => f.level === 'error');
    assert.equal(errors.length, 2, JSON.stringify(bad.findings, null, 1));
    assert.deepEqual([...new Set(errors.map((f) => unitOf(f, buggy)))], ['func_merge']);
    // util.py is correct: with the bug saved in functions.py, the failing tests pass through it,
    // as every passing one does; they call nothing it defines.
    writeFileSync(join(p.root, 'jm/functions.py'), buggy);
    const util = await check(tool, p.root, 'jm/util.py');
    assert.deepEqual(util.findings.filter((f) => f.level === 'error'), []);
  } finally {
    p.cleanup();
  }
});

// toolz: the package's __init__.py imports its subpackage (`from . import curried`), whose own
// __init__.py imports a submodule relatively and then deletes the name that import bound
// (`from .exceptions import merge` … `del exceptions`); a test reads the installed version.
test('toolz layout: a subpackage loaded by its parent, deleting a name its submodule import bound, is no error; an uninstalled project is a notice', needsSandbox, async () => {
  const p = tempProject({
    'setup.py': "from setuptools import setup\n\nsetup(name='toolzish', packages=['toolzish'])\n",
    'toolzish/__init__.py': 'from importlib.metadata import version\n\nfrom . import curried\n\n\ndef __getattr__(name):\n    if name == "__version__":\n        return version("toolzish")\n    raise AttributeError(name)\n',
    'toolzish/curried/__init__.py': 'from .exceptions import merge\n\n\ndef double(x):\n    """\n    >>> double(2)\n    4\n    """\n    return 2 * x\n\n\ndel exceptions\n',
    'toolzish/curried/exceptions.py': 'def merge(*dicts):\n    out = {}\n    for d in dicts:\n        out.update(d)\n    return out\n',
    'toolzish/tests/test_package.py': 'import toolzish\n\n\ndef test_has_version():\n    assert toolzish.__version__\n',
    'toolzish/tests/test_curried.py': 'from toolzish.curried import double, merge\n\n\ndef test_double():\n    assert double(3) == 6\n\n\ndef test_merge():\n    assert merge({1: 1}, {2: 2}) == {1: 1, 2: 2}\n',
  });
  try {
    const r = await criticAsync(['check', 'toolzish', '--format', 'json', '--no-color'], { cwd: p.root, env: { CRITIC_MODEL: '', XDG_CACHE_HOME: join(p.root, '.cache') } });
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.findings.filter((f) => f.level === 'error'), [], 'no error on the correct code');
    assert.ok(report.summary.execution.examples.passed >= 1, `the subpackage's example ran: ${JSON.stringify(report.summary.execution)}`);
    assert.ok(report.notices.some((n) => /The project is not installed: importlib\.metadata finds no distribution named toolzish.*pip install -e \./.test(n.message)), JSON.stringify(report.notices));
  } finally {
    p.cleanup();
  }
});
