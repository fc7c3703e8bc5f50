// The tests that exercise a file, found and run for real in the sandbox: unittest, pytest (when
// the machine's Python has it) and node:test over bundled TypeScript; failures land on the
// function under test with the test as the related location.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { makeContext, out, repoRoot, tempProject } from './support/engine.mjs';
import { needsSandbox, realSandbox } from './support/sandbox.mjs';
import { fixtureProject, lineOf, located, toolChecker, unitAt, unitOf } from './support/exec.mjs';

const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { RelatedTestsTool } = await import(out('engine/evidence/relatedTests.js'));
const { ExecCache } = await import(out('engine/evidence/execCache.js'));
const { relatedTestFiles } = await import(out('engine/evidence/exec/testDiscovery.js'));
const { interpreterIdentity } = await import(out('engine/evidence/exec/interpreterIdentity.js'));

const ctx = makeContext({ config: { execution: { testTimeoutMs: 20_000 } } });
const syntax = new SyntaxService(ctx.assets);
const sandbox = await realSandbox();
test.after(() => syntax.dispose());
const check = toolChecker(syntax);

const hasPytest = Boolean(sandbox && (await interpreterIdentity(sandbox, 'python', repoRoot)).pytest);

const summary = (findings, text) => findings.map((f) => `${unitOf(f, text) || '<module>'}: ${f.rule}: ${f.message.replace(located, '')}`).sort();

for (const runner of ['unittest', 'pytest']) {
  test(`python (${runner}): a failing test in tests/ is an error on the function under test`, { skip: needsSandbox.skip || (runner === 'pytest' && !hasPytest && 'pytest is not installed for python3') }, async () => {
    const p = fixtureProject('pyshop');
    try {
      const tool = new RelatedTestsTool(ctx, { sandbox, syntax, pythonRunner: runner });
      const { doc, findings, records } = await check(tool, p.root, 'shop/calc.py');
      const testText = readFileSync(join(p.root, 'tests/test_calc.py'), 'utf8');
      const name = (t) => (runner === 'pytest' ? `TestCalc::${t}` : `TestCalc.${t}`);
      assert.deepEqual(summary(findings, doc.text), [
        `add: test-failed: Test \`${name('test_add')}\` failed: ${runner === 'pytest' ? '5 != 4' : '5 != 4'}`,
        `div: test-failed: Test \`${name('test_div')}\` ${runner === 'pytest' ? 'failed' : 'errored'}: ZeroDivisionError: division by zero`,
      ]);
      const add = findings.find((f) => unitOf(f, doc.text) === 'add');
      assert.equal(add.tier, 'executed');
      assert.equal(add.level, 'error');
      assert.equal(add.source, 'tests');
      assert.equal(add.related[0].file, join(p.root, 'tests/test_calc.py'));
      assert.equal(add.related[0].range.start.line, lineOf(testText, 'def test_add'));
      assert.equal(add.related[1].range.start.line, lineOf(testText, 'add(2, 2), 4'), 'the assertion line');
      assert.equal(add.range.start.line, lineOf(doc.text, 'return a + b + (1'), 'on the faulty line');
      const div = findings.find((f) => unitOf(f, doc.text) === 'div');
      assert.equal(div.range.start.line, lineOf(doc.text, 'return a / b'), 'on the raising line');
      assert.deepEqual(
        records.map((r) => [r.subject, r.unit, r.status]).sort(),
        [
          [name('test_add'), 'add', 'failed'],
          [name('test_div'), 'div', runner === 'pytest' ? 'failed' : 'error'],
          [name('test_total'), 'Cart.total', 'passed'],
        ].sort(),
      );
    } finally {
      p.cleanup();
    }
  });
}

for (const runner of ['pytest', 'unittest']) {
  test(`python (${runner}): pytest-style tests found by import, failures mapped through the calls the test makes`, { skip: needsSandbox.skip || (runner === 'pytest' && !hasPytest && 'pytest is not installed for python3') }, async () => {
    const p = fixtureProject('pyshop', {
      'tests/checks/test_prices.py': ['from shop import calc', '', '', 'def test_quadruple():', '    value = calc.quadruple(1)', '    assert value == 5', '', '', 'def test_fixture(tmp_path):', '    pass', ''].join('\n'),
      'tests/test_calc.py': 'def test_nothing():\n    pass\n',
    });
    try {
      const tool = new RelatedTestsTool(ctx, { sandbox, syntax, pythonRunner: runner });
      const { doc, findings } = await check(tool, p.root, 'shop/calc.py');
      // Without pytest there is no assertion rewriting: a bare assert has no message.
      const why = runner === 'pytest' ? 'assert 4 == 5' : 'AssertionError';
      assert.deepEqual(summary(findings, doc.text), [`quadruple: test-failed: Test \`test_quadruple\` failed: ${why}`]);
      assert.equal(findings[0].related[0].file, join(p.root, 'tests/checks/test_prices.py'));
      assert.equal(findings[0].related[1].range.start.line, 5, 'the assert line');
    } finally {
      p.cleanup();
    }
  });
}

test('python: a hanging test is an exec-timeout naming the test, on the line it was looping on', needsSandbox, async () => {
  const p = tempProject({
    'slow.py': 'def wait_forever():\n    while True:\n        pass\n\ndef fine():\n    return 1\n',
    'test_slow.py': 'import unittest\nfrom slow import fine, wait_forever\n\nclass T(unittest.TestCase):\n    def test_fine(self):\n        self.assertEqual(fine(), 1)\n\n    def test_wait(self):\n        wait_forever()\n',
  });
  try {
    const quick = makeContext({ config: { execution: { testTimeoutMs: 2500 } } });
    const tool = new RelatedTestsTool(quick, { sandbox, syntax, pythonRunner: 'unittest' });
    const { doc, findings, records } = await check(tool, p.root, 'slow.py');
    assert.deepEqual(findings.map((f) => [f.rule, f.message]), [['exec-timeout', `Test \`T.test_wait\` did not finish within 2.5 s (possible infinite loop): it was still running line ${findings[0]?.range.start.line + 1} of \`wait_forever\` when the run was stopped`]]);
    assert.ok([1, 2].includes(findings[0].range.start.line), 'on the loop');
    assert.deepEqual(records.map((r) => [r.subject, r.status]).sort(), [['T.test_fine', 'passed'], ['T.test_wait', 'timeout']]);
  } finally {
    p.cleanup();
  }
});

test('python: a test that hangs in a helper loop is placed on the loop, not on the function the test calls nor on what the loop calls', needsSandbox, async () => {
  const p = tempProject({
    'strip.py': [
      'def step(text):',
      '    return text.find("<")',
      '',
      'def strip_tags(text):',
      '    while step(text) != -1:',
      '        start = step(text)',
      '        text = text[:start] + text[start:]',
      '    return text',
      '',
      'def clean(text):',
      '    return strip_tags(text).strip()',
      '',
    ].join('\n'),
    'test_strip.py': 'import unittest\nfrom strip import clean\n\nclass T(unittest.TestCase):\n    def test_clean(self):\n        self.assertEqual(clean(" <b>x "), "x")\n',
  });
  try {
    const quick = makeContext({ config: { execution: { testTimeoutMs: 2500 } } });
    const tool = new RelatedTestsTool(quick, { sandbox, syntax, pythonRunner: 'unittest' });
    const { doc, findings } = await check(tool, p.root, 'strip.py');
    assert.equal(findings.length, 1, JSON.stringify(findings, null, 1));
    const [f] = findings;
    assert.equal(f.rule, 'exec-timeout');
    assert.equal(f.level, 'error');
    const line = f.range.start.line;
    assert.ok(line >= lineOf(doc.text, 'while step(text)') && line <= lineOf(doc.text, 'text = text[:start]'), `on the loop of strip_tags, not line ${line + 1}`);
    assert.equal(f.message, `Test \`T.test_clean\` did not finish within 2.5 s (possible infinite loop): it was still running line ${line + 1} of \`strip_tags\` when the run was stopped`);
    assert.deepEqual(
      f.related.map((r) => [relative(p.root, r.file), r.range.start.line, r.message]),
      [
        ['test_strip.py', 4, 'the test T.test_clean'],
        ['test_strip.py', 5, 'the test was running this line'],
        ['strip.py', lineOf(doc.text, 'return strip_tags(text)'), 'called from line 11 in `clean`'],
      ],
    );
  } finally {
    p.cleanup();
  }
});

test('typescript: a failing x.test.ts (node:test) is an error on the function under test', needsSandbox, async () => {
  const p = fixtureProject('jsmath');
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const { doc, findings, records } = await check(tool, p.root, 'src/math.ts');
    const testText = readFileSync(join(p.root, 'src/math.test.ts'), 'utf8');
    assert.deepEqual(summary(findings, doc.text), ['add: test-failed: Test `adds small numbers` failed: Expected values to be strictly equal (expected 4, actual 5)']);
    const [f] = findings;
    assert.equal(f.related[0].file, join(p.root, 'src/math.test.ts'));
    assert.equal(f.related[0].range.start.line, lineOf(testText, "test('adds small numbers'"));
    assert.equal(f.related[1].range.start.line, lineOf(testText, 'add(2, 2), 4'), 'assertion line through the source map');
    assert.deepEqual(records.map((r) => [r.subject, r.unit, r.status]).sort(), [
      ['adds small numbers', 'add', 'failed'],
      ['parses prices', 'parsePrice', 'passed'],
      ['totals a cart', 'Cart.total', 'passed'],
    ]);
    // The unsaved fix is what the tests exercise.
    const fixed = doc.text.replace(' + (a === 2 && b === 2 ? 1 : 0)', '');
    assert.deepEqual((await check(tool, p.root, 'src/math.ts', fixed)).findings, []);
  } finally {
    p.cleanup();
  }
});

test('javascript: tests found by import in test/, a throw located by its stack frame', needsSandbox, async () => {
  const p = tempProject({
    'package.json': '{ "name": "m", "type": "module" }',
    'lib/parse.js': 'export function parse(s) {\n  if (!s) throw new SyntaxError("empty input");\n  return s.split(",");\n}\nexport const other = () => 1;\n',
    'test/parsing.test.js': "import { test, describe } from 'node:test';\nimport assert from 'node:assert';\nimport { parse, other } from '../lib/parse.js';\ndescribe('parse', () => {\n  test('splits', () => { assert.deepStrictEqual(parse('a,b'), ['a', 'b']); });\n  test('empty', () => { other(); parse(''); });\n});\n",
    'node_modules/dep/test/parse.test.js': "import '../../../lib/parse.js';\n",
  });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const { doc, findings } = await check(tool, p.root, 'lib/parse.js');
    assert.deepEqual(summary(findings, doc.text), ['parse: test-failed: Test `parse > empty` failed: empty input']);
    assert.equal(findings[0].range.start.line, 1, 'on the raising line');
  } finally {
    p.cleanup();
  }
});

test('discovery: naming conventions and imports, never node_modules', async () => {
  const p = tempProject({
    'pkg/__init__.py': '',
    'pkg/cart.py': 'def total():\n    return 0\n',
    'pkg/test_cart.py': 'def test_x():\n    pass\n',
    'tests/test_cart.py': 'def test_y():\n    pass\n',
    'tests/unit/test_totals.py': 'from pkg.cart import total\n',
    'tests/unit/test_other.py': 'from pkg import other\n',
    'tests/unit/test_rel.py': 'import pkg.cart as c\n',
    'node_modules/x/tests/test_cart.py': 'from pkg.cart import total\n',
    '.venv/lib/tests/test_cart2.py': 'from pkg.cart import total\n',
    'web/src/cart.ts': 'export const total = 0;\n',
    'web/src/cart.spec.ts': '',
    'web/src/__tests__/cart.tsx': '',
    'web/test/totals.test.js': "import { total } from '../src/cart.js';\n",
    'web/test/unrelated.test.js': "import { cart } from './cart.js';\n",
  });
  try {
    const found = async (rel, language) => (await relatedTestFiles({ path: join(p.root, rel), text: '', language, projectRoot: p.root }, { fs: ctx.fs, syntax })).map((f) => relative(p.root, f)).sort();
    assert.deepEqual(await found('pkg/cart.py', 'python'), ['pkg/test_cart.py', 'tests/test_cart.py', 'tests/unit/test_rel.py', 'tests/unit/test_totals.py']);
    assert.deepEqual(await found('web/src/cart.ts', 'typescript'), ['web/src/__tests__/cart.tsx', 'web/src/cart.spec.ts', 'web/test/totals.test.js']);
  } finally {
    p.cleanup();
  }
});

test('cache: unchanged code and tests are not run again; editing a test is a miss', needsSandbox, async () => {
  const p = fixtureProject('pyshop');
  try {
    const cache = new ExecCache();
    const counting = { isolation: sandbox.isolation, runs: 0, run(req) { this.runs++; return sandbox.run(req); } };
    const tool = new RelatedTestsTool(ctx, { sandbox: counting, syntax, cache, pythonRunner: 'unittest' });
    const first = await check(tool, p.root, 'shop/calc.py');
    const runs = counting.runs;
    const second = await check(tool, p.root, 'shop/calc.py');
    assert.equal(counting.runs, runs, 'no sandbox run on a hit');
    assert.deepEqual(second.findings, first.findings);
    assert.deepEqual(cache.stats, { hits: 1, misses: 1, diskHits: 0, size: 1 });
    const testFile = join(p.root, 'tests/test_calc.py');
    writeFileSync(testFile, readFileSync(testFile, 'utf8').replace('add(2, 2), 4', 'add(2, 2), 5'));
    const third = await check(tool, p.root, 'shop/calc.py');
    assert.equal(cache.stats.misses, 2);
    assert.equal(third.findings.length, 1);
  } finally {
    p.cleanup();
  }
});

test('a file with no related tests does nothing', needsSandbox, async () => {
  const p = tempProject({ 'lone.py': 'def f():\n    return 1\n' });
  try {
    const counting = { isolation: sandbox.isolation, runs: 0, run(req) { this.runs++; return sandbox.run(req); } };
    const tool = new RelatedTestsTool(ctx, { sandbox: counting, syntax });
    assert.deepEqual((await check(tool, p.root, 'lone.py')).findings, []);
    assert.equal(counting.runs, 0);
  } finally {
    p.cleanup();
  }
});

test('vitest projects run through the project\'s own vitest (a stand-in CLI here) and its JSON report', needsSandbox, async () => {
  // A stand-in for node_modules/vitest: it checks the arguments Critic passes and writes a report
  // in the jest JSON format vitest's json reporter emits. The real vitest is not installed here.
  const fakeVitest = [
    "import { writeFileSync } from 'node:fs';",
    'const args = process.argv.slice(2);',
    "if (args[0] !== 'run' || !args.includes('--reporter=json')) process.exit(3);",
    "const outFile = args.find((a) => a.startsWith('--outputFile=')).slice('--outputFile='.length);",
    "const file = args[args.length - 1];",
    "console.log('vitest noise that must not matter');",
    'writeFileSync(outFile, JSON.stringify({ testResults: [{ name: file, assertionResults: [',
    "  { ancestorTitles: ['math'], title: 'adds', status: 'failed', failureMessages: ['AssertionError: expected 5 to be 4 // Object.is equality\\n    at ' + file + ':5:22'] },",
    "  { ancestorTitles: ['math'], title: 'multiplies', status: 'passed', failureMessages: [] },",
    '] }] }));',
  ].join('\n');
  const p = tempProject({
    'package.json': JSON.stringify({ name: 'v', devDependencies: { vitest: '3.0.0' }, scripts: { test: 'vitest' } }),
    'node_modules/vitest/vitest.mjs': fakeVitest,
    'src/math.ts': 'export const add = (a: number, b: number) => a + b + 1;\nexport const mul = (a: number, b: number) => a * b;\n',
    'src/math.test.ts': "import { describe, it, expect } from 'vitest';\nimport { add, mul } from './math';\ndescribe('math', () => {\n  it('adds', () => {\n    expect(add(2, 2)).toBe(4);\n  });\n  it('multiplies', () => { expect(mul(2, 3)).toBe(6); });\n});\n",
  });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const { doc, findings, records } = await check(tool, p.root, 'src/math.ts');
    assert.deepEqual(summary(findings, doc.text), ['add: test-failed: Test `math > adds` failed: expected 5 to be 4 // Object.is equality']);
    assert.equal(findings[0].related[0].range.start.line, 3);
    assert.equal(findings[0].related[1].range.start.line, 4, 'the assertion line from the stack');
    assert.deepEqual(records.map((r) => [r.subject, r.unit, r.status]), [['math > adds', 'add', 'failed'], ['math > multiplies', 'mul', 'passed']]);
    // Declared but not installed: the tool says so instead of running the wrong runner.
    const q = tempProject({ 'package.json': JSON.stringify({ devDependencies: { jest: '29' } }), 'a.js': 'exports.f = () => 1;\n', 'a.test.js': "const { f } = require('./a');\ntest('f', () => expect(f()).toBe(1));\n" });
    try {
      await assert.rejects(check(tool, q.root, 'a.js'), { name: 'ToolUnavailableError', message: /jest, which is not installed/ });
    } finally {
      q.cleanup();
    }
  } finally {
    p.cleanup();
  }
});

test('vitest: tests in test/ importing ../src (a re-exporting index) with computed titles are tied to the function they call', needsSandbox, async () => {
  // ufo's layout. The stand-in reports what vitest 4's json reporter does for a test generated in
  // a loop: the computed title, no location, and the assertion's frame in the test file.
  const fakeVitest = [
    "import { writeFileSync } from 'node:fs';",
    'const args = process.argv.slice(2);',
    "const outFile = args.find((a) => a.startsWith('--outputFile=')).slice('--outputFile='.length);",
    "const file = args.find((a) => a.endsWith('utilities.test.ts'));",
    // In a read-only project: no coverage or typecheck output, and Vite >= 6.1 loads the config unbundled.
    "for (const a of ['--coverage.enabled=false', '--typecheck.enabled=false', '--configLoader']) if (!args.includes(a)) process.exit(3);",
    'writeFileSync(outFile, JSON.stringify({ testResults: [{ name: file, assertionResults: [',
    "  { ancestorTitles: ['isEqual'], title: 'foo == /foo', status: 'failed', failureMessages: ['AssertionError: expected false to be true // Object.is equality\\n    at ' + file + ':6:28'] },",
    "  { ancestorTitles: ['isEqual'], title: 'a == a', status: 'passed', failureMessages: [] },",
    '] }] }));',
  ].join('\n');
  const p = tempProject({
    'package.json': JSON.stringify({ name: 'u', devDependencies: { vitest: '4.0.0' } }),
    'node_modules/vitest/vitest.mjs': fakeVitest,
    'node_modules/vite/package.json': JSON.stringify({ name: 'vite', version: '7.1.0' }),
    'src/index.ts': 'export * from "./utils";\n',
    'src/utils.ts': 'export function slash(s: string) { return s.startsWith("/") ? s : "//" + s; }\nexport function isEqual(a: string, b: string) { return slash(a) === slash(b); }\n',
    'test/utilities.test.ts': 'import { describe, expect, test } from "vitest";\nimport { isEqual } from "../src";\ndescribe("isEqual", () => {\n  for (const t of [["foo", "/foo"], ["a", "a"]]) {\n    test(`${t[0]} == ${t[1]}`, () => {\n      expect(isEqual(t[0], t[1])).toBe(true);\n    });\n  }\n});\n',
  });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const { doc, findings } = await check(tool, p.root, 'src/utils.ts');
    assert.deepEqual(summary(findings, doc.text), ['isEqual: test-failed: Test `isEqual > foo == /foo` failed: expected false to be true // Object.is equality']);
    assert.equal(findings[0].level, 'error');
    assert.deepEqual(findings[0].related.slice(0, 2).map((r) => [r.range.start.line, r.message]), [[4, 'the test isEqual > foo == /foo'], [5, 'the failed assertion']]);
  } finally {
    p.cleanup();
  }
});

test('vitest and jest load files from disk: the unsaved text of the file is what they run, the saved file is untouched', needsSandbox, async () => {
  // The stand-in reads the module the way vitest does (from its path) and fails when it holds the bug.
  const fakeVitest = [
    "import { readFileSync, writeFileSync } from 'node:fs';",
    'const args = process.argv.slice(2);',
    "const outFile = args.find((a) => a.startsWith('--outputFile=')).slice('--outputFile='.length);",
    "const file = args[args.length - 1];",
    "const src = readFileSync(new URL('../../src/add.ts', import.meta.url), 'utf8');",
    "const ok = !src.includes('+ 1');",
    "writeFileSync(outFile, JSON.stringify({ testResults: [{ name: file, assertionResults: [{ ancestorTitles: [], title: 'adds', status: ok ? 'passed' : 'failed', failureMessages: ok ? [] : ['AssertionError: expected 5 to be 4\\n    at ' + file + ':2:30'] }] }] }));",
  ].join('\n');
  const saved = 'export const add = (a: number, b: number) => a + b;\n';
  const p = tempProject({
    'package.json': JSON.stringify({ devDependencies: { vitest: '3.0.0' } }),
    'node_modules/vitest/vitest.mjs': fakeVitest,
    'src/add.ts': saved,
    'test/add.test.ts': "import { add } from '../src/add';\ntest('adds', () => { expect(add(2, 2)).toBe(4); });\n",
  });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const clean = await check(tool, p.root, 'src/add.ts');
    assert.deepEqual(clean.findings, []);
    const edited = await check(tool, p.root, 'src/add.ts', saved.replace('a + b', 'a + b + 1'));
    assert.deepEqual(summary(edited.findings, edited.doc.text), ['add: test-failed: Test `adds` failed: expected 5 to be 4']);
    assert.equal(readFileSync(join(p.root, 'src/add.ts'), 'utf8'), saved);
  } finally {
    p.cleanup();
  }
});

test('vitest cut off by the run\'s timeout before its report is a note (nothing is known about the tests), not a hang in the file', needsSandbox, async () => {
  const p = tempProject({
    'package.json': JSON.stringify({ devDependencies: { vitest: '4.0.0' } }),
    // A loaded machine, jsdom starting: the stand-in never gets to write its report.
    'node_modules/vitest/vitest.mjs': 'setInterval(() => {}, 1000);\n',
    'src/add.ts': 'export const add = (a: number, b: number) => a + b;\n',
    'test/add.test.ts': "import { add } from '../src/add';\n",
  });
  try {
    const tool = new RelatedTestsTool(makeContext({ config: { execution: { testTimeoutMs: 3000 } } }), { sandbox, syntax });
    const { findings } = await check(tool, p.root, 'src/add.ts');
    assert.deepEqual(findings.map((f) => [f.level, f.rule, f.message]), [['note', 'exec-timeout', "The project's test runner did not finish within 3 s and reports its results only at the end, so nothing is known about the tests: not evidence of a hang; raise execution.testTimeoutMs to let it finish"]]);
  } finally {
    p.cleanup();
  }
});

test('javascript: a module that throws while loading fails its test file: exec-import-failed at the throwing line', needsSandbox, async () => {
  const p = tempProject({
    'cfg.js': "export const port = 80;\nif (!globalThis.CONFIG) throw new Error('CONFIG is not set');\nexport function get() { return port; }\n",
    'cfg.test.js': "import { test } from 'node:test';\nimport { get } from './cfg.js';\ntest('get', () => { get(); });\n",
  });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const { doc, findings } = await check(tool, p.root, 'cfg.js');
    assert.equal(findings.length, 1, JSON.stringify(findings));
    assert.equal(findings[0].rule, 'exec-import-failed');
    assert.equal(findings[0].message, 'Importing the module raised Error: CONFIG is not set, so its tests could not run');
    assert.equal(findings[0].range.start.line, lineOf(doc.text, 'throw new Error'));
  } finally {
    p.cleanup();
  }
});

for (const runner of ['pytest', 'unittest']) {
  test(`python (${runner}): a module that raises at import, and a test file that imports a missing name`, { skip: needsSandbox.skip || (runner === 'pytest' && !hasPytest && 'pytest is not installed for python3') }, async () => {
    const p = fixtureProject('pyshop');
    try {
      const tool = new RelatedTestsTool(ctx, { sandbox, syntax, pythonRunner: runner });
      const calc = readFileSync(join(p.root, 'shop/calc.py'), 'utf8');
      const broken = calc.replace('from .util import double', 'from .util import double\nraise RuntimeError("no database")');
      const a = await check(tool, p.root, 'shop/calc.py', broken);
      assert.deepEqual(a.findings.map((f) => `${f.rule}: ${f.message}`), ['exec-import-failed: Importing the module raised RuntimeError: no database, so its tests could not run']);
      assert.equal(a.findings[0].range.start.line, lineOf(broken, 'raise RuntimeError'));
      const renamed = calc.replace('def div(', 'def divide(');
      const b = await check(tool, p.root, 'shop/calc.py', renamed);
      assert.equal(b.findings.length, 1, JSON.stringify(b.findings));
      assert.equal(b.findings[0].rule, 'test-failed');
      assert.match(b.findings[0].message, /^Test file tests\/test_calc\.py could not be loaded: .*cannot import name 'div'/);
    } finally {
      p.cleanup();
    }
  });
}

test('vitest >= 3 runs the test files in one worker; a file failing there counts only if it fails again isolated', needsSandbox, async () => {
  // The stand-in: sharing a worker, `leaky.test.ts` sees state `other.test.ts` left behind and
  // fails; isolated it passes. `add.test.ts` fails either way (the real bug).
  const fakeVitest = [
    "import { writeFileSync, appendFileSync } from 'node:fs';",
    'const args = process.argv.slice(2);',
    "const outFile = args.find((a) => a.startsWith('--outputFile=')).slice('--outputFile='.length);",
    "const shared = args.includes('--isolate=false');",
    "const files = args.filter((a) => a.endsWith('.test.ts'));",
    "const result = (file) => { const name = file.split('/').pop();",
    "  const fails = name === 'leaky.test.ts' ? shared : name === 'add.test.ts' ? globalThis.bug : false;",
    "  return { name: file, assertionResults: [{ ancestorTitles: [], title: name.replace('.test.ts', ''), status: fails ? 'failed' : 'passed', failureMessages: fails ? ['AssertionError: expected 5 to be 4\\n    at ' + file + ':2:30'] : [] }] }; };",
    "globalThis.bug = (await import('node:fs')).readFileSync(new URL('../../src/add.ts', import.meta.url), 'utf8').includes('+ 1');",
    'writeFileSync(outFile, JSON.stringify({ testResults: files.map(result) }));',
    "console.error('ran ' + (shared ? 'shared' : 'isolated') + ': ' + files.map((f) => f.split('/').pop()).join(' '));",
  ].join('\n');
  const saved = 'export const add = (a: number, b: number) => a + b;\n';
  const p = tempProject({
    'package.json': JSON.stringify({ devDependencies: { vitest: '4.0.0' } }),
    'node_modules/vitest/vitest.mjs': fakeVitest,
    'node_modules/vitest/package.json': JSON.stringify({ name: 'vitest', version: '4.1.0' }),
    'src/add.ts': saved,
    'test/add.test.ts': "import { add } from '../src/add';\ntest('add', () => { expect(add(2, 2)).toBe(4); });\n",
    'test/leaky.test.ts': "import { add } from '../src/add';\ntest('leaky', () => { expect(add(2, 2)).toBe(4); });\n",
    'test/other.test.ts': "import { add } from '../src/add';\ntest('other', () => { expect(add(1, 1)).toBe(2); });\n",
  });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const clean = await check(tool, p.root, 'src/add.ts');
    assert.deepEqual(clean.findings, [], 'a failure caused by sharing the worker is not an error on correct code');
    assert.deepEqual(clean.records.map((r) => [r.subject, r.status]).sort(), [['add', 'passed'], ['leaky', 'passed'], ['other', 'passed']]);
    const buggy = await check(tool, p.root, 'src/add.ts', saved.replace('a + b', 'a + b + 1'));
    assert.deepEqual(summary(buggy.findings, buggy.doc.text), ['add: test-failed: Test `add` failed: expected 5 to be 4']);
  } finally {
    p.cleanup();
  }
});

test('vitest 1 gets no `--coverage.enabled=false` (it reads "false" as on), and a run without a report says why', needsSandbox, async () => {
  const fakeVitest = [
    "import { writeFileSync } from 'node:fs';",
    'const args = process.argv.slice(2);',
    "if (args.some((a) => a.startsWith('--coverage') || a.startsWith('--typecheck') || a.startsWith('--isolate'))) { console.error('Error: EROFS: read-only file system, mkdir coverage'); process.exit(1); }",
    "const outFile = args.find((a) => a.startsWith('--outputFile=')).slice('--outputFile='.length);",
    "const file = args[args.length - 1];",
    "writeFileSync(outFile, JSON.stringify({ testResults: [{ name: file, assertionResults: [{ ancestorTitles: [], title: 'adds', status: 'passed', failureMessages: [] }] }] }));",
  ].join('\n');
  const p = tempProject({
    'package.json': JSON.stringify({ devDependencies: { vitest: '^1.0.1' } }),
    'node_modules/vitest/vitest.mjs': fakeVitest,
    'node_modules/vitest/package.json': JSON.stringify({ name: 'vitest', version: '1.0.1' }),
    'src/add.ts': 'export const add = (a: number, b: number) => a + b;\n',
    'src/add.spec.ts': "import { add } from './add';\ntest('adds', () => { expect(add(2, 2)).toBe(4); });\n",
  });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const { findings, records } = await check(tool, p.root, 'src/add.ts');
    assert.deepEqual(findings, []);
    assert.deepEqual(records.map((r) => [r.subject, r.status]), [['adds', 'passed']]);
    // The same stand-in told it is vitest 4 gets the options and fails: the note quotes its last words.
    writeFileSync(join(p.root, 'node_modules/vitest/package.json'), JSON.stringify({ name: 'vitest', version: '4.1.0' }));
    const again = await check(new RelatedTestsTool(ctx, { sandbox, syntax }), p.root, 'src/add.ts');
    assert.deepEqual(again.findings.map((f) => [f.level, f.message.replace(located, '')]), [['note', "Tests in src/add.spec.ts could not run here (vitest wrote no report (exit 1): Error: EROFS: read-only file system, mkdir coverage), so they say nothing about this file"]]);
  } finally {
    p.cleanup();
  }
});

test('uvu: its suites run on node:test through an adapter, each test reported and tied through the test file\'s helpers', needsSandbox, async () => {
  // dequal's layout: `uvu -r esm test`, suites named by the variable they are bound to, and a
  // helper (`same`) between the test and the function under test. uvu itself is not installed:
  // the adapter stands for it.
  const saved = 'export function dequal(a, b) {\n  if (a instanceof RegExp && b instanceof RegExp) return a.toString() === b.toString();\n  return a === b;\n}\n';
  const p = tempProject({
    'package.json': JSON.stringify({ name: 'd', scripts: { test: 'uvu -r esm test' }, devDependencies: { uvu: '0.3.2' } }),
    'src/index.js': saved,
    'test/index.js': [
      "import { suite, test } from 'uvu';",
      "import assert from 'node:assert';",
      "import { dequal } from '../src';",
      'function same(a, b) {',
      '  assert.equal(dequal(a, b), true);',
      '}',
      "const RegExps = suite('RegExp');",
      "RegExps('RegExps', () => {",
      '  same(/foo/, /foo/);',
      '});',
      'RegExps.run();',
      "test('scalars', () => {",
      '  same(1, 1);',
      '});',
      'test.run();',
      '',
    ].join('\n'),
  });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const clean = await check(tool, p.root, 'src/index.js');
    assert.deepEqual(clean.findings, []);
    assert.deepEqual(clean.records.map((r) => [r.subject, r.unit, r.status]).sort(), [['RegExp > RegExps', 'dequal', 'passed'], ['scalars', 'dequal', 'passed']]);
    const buggy = await check(tool, p.root, 'src/index.js', saved.replace('a.toString() === b.toString()', 'a.toString() !== b.toString()'));
    assert.deepEqual(summary(buggy.findings, buggy.doc.text), ['dequal: test-failed: Test `RegExp > RegExps` failed: false == true (expected true, actual false)']);
    assert.equal(buggy.findings[0].level, 'error');
    assert.equal(buggy.findings[0].related[0].file, join(p.root, 'test/index.js'));
    assert.equal(buggy.findings[0].related[0].range.start.line, 7, 'the uvu test call');
  } finally {
    p.cleanup();
  }
});

test('node:test: a test process that dies while testing (an abort, out of memory) is an exec-crashed error, not a test file that "could not run here"', needsSandbox, async () => {
  const saved = "export function grow(n) {\n  if (n < 0) process.abort();\n  return n + 1;\n}\n";
  const p = tempProject({
    'package.json': JSON.stringify({ name: 'g', type: 'module' }),
    'grow.js': saved,
    'test/grow.test.js': "import { test } from 'node:test';\nimport assert from 'node:assert';\nimport { grow } from '../grow.js';\ntest('grows', () => { assert.equal(grow(1), 2); });\ntest('zero', () => { assert.equal(grow(0), 1); });\n",
  });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    assert.deepEqual((await check(tool, p.root, 'grow.js')).findings, []);
    const buggy = await check(tool, p.root, 'grow.js', saved.replace('n < 0', 'n < 1'));
    assert.deepEqual(buggy.findings.map((f) => [f.level, f.rule, f.message.replace(located, '')]), [['error', 'exec-crashed', 'Tests in test/grow.test.js crashed the test process (killed by SIGABRT) before they could report']]);
  } finally {
    p.cleanup();
  }
});

test('vitest\'s isolated re-run of failing files is given what is left of the budget: cut short, the shared run\'s failures stand', needsSandbox, async () => {
  // A loaded machine: the isolated re-run never finishes (jsdom starting per file).
  const fakeVitest = [
    "import { writeFileSync } from 'node:fs';",
    'const args = process.argv.slice(2);',
    "if (!args.includes('--isolate=false')) setInterval(() => {}, 1000);",
    'else {',
    "  const outFile = args.find((a) => a.startsWith('--outputFile=')).slice('--outputFile='.length);",
    "  const files = args.filter((a) => a.endsWith('.test.ts'));",
    "  writeFileSync(outFile, JSON.stringify({ testResults: files.map((file) => ({ name: file, assertionResults: [{ ancestorTitles: [], title: file.endsWith('add.test.ts') ? 'add' : 'other', status: file.endsWith('add.test.ts') ? 'failed' : 'passed', failureMessages: file.endsWith('add.test.ts') ? ['AssertionError: expected 5 to be 4\\n    at ' + file + ':2:30'] : [] }] })) }));",
    '}',
  ].join('\n');
  const p = tempProject({
    'package.json': JSON.stringify({ devDependencies: { vitest: '4.0.0' } }),
    'node_modules/vitest/vitest.mjs': fakeVitest,
    'node_modules/vitest/package.json': JSON.stringify({ name: 'vitest', version: '4.1.0' }),
    'src/add.ts': 'export const add = (a: number, b: number) => a + b + 1;\n',
    'test/add.test.ts': "import { add } from '../src/add';\ntest('add', () => { expect(add(2, 2)).toBe(4); });\n",
    'test/other.test.ts': "import { add } from '../src/add';\ntest('other', () => { expect(add(0, 0)).toBe(1); });\n",
  });
  try {
    const tool = new RelatedTestsTool(makeContext({ config: { execution: { testTimeoutMs: 8000 } } }), { sandbox, syntax });
    const { doc, findings } = await check(tool, p.root, 'src/add.ts');
    assert.deepEqual(summary(findings, doc.text), ['add: test-failed: Test `add` failed: expected 5 to be 4']);
  } finally {
    p.cleanup();
  }
});
