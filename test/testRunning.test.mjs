// Running tests the way the project does, in the real sandbox: one broken test file does not hide
// the others, the result channel is not capped with the code's output, the module is loaded once
// (the copy the tests import, with the unsaved text), the project's doctest flags apply, and the
// CLI summary says what was executed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeContext, out, repoRoot, tempProject } from './support/engine.mjs';
import { needsSandbox, realSandbox } from './support/sandbox.mjs';
import { located, toolChecker, unitOf } from './support/exec.mjs';
import { critic } from './support/cli.mjs';

const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { RelatedTestsTool } = await import(out('engine/evidence/relatedTests.js'));
const { PythonExamplesTool } = await import(out('engine/evidence/pythonExamples.js'));
const { interpreterIdentity } = await import(out('engine/evidence/exec/interpreterIdentity.js'));

// A small output cap: what the code and the runner's own chatter print must not cost results.
const execution = { testTimeoutMs: 60_000, maxOutputBytes: 4096 };
const ctx = makeContext({ config: { execution } });
const syntax = new SyntaxService(ctx.assets);
const sandbox = await realSandbox(execution);
test.after(() => syntax.dispose());
const check = toolChecker(syntax);
const hasPytest = sandbox ? Boolean((await interpreterIdentity(sandbox, 'python', repoRoot)).pytest) : false;
const runners = ['pytest', 'unittest'];
const skipFor = (runner) => needsSandbox.skip || (sandbox && runner === 'pytest' && !hasPytest && 'pytest is not installed for python3');
const summary = (findings, text) => findings.map((f) => `${f.level} ${unitOf(f, text) || '<module>'}: ${f.rule}: ${f.message.replace(located, '')}`).sort();

for (const runner of runners) {
  test(`python (${runner}): a stale driver that fails to import does not hide the real test's failure`, { skip: skipFor(runner) }, async () => {
    const p = tempProject({
      'programs/gcd.py': 'def gcd(a, b):\n    return a if b == 0 else gcd(a % b, b)\n',
      'programs/gcd_test.py': 'from .gcd import gcd\n\nprint(gcd(4, 2))\n',
      'testcases/test_gcd.py': 'from programs.gcd import gcd\n\n\ndef test_gcd():\n    assert gcd(12, 8) == 4\n\n\ndef test_zero():\n    assert gcd(5, 0) == 5\n',
    });
    try {
      const tool = new RelatedTestsTool(ctx, { sandbox, syntax, pythonRunner: runner });
      const { doc, findings, records, discovery } = await check(tool, p.root, 'programs/gcd.py');
      const lines = summary(findings, doc.text);
      assert.equal(lines.length, 2, lines.join('\n'));
      assert.match(lines[0], /^error gcd: test-failed: Test `.*test_gcd` (failed|errored): RecursionError/);
      assert.match(lines[1], /^note .*: test-load-failed: Tests in programs\/gcd_test\.py could not run here \(.*relative import/);
      assert.deepEqual(records.map((r) => r.status).sort(), ['error', 'passed'].filter(() => runner === 'unittest').concat(runner === 'pytest' ? ['failed', 'passed'] : []).sort());
      assert.deepEqual(discovery, { testFiles: 2, candidates: 2 });
    } finally {
      p.cleanup();
    }
  });
}

test('python (pytest): thousands of passing tests and a chatty module stay under a 4 KB output cap', { skip: skipFor('pytest') }, async () => {
  const p = tempProject({
    'calc.py': 'print("x" * 20000)\n\ndef double(x):\n    return 2 * x\n',
    'test_calc.py': 'import pytest\nfrom calc import double\n\n\n@pytest.mark.parametrize("n", range(3000))\ndef test_double(n):\n    print("y" * 100)\n    assert double(n) == n + n\n',
  });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const { findings, records } = await check(tool, p.root, 'calc.py');
    assert.deepEqual(findings, []);
    assert.equal(records.length, 3000);
    assert.ok(records.every((r) => r.status === 'passed' && r.unit === 'double'));
  } finally {
    p.cleanup();
  }
});

test('typescript (node:test): every result arrives although the code floods stdout past the cap', needsSandbox, async () => {
  const tests = Array.from({ length: 200 }, (_, i) => `test('t${i}', () => { console.log('z'.repeat(200)); assert.equal(inc(${i}), ${i + (i === 150 ? 2 : 1)}); });`).join('\n');
  const p = tempProject({
    'inc.ts': 'export function inc(n: number): number {\n  process.stdout.write("w".repeat(50000));\n  return n + 1;\n}\n',
    'inc.test.ts': `import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { inc } from './inc';\n${tests}\n`,
  });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const { findings, records } = await check(tool, p.root, 'inc.ts');
    assert.equal(records.length, 200);
    assert.deepEqual(findings.map((f) => f.message.split(':')[0]), ['Test `t150` failed']);
  } finally {
    p.cleanup();
  }
});

for (const runner of runners) {
  test(`python (${runner}): the module is the copy the tests import, with the unsaved text, even when mock.patch patches it by name`, { skip: skipFor(runner) }, async () => {
    // A namespace folder (no __init__.py): the tests import `programs.fetch`, never `fetch`.
    const buggy = 'import json\n\ndef load():\n    return json.loads(read())\n\ndef read():\n    raise OSError("network")\n\ndef size():\n    return len(load()) + 1\n';
    const p = tempProject({
      'programs/fetch.py': buggy,
      'tests/test_fetch.py': [
        'import unittest',
        'from unittest import mock',
        'from programs import fetch',
        '',
        'class FetchTest(unittest.TestCase):',
        "    @mock.patch('programs.fetch.read', return_value='[1, 2]')",
        '    def test_size(self, read):',
        '        self.assertEqual(fetch.size(), 2)',
        '',
      ].join('\n'),
    });
    try {
      const tool = new RelatedTestsTool(ctx, { sandbox, syntax, pythonRunner: runner });
      const onDisk = await check(tool, p.root, 'programs/fetch.py');
      assert.deepEqual(summary(onDisk.findings, onDisk.doc.text).map((l) => l.split(':')[0]), ['error size'], 'the patched read() is the one size() calls');
      const fixed = await check(tool, p.root, 'programs/fetch.py', buggy.replace('len(load()) + 1', 'len(load())'));
      assert.deepEqual(fixed.findings, []);
      assert.deepEqual(fixed.records.map((r) => r.status), ['passed']);
    } finally {
      p.cleanup();
    }
  });
}

test('python (pytest): tests that import another copy of the module are a note, never errors on it', { skip: skipFor('pytest') }, async () => {
  const p = tempProject({
    'conftest.py': 'import pytest\n\ndef pytest_configure(config):\n    pytest.use_fixed = False\n',
    'buggy/inc.py': 'def inc(n):\n    return n + 2\n',
    'fixed/inc.py': 'def inc(n):\n    return n + 1\n',
    'testcases/test_inc.py': 'import pytest\nif pytest.use_fixed:\n    from fixed.inc import inc\nelse:\n    from buggy.inc import inc\n\n\ndef test_inc():\n    assert inc(1) == 2\n',
  });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const buggy = await check(tool, p.root, 'buggy/inc.py');
    assert.deepEqual(summary(buggy.findings, buggy.doc.text).map((l) => l.split(':')[0]), ['error inc']);
    const fixed = await check(tool, p.root, 'fixed/inc.py');
    assert.deepEqual(fixed.findings.map((f) => `${f.level} ${f.rule}: ${f.message}`), ['note test-load-failed: The related tests in testcases/test_inc.py ran but never imported this file (they use another module of the same name), so they say nothing about it']);
    assert.deepEqual(fixed.records, []);
  } finally {
    p.cleanup();
  }
});

test('python (pytest): a test that fails only while traced for coverage (a leak test) passes as under plain pytest; real failures stay', { skip: skipFor('pytest') }, async () => {
  // markupsafe's test_markup_leaks counts gc.get_objects(), which line tracing changes. This test
  // sees the tracing itself: it fails exactly when Critic's coverage hooks are on.
  const traced = "def _traced():\n    mon = getattr(sys, 'monitoring', None)\n    return sys.gettrace() is not None or (mon is not None and any(mon.get_tool(i) for i in range(6)))\n";
  const p = tempProject({
    'pyproject.toml': '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
    'pkg/__init__.py': '',
    'pkg/esc.py': 'def escape(s):\n    return s.replace("<", "&lt;")\n\n\ndef twice(s):\n    return s + s + s\n',
    'tests/test_esc.py': `import sys\nfrom pkg.esc import escape, twice\n\n\n${traced}\n\ndef test_no_leak():\n    escape("<a>")\n    assert not _traced()\n\n\ndef test_twice():\n    assert twice("a") == "aa"\n`,
  });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const { doc, findings, records } = await check(tool, p.root, 'pkg/esc.py');
    assert.deepEqual(summary(findings, doc.text), ["error twice: test-failed: Test `test_twice` failed: assert 'aaa' == 'aa'"].map((l) => l), summary(findings, doc.text).join('\n'));
    assert.deepEqual(records.map((r) => [r.subject, r.status]).sort(), [['test_no_leak', 'passed'], ['test_twice', 'failed']]);
  } finally {
    p.cleanup();
  }
});

test('python (pytest): a test still running when the run\'s time ran out, having started late, is a note (not a hang); one that started early stays an error', { skip: skipFor('pytest') }, async () => {
  const quick = makeContext({ config: { execution: { testTimeoutMs: 20_000 } } });
  // The first test waits until 10.8 s into the runner (its clock, __main__._t0): the second then
  // starts before the 12 s budget but with less than half of the 20 s left, and never ends.
  const wait = "import sys, time\n\ndef test_a():\n    t0 = sys.modules['__main__']._t0\n    while time.monotonic() - t0 < 10.8:\n        time.sleep(0.05)\n    assert spin(0) == 0\n";
  const spin = 'def spin(n):\n    while n > 0:\n        pass\n    return n\n';
  const late = tempProject({ 'spin.py': spin, 'test_spin.py': `from spin import spin\n${wait}\n\ndef test_b():\n    assert spin(1) == 1\n` });
  const early = tempProject({ 'spin.py': spin, 'test_spin.py': 'from spin import spin\n\ndef test_b():\n    assert spin(1) == 1\n' });
  try {
    const tool = new RelatedTestsTool(quick, { sandbox, syntax });
    const a = await check(tool, late.root, 'spin.py');
    assert.deepEqual(a.findings.map((f) => [f.level, f.rule]), [['note', 'exec-timeout']], JSON.stringify(a.findings));
    assert.match(a.findings[0].message, /^Test `test_b` was still running when the test run's 20 s ran out, but it started 1\d(\.\d)? s into the run and had only \d(\.\d)? s: not evidence of a hang/);
    const b = await check(tool, early.root, 'spin.py');
    assert.deepEqual(b.findings.map((f) => [f.level, f.rule]), [['error', 'exec-timeout']]);
    assert.match(b.findings[0].message, /^Test `test_b` did not finish within 20 s \(possible infinite loop\): it was still running line [23] of `spin` when the run was stopped$/);
  } finally {
    late.cleanup();
    early.cleanup();
  }
});

test('python (pytest): a hang is an error when the stuck test was running this file\'s code (even through another module), a note when it never ran a line of it', { skip: skipFor('pytest') }, async () => {
  const quick = makeContext({ config: { execution: { testTimeoutMs: 12_000 } } });
  const files = {
    'pkg/__init__.py': '',
    'pkg/core.py': 'def spin(n):\n    while n > 0:\n        pass\n    return n\n',
    'pkg/api.py': 'from pkg.core import spin\n\n\ndef run(n):\n    return spin(n)\n',
  };
  // jmespath's extra/test_hypothesis.py: a slow property test of the lexer, related to functions.py by an import.
  const elsewhere = tempProject({ ...files, 'tests/test_other.py': 'import time\nimport pkg.core\n\n\ndef test_slow():\n    while True:\n        time.sleep(0.05)\n' });
  const through = tempProject({ ...files, 'tests/test_api.py': 'import pkg.core\nfrom pkg.api import run\n\n\ndef test_run():\n    assert run(1) == 1\n' });
  try {
    const tool = new RelatedTestsTool(quick, { sandbox, syntax });
    const a = await check(tool, elsewhere.root, 'pkg/core.py');
    assert.deepEqual(a.findings.map((f) => [f.level, f.rule]), [['note', 'exec-timeout']], JSON.stringify(a.findings));
    assert.match(a.findings[0].message, /never ran a line of it/);
    const b = await check(tool, through.root, 'pkg/core.py');
    assert.deepEqual(b.findings.map((f) => [f.level, f.rule]), [['error', 'exec-timeout']], JSON.stringify(b.findings));
    // Where it looped, though the test reached it through another module.
    assert.match(b.findings[0].message, /^Test `(tests\/test_api\.py::)?test_run` did not finish within 12 s \(possible infinite loop\): it was still running line [23] of `spin` when the run was stopped$/);
  } finally {
    elsewhere.cleanup();
    through.cleanup();
  }
});

test('doctests: the project\'s doctest_optionflags apply; a whitespace-only difference is shown visibly', needsSandbox, async () => {
  const code = 'def pair(a, b):\n    """\n    >>> pair(1, 2)\n    (1,   2)\n    >>> list(range(30))\n    [0, 1, ..., 29]\n    """\n    return (a, b)\n';
  const plain = tempProject({ 'pairs.py': code });
  const configured = tempProject({ 'pairs.py': code, 'setup.cfg': '[tool:pytest]\ndoctest_optionflags = NORMALIZE_WHITESPACE ELLIPSIS\n' });
  try {
    const tool = new PythonExamplesTool(ctx, { sandbox });
    const a = await check(tool, plain.root, 'pairs.py');
    assert.deepEqual(a.findings.map((f) => f.message.replace(located, '')), [
      'Example `pair(1, 2)` returned (1,·2)⏎, expected (1,···2)⏎: they differ only in whitespace (· is a space, → a tab, ⏎ a line break)',
      'Example `list(range(30))` returned [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29], expected [0, 1, ..., 29]',
    ]);
    const b = await check(tool, configured.root, 'pairs.py');
    assert.deepEqual(b.findings, []);
    assert.deepEqual(b.records.map((r) => r.status), ['passed', 'passed']);
  } finally {
    plain.cleanup();
    configured.cleanup();
  }
});

test('doctests: pytest\'s own flags apply too (boltons: ALLOW_UNICODE; NUMBER), as options or directives; a wrong result still fails', needsSandbox, async () => {
  const q = '"""';
  const code = [
    'import math',
    '',
    '',
    'def word():',
    `    ${q}`,
    '    >>> word()',
    "    u'abc'",
    '    >>> word().encode()  # doctest: +ALLOW_BYTES',
    "    'abc'",
    `    ${q}`,
    "    return 'abc'",
    '',
    '',
    'def tau():',
    `    ${q}`,
    '    >>> tau()',
    '    6.28',
    '    >>> tau() / 2',
    '    3.0',
    `    ${q}`,
    '    return 2 * math.pi',
    '',
  ].join('\n');
  const p = tempProject({ 'nums.py': code, 'pyproject.toml': '[tool.pytest.ini_options]\ndoctest_optionflags = ["ALLOW_UNICODE", "NUMBER"]\n' });
  try {
    const { findings, records } = await check(new PythonExamplesTool(ctx, { sandbox }), p.root, 'nums.py');
    assert.deepEqual(records.map((r) => r.status), ['passed', 'passed', 'passed', 'failed'], JSON.stringify(findings));
    assert.deepEqual(findings.map((f) => f.message.replace(located, '')), ['Example `tau() / 2` returned 3.141592653589793, expected 3.0']);
  } finally {
    p.cleanup();
  }
});

test('doctests: a failing example is a warning saying so when the project\'s test configuration never runs doctests; an error otherwise', needsSandbox, async () => {
  const code = 'def inc(n):\n    """\n    >>> inc(1)\n    3\n    """\n    return n + 1\n';
  const config = { 'pyproject.toml': '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n', 'tests/test_inc.py': 'from inc import inc\n\ndef test_inc():\n    assert inc(1) == 2\n' };
  const projects = {
    // markupsafe's case: pytest configured, doctests never collected.
    notRun: tempProject({ 'inc.py': code, ...config }),
    // boltons' case: tox runs `pytest --doctest-modules`.
    tox: tempProject({ 'inc.py': code, ...config, 'tox.ini': '[testenv]\ncommands = pytest --doctest-modules inc.py tests\n' }),
    // more-itertools' case: a test module loads the doctests itself.
    suite: tempProject({ 'inc.py': code, ...config, 'tests/test_docs.py': 'import doctest\nimport inc\n\ndef load_tests(loader, tests, ignore):\n    tests.addTests(doctest.DocTestSuite(inc))\n    return tests\n' }),
    // A pasted function with its examples and no project around it.
    bare: tempProject({ 'inc.py': code }),
  };
  try {
    const tool = new PythonExamplesTool(ctx, { sandbox });
    const levels = {};
    for (const [name, p] of Object.entries(projects)) {
      const { findings } = await check(tool, p.root, 'inc.py');
      assert.equal(findings.length, 1, name);
      levels[name] = findings[0].level;
      if (name === 'notRun') assert.match(findings[0].message.replace(located, ''), /^Example `inc\(1\)` returned 2, expected 3 — the project does not run its doctests \(its test configuration, pyproject\.toml, never collects them\)/);
      else assert.doesNotMatch(findings[0].message, /does not run its doctests/);
    }
    assert.deepEqual(levels, { notRun: 'warning', tox: 'error', suite: 'error', bare: 'error' });
  } finally {
    for (const p of Object.values(projects)) p.cleanup();
  }
});

test('cli: the summary says what ran, and when nothing was executed', (t) => {
  const p = tempProject({
    '.critic.json': '{}',
    'calc.py': 'def add(a, b):\n    """\n    >>> add(1, 2)\n    3\n    """\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n',
    'lone.py': 'def f():\n    return 1\n\n\ndef g():\n    return 2\n',
    'test_calc.py': 'from calc import add, sub\n\n\ndef test_sub():\n    assert sub(3, 1) == 2\n\n\ndef test_add():\n    assert add(1, 1) == 2\n',
  });
  t.after(p.cleanup);
  const lone = critic(['check', 'lone.py', '--verbose'], { cwd: p.root });
  assert.equal(lone.code, 0, lone.stderr);
  assert.match(lone.stdout, /✔ no findings in 1 file — nothing was executed \(no examples or related tests found for 2 of 2 functions\)/);
  assert.match(lone.stderr, /tests: .*lone\.py: no related tests for lone\.py among 1 candidate test files/);
  assert.match(lone.stderr, /not related: test_calc\.py \(does not mention lone\)/);
  const calc = critic(['check', 'calc.py'], { cwd: p.root });
  assert.equal(calc.code, 0, calc.stderr);
  assert.match(calc.stdout, /✔ no findings in 1 file — 1 example and 2 tests passed/);
  const off = critic(['check', 'calc.py', '--no-exec'], { cwd: p.root });
  assert.match(off.stdout, /nothing was executed \(execution is off\)/);
  const json = JSON.parse(critic(['check', 'calc.py', 'lone.py', '--format', 'json'], { cwd: p.root }).stdout);
  assert.deepEqual(json.summary.execution, { examples: { passed: 1, failed: 0 }, tests: { passed: 2, failed: 0 }, probes: { passed: 0, failed: 0 }, testFiles: 1, candidateTestFiles: 2, functions: 4, functionsWithoutEvidence: ['f', 'g'] });
});

test('cli: a test that several checked files share is counted once in the summary', (t) => {
  // One session runs the package's tests for all three files, and the package's __init__.py is
  // reached by every test of its modules: 2 tests, not 2 + 2 (+ 1 + 1 per module).
  const p = tempProject({
    '.critic.json': '{}',
    'pkg/__init__.py': "from pkg.a import one\nfrom pkg.b import two\n\n__all__ = ['one', 'two']\n",
    'pkg/a.py': 'def one():\n    return 1\n',
    'pkg/b.py': 'def two():\n    return 2\n',
    'tests/test_pkg.py': 'from pkg import one, two\n\n\ndef test_one():\n    assert one() == 1\n\n\ndef test_two():\n    assert two() == 2\n',
  });
  t.after(p.cleanup);
  const all = critic(['check', 'pkg'], { cwd: p.root });
  assert.equal(all.code, 0, all.stderr);
  assert.match(all.stdout, /✔ no findings in 3 files — 2 tests passed/);
});

for (const runner of runners) {
  test(`python (${runner}): a suite slower than the time budget leaves tests unrun (a note), never a false hang`, { skip: skipFor(runner) }, async () => {
    const quick = makeContext({ config: { execution: { testTimeoutMs: 16_000 } } });
    const p = tempProject({
      'slow.py': 'import time\n\ndef step():\n    time.sleep(1)\n    return 1\n',
      'test_slow.py': `import unittest\nfrom slow import step\n\nclass SlowTest(unittest.TestCase):\n${Array.from({ length: 30 }, (_, i) => `    def test_${String(i).padStart(2, '0')}(self):\n        self.assertEqual(step(), 1)\n`).join('')}`,
    });
    try {
      const tool = new RelatedTestsTool(quick, { sandbox, syntax, pythonRunner: runner });
      const { findings, records } = await check(tool, p.root, 'slow.py');
      assert.deepEqual(findings.map((f) => f.level), ['note'], JSON.stringify(findings));
      const unrun = Number(/^(\d+) related tests were not run: the run used its time budget \(execution\.testTimeoutMs is 16 s\)/.exec(findings[0].message)?.[1]);
      assert.ok(records.length > 0 && unrun > 0, findings[0].message);
      assert.equal(records.length + unrun, 30);
      assert.ok(records.every((r) => r.status === 'passed'));
    } finally {
      p.cleanup();
    }
  });
}
