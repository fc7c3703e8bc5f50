// Mocha and ava projects run with the project's own runner, in the real sandbox: its configuration
// is honoured, a failing test lands on the function it exercises, a test file that fails to load
// does not hide the others, and a project without the runner installed gets one notice naming the fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { makeContext, out, repoRoot, tempProject } from './support/engine.mjs';
import { needsSandbox, realSandbox } from './support/sandbox.mjs';
import { located, toolChecker, unitOf } from './support/exec.mjs';

const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { RelatedTestsTool } = await import(out('engine/evidence/relatedTests.js'));

const execution = { testTimeoutMs: 60_000 };
const ctx = makeContext({ config: { execution } });
const syntax = new SyntaxService(ctx.assets);
const sandbox = await realSandbox(execution);
test.after(() => syntax.dispose());
const check = toolChecker(syntax);
const summary = (findings, text) => findings.map((f) => `${f.level} ${unitOf(f, text) || '<module>'}: ${f.rule}: ${f.message.replace(located, '')}`).sort();

/**
 * A folder whose node_modules holds Critic's own mocha (11) and what it needs, hard-linked (the
 * sandbox sees only the project, so a symlink out of it would not do). `bin` renames its entry.
 */
function withMocha(bin = 'mocha.js') {
  const root = tempProject({}, 'critic-mocha-').root;
  const modules = join(repoRoot, 'node_modules');
  const top = new Set();
  const seen = new Set();
  const visit = (dir) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const rel = relative(modules, dir).split('/');
    top.add(rel[0].startsWith('@') ? `${rel[0]}/${rel[1]}` : rel[0]);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const name of Object.keys(manifest.dependencies ?? {})) {
      for (let d = dir; d.startsWith(repoRoot); d = dirname(d)) {
        const at = join(d, 'node_modules', name);
        if (existsSync(join(at, 'package.json'))) {
          visit(realpathSync(at));
          break;
        }
      }
    }
  };
  visit(realpathSync(join(modules, 'mocha')));
  for (const name of top) {
    mkdirSync(dirname(join(root, 'node_modules', name)), { recursive: true });
    execFileSync('cp', ['-al', join(modules, name), join(root, 'node_modules', name)]);
  }
  if (bin !== 'mocha.js') renameSync(join(root, 'node_modules/mocha/bin/mocha.js'), join(root, 'node_modules/mocha/bin', bin));
  return root;
}

const shared = needsSandbox.skip ? undefined : withMocha();
test.after(() => shared && execFileSync('rm', ['-rf', shared]));
let n = 0;
/** A package in its own folder under the shared root (mocha is hoisted above it, as in a workspace). */
function mochaPackage(files, root = shared) {
  const dir = `p${n++}`;
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, dir, rel)), { recursive: true });
    execFileSync('tee', [join(root, dir, rel)], { input: text, stdio: ['pipe', 'ignore', 'inherit'] });
  }
  return { root, dir };
}

const calc = 'function add(a, b) {\n  return a + b;\n}\n\nfunction mul(a, b) {\n  return a * b;\n}\n\nmodule.exports = { add, mul };\n';
const manifest = JSON.stringify({ name: 'calc', devDependencies: { mocha: '11.8.0' }, scripts: { test: 'mocha' } });
const calcTests = {
  'package.json': manifest,
  'calc.js': calc,
  'test/add.js': "const assert = require('node:assert');\nconst { add } = require('../calc');\ndescribe('add', () => {\n  it('adds', () => {\n    assert.strictEqual(add(2, 3), 5);\n  });\n  it('adds negatives', () => {\n    assert.strictEqual(add(-2, -3), -5);\n  });\n});\n",
  'test/mul.js': "const assert = require('node:assert');\nconst { mul } = require('../calc');\ndescribe('mul', () => {\n  it('multiplies', () => {\n    assert.strictEqual(mul(2, 3), 6);\n  });\n});\n",
};

test('mocha: correct code passes its tests with no findings', needsSandbox, async () => {
  const { root, dir } = mochaPackage(calcTests);
  const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
  const { findings, records } = await check(tool, root, `${dir}/calc.js`);
  assert.deepEqual(findings, []);
  assert.deepEqual(records.map((r) => `${r.status} ${r.unit} ${r.subject}`).sort(), ['passed add add > adds', 'passed add add > adds negatives', 'passed mul mul > multiplies']);
});

test('mocha: a broken function fails its test, reported on that function with the expected and actual values', needsSandbox, async () => {
  const { root, dir } = mochaPackage(calcTests);
  const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
  // The unsaved text holds the bug: mocha loads the file from disk, so it sees the text mounted over it.
  const { doc, findings } = await check(tool, root, `${dir}/calc.js`, calc.replace('a * b', 'a * b + 1'));
  assert.deepEqual(summary(findings, doc.text), ['error mul: test-failed: Test `mul > multiplies` failed: Expected values to be strictly equal (expected 6, actual 7)']);
  assert.equal(readFileSync(join(root, dir, 'calc.js'), 'utf8'), calc);
});

test('mocha: a test file that fails to load does not hide the other files, and a module that throws on load is an import failure on its line', needsSandbox, async () => {
  const { root, dir } = mochaPackage({
    ...calcTests,
    'test/broken.js': "const { add } = require('../calc');\nrequire('./missing-helper');\ndescribe('broken', () => { it('never runs', () => {}); });\n",
  });
  const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
  const { doc, findings, records } = await check(tool, root, `${dir}/calc.js`, calc.replace('a + b', '(a + b) * 2'));
  const lines = summary(findings, doc.text);
  assert.equal(lines.length, 3, lines.join('\n'));
  assert.match(lines[0], /^error add: test-failed: Test `add > adds negatives` failed/);
  assert.match(lines[1], /^error add: test-failed: Test `add > adds` failed/);
  assert.match(lines[2], /^note .*: test-load-failed: Tests in p\d+\/test\/broken\.js could not run here \(Error: Cannot find module '\.\/missing-helper'/);
  assert.ok(records.some((r) => r.status === 'passed' && r.subject === 'mul > multiplies'));
  const thrown = calc.replace('module.exports', "throw new TypeError('boom');\nmodule.exports");
  const again = await check(tool, root, `${dir}/calc.js`, thrown);
  assert.deepEqual(again.findings.map((f) => [f.rule, f.range.start.line]).sort(), [['exec-import-failed', 8]]);
  assert.match(again.findings[0].message, /^Importing the module raised TypeError: boom/);
});

test('mocha: the project\'s .mocharc (require, spec, timeout) and its test script options are honoured', needsSandbox, async () => {
  const { root, dir } = mochaPackage({
    'package.json': JSON.stringify({ name: 'rc', devDependencies: { mocha: '11.8.0' }, scripts: { test: 'mocha --check-leaks --ui tdd' } }),
    '.mocharc.json': JSON.stringify({ require: ['./setup.js'], spec: ['spec/**/*.spec.js'], timeout: 5000 }),
    'setup.js': 'globalThis.UNIT = 10;\n',
    'lib/scale.js': 'exports.scale = (x) => x * globalThis.UNIT;\n',
    'spec/scale.spec.js': "const assert = require('node:assert');\nconst { scale } = require('../lib/scale');\nsuite('scale', () => {\n  test('by the unit', function () {\n    assert.strictEqual(this.timeout(), 5000);\n    assert.strictEqual(scale(3), 30);\n  });\n});\n",
    'spec/other.spec.js': "suite('other', () => { test('unrelated', () => { throw new Error('must not run'); }); });\n",
  });
  const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
  const { findings, records } = await check(tool, root, `${dir}/lib/scale.js`);
  assert.deepEqual(findings, []);
  assert.deepEqual(records.map((r) => `${r.status} ${r.subject}`), ['passed scale > by the unit']);
});

test('mocha <= 9 (bin/mocha, no .js) runs the same way', needsSandbox, async (t) => {
  const old = withMocha('mocha');
  t.after(() => execFileSync('rm', ['-rf', old]));
  const { root, dir } = mochaPackage(calcTests, old);
  const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
  const { doc, findings } = await check(tool, root, `${dir}/calc.js`, calc.replace('a + b', 'a - b'));
  assert.deepEqual(summary(findings, doc.text), ['error add: test-failed: Test `add > adds negatives` failed: Expected values to be strictly equal (expected -5, actual 1)', 'error add: test-failed: Test `add > adds` failed: Expected values to be strictly equal (expected 5, actual -1)']);
});

test('mocha: a test that hangs is reported on the test that was running', needsSandbox, async () => {
  const quick = makeContext({ config: { execution: { testTimeoutMs: 8_000 } } });
  const { root, dir } = mochaPackage({
    ...calcTests,
    '.mocharc.json': JSON.stringify({ timeout: 0 }),
    'calc.js': calc.replace('return a * b;', 'while (b) {}\n  return a * b;'),
  });
  const tool = new RelatedTestsTool(quick, { sandbox, syntax });
  const { doc, findings } = await check(tool, root, `${dir}/calc.js`);
  assert.deepEqual(summary(findings, doc.text), ['error mul: exec-timeout: Test `mul > multiplies` did not finish within 8 s (possible infinite loop)']);
});

test('mocha not installed: one notice naming npm install', async () => {
  const p = tempProject({ 'package.json': manifest, 'calc.js': calc, 'test/add.js': calcTests['test/add.js'] });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    await assert.rejects(check(tool, p.root, 'calc.js'), { name: 'ToolUnavailableError', message: /use mocha, which is not installed in node_modules: run `npm install`/ });
  } finally {
    p.cleanup();
  }
});

test('mocha: the test files are found where its command line, rc file and package.json say', async () => {
  const { jsTestConfigFor } = await import(out('engine/evidence/exec/jsTestConfig.js'));
  const p = tempProject({
    'package.json': JSON.stringify({ devDependencies: { mocha: '9' }, scripts: { test: "nyc mocha --recursive --extension ts --timeout 5000 src 'e2e/*.e2e.js'" }, mocha: { spec: './more/*.check.js' } }),
  });
  try {
    const cfg = await jsTestConfigFor(join(p.root, 'src/a.ts'), p.root, ctx.fs);
    assert.equal(cfg.runner, 'mocha');
    assert.deepEqual(cfg.include, ['src/**/*.{js,cjs,mjs,ts}', 'e2e/*.e2e.js', 'more/*.check.js']);
  } finally {
    p.cleanup();
  }
});

test('mocha: per-test line coverage puts a failure reached through a wrapper on the function that is wrong', needsSandbox, async () => {
  const text = `${calc.replace('module.exports = { add, mul };', "function apply(op, a, b) {\n  return op === 'add' ? add(a, b) : mul(a, b);\n}\n\nmodule.exports = { add, mul, apply };")}`;
  const { root, dir } = mochaPackage({
    'package.json': manifest,
    'calc.js': text,
    'test/apply.js': "const assert = require('node:assert');\nconst { apply } = require('../calc');\nit('applies add', () => assert.strictEqual(apply('add', 2, 3), 5));\nit('applies add again', () => assert.strictEqual(apply('add', 1, 1), 2));\nit('applies mul', () => assert.strictEqual(apply('mul', 2, 3), 6));\n",
  });
  const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
  const { doc, findings } = await check(tool, root, `${dir}/calc.js`, text.replace('a * b', 'a * b + 1'));
  assert.deepEqual(findings.map((f) => [unitOf(f, doc.text), f.range.start.line]), [['mul', 5]]);
  assert.match(findings[0].message, /reached through `apply`, which the test calls/);
});

test('mocha: Node options from the configuration start Node again with them, and ES module tests run', needsSandbox, async () => {
  const { root, dir } = mochaPackage({
    'package.json': JSON.stringify({ name: 'esm', type: 'module', devDependencies: { mocha: '11.8.0' }, scripts: { test: 'mocha' }, mocha: { 'node-option': ['expose-gc'] } }),
    'lib.js': 'export const twice = (x) => x * 2;\n',
    'test/lib.test.js': "import assert from 'node:assert';\nimport { twice } from '../lib.js';\ndescribe('twice', () => {\n  it('doubles with gc exposed', () => {\n    assert.strictEqual(typeof globalThis.gc, 'function');\n    assert.strictEqual(twice(4), 8);\n  });\n});\n",
  });
  const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
  const { findings, records } = await check(tool, root, `${dir}/lib.js`);
  assert.deepEqual(findings, []);
  assert.deepEqual(records.map((r) => `${r.status} ${r.subject}`), ['passed twice > doubles with gc exposed']);
  const broken = await check(tool, root, `${dir}/lib.js`, 'export const twice = (x) => x * 3;\n');
  assert.deepEqual(broken.findings.map((f) => `${f.rule} ${f.range.start.line}`), ['test-failed 0']);
});

test('mocha: the files of one check share one mocha session, each with the findings of a run of its own', needsSandbox, async () => {
  const { root, dir } = mochaPackage({
    'package.json': manifest,
    'add.js': 'function add(a, b) {\n  return a + b;\n}\nexports.add = add;\n',
    'mul.js': 'function mul(a, b) {\n  return a * b + 1;\n}\nexports.mul = mul;\n',
    'test/both.js': "const assert = require('node:assert');\nconst { add } = require('../add');\nconst { mul } = require('../mul');\nit('adds', () => assert.strictEqual(add(2, 3), 5));\nit('multiplies', () => assert.strictEqual(mul(2, 3), 6));\n",
  });
  const docs = [];
  for (const rel of ['add.js', 'mul.js']) {
    const path = join(root, dir, rel);
    const text = readFileSync(path, 'utf8');
    docs.push({ doc: { path, text, language: 'javascript', projectRoot: root }, parsed: await syntax.analyse(path, text, 'javascript') });
  }
  const counting = () => {
    const runs = [];
    const wrapped = Object.create(sandbox);
    wrapped.run = (req) => {
      if (req.args.includes('critic_mocha.cjs')) runs.push(JSON.parse(req.files['critic_config.json']).files.length);
      return sandbox.run(req);
    };
    return { wrapped, runs };
  };
  const visible = (o) => JSON.stringify({ findings: o.findings.map(({ fingerprint, ...f }) => f), records: o.records });
  const alone = counting();
  const aloneTool = new RelatedTestsTool(ctx, { sandbox: alone.wrapped, syntax });
  const separate = [];
  for (const { doc, parsed } of docs) separate.push(await aloneTool.run(doc, parsed, new AbortController().signal));
  const together = counting();
  const tool = new RelatedTestsTool(ctx, { sandbox: together.wrapped, syntax });
  tool.prefetch(docs.map((d) => d.doc));
  const shared = await Promise.all(docs.map(({ doc, parsed }) => tool.run(doc, parsed, new AbortController().signal)));
  assert.deepEqual(alone.runs, [1, 1]);
  assert.deepEqual(together.runs, [1]);
  for (let i = 0; i < docs.length; i++) assert.equal(visible(shared[i]), visible(separate[i]));
  assert.deepEqual(shared.map((o) => o.findings.map((f) => `${f.level} ${f.message.split(':')[0]}`)), [['note Test `multiplies` failed'], ['error Test `multiplies` failed']]);
});

// A stand-in for ava 6 (Critic does not depend on ava; the real one was checked by hand): it loads
// the --config file it is given and, like ava in a read-only project, fails every file when that
// config leaves the cache on; else it runs the files in order and prints TAP the way ava's reporter
// does (titles prefixed with their file when there are several, load errors as crashes).
const fakeAva = {
  'node_modules/ava/package.json': JSON.stringify({ name: 'ava', version: '6.4.1', type: 'module', exports: { '.': './index.js' } }),
  'node_modules/ava/index.js': "const tests = (globalThis.__avaTests ??= []);\nexport default function test(title, fn) {\n  tests.push({ title, fn, file: globalThis.__avaFile });\n}\ntest.skip = (title) => tests.push({ title, skip: true, file: globalThis.__avaFile });\n",
  'node_modules/ava/entrypoints/cli.mjs': [
    "import path from 'node:path';",
    "import { pathToFileURL } from 'node:url';",
    'const args = process.argv.slice(2);',
    "const at = args.indexOf('--config');",
    "if (!args.includes('--tap') || at < 0) { console.error('unexpected arguments ' + args.join(' ')); process.exit(2); }",
    'const conf = await (await import(pathToFileURL(args[at + 1]).href)).default({ projectDir: process.cwd() });',
    "const files = args.filter((a, i) => !a.startsWith('--') && i !== at + 1);",
    "console.log('TAP version 13');",
    'let n = 0;',
    "if (conf.cache !== false) { for (const f of files) console.log('not ok ' + ++n + \" - Error: ENOENT: no such file or directory, mkdir 'node_modules/.cache/ava'\"); process.exit(1); }",
    "const where = (e) => (String(e.stack).split('\\n').find((l) => /file:|\\//.test(l) && !l.includes('node_modules')) || '').trim().replace(/^at /, '');",
    "const tests = (globalThis.__avaTests ??= []);",
    'for (const file of files) {',
    "  const prefix = files.length > 1 ? path.basename(file).replace('.test.js', '') + ' \\u203a ' : '';",
    '  globalThis.__avaFile = file;',
    '  const from = tests.length;',
    '  try {',
    '    await import(pathToFileURL(path.resolve(file)).href);',
    '  } catch (e) {',
    "    console.log('not ok ' + ++n + ' - ' + e.name + ': ' + e.message + \"\\n  ---\\n    name: \" + e.name + \"\\n    at: '\" + where(e) + \"'\\n  ...\");",
    "    console.log('not ok ' + ++n + ' - ' + path.relative(process.cwd(), file) + ' exited with a non-zero exit code: 1');",
    '    continue;',
    '  }',
    '  for (const x of tests.slice(from)) {',
    "    if (x.skip) { console.log('ok ' + ++n + ' - ' + prefix + x.title + ' # SKIP'); continue; }",
    "    const t = { pass() {}, is(a, b) { if (a !== b) throw Object.assign(new Error(''), { name: 'AssertionError', actual: a, expected: b }); } };",
    '    try {',
    '      await x.fn(t);',
    "      console.log('ok ' + ++n + ' - ' + prefix + x.title);",
    '    } catch (e) {',
    "      console.log('not ok ' + ++n + ' - ' + prefix + x.title + \"\\n  ---\\n    name: AssertionError\\n    assertion: t.is()\\n    details:\\n      'Difference (- actual, + expected):': |-\\n        - \" + e.actual + '\\n        + ' + e.expected + \"\\n    message: ''\\n    at: >-\\n      \" + where(e) + '\\n  ...');",
    '    }',
    '  }',
    '}',
    "console.log('\\n1..' + n);",
  ].join('\n'),
};
const avaLib = 'export function add(a, b) {\n  return a + b;\n}\n\nexport function mul(a, b) {\n  return a * b;\n}\n';
const avaProject = {
  ...fakeAva,
  'package.json': JSON.stringify({ name: 'a', type: 'module', devDependencies: { ava: '6.4.1' }, scripts: { test: 'ava' } }),
  'lib.js': avaLib,
  'test/lib.test.js': "import test from 'ava';\nimport { add, mul } from '../lib.js';\ntest('adds', (t) => {\n  t.is(add(2, 3), 5);\n});\ntest('multiplies', (t) => {\n  t.is(mul(2, 3), 6);\n});\ntest.skip('later', () => {});\n",
  'test/more.test.js': "import test from 'ava';\nimport { add } from '../lib.js';\ntest('adds more', (t) => {\n  t.is(add(1, 1), 2);\n});\n",
  'test/broken.test.js': "import test from 'ava';\nimport { add } from '../lib.js';\nimport './missing.js';\ntest('never', (t) => t.pass());\n",
};

test('ava: the project\'s own ava runs with its cache off; failures land on their function and a file that fails to load hides nothing', needsSandbox, async () => {
  const p = tempProject(avaProject);
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const correct = await check(tool, p.root, 'lib.js');
    const notes = summary(correct.findings, correct.doc.text);
    assert.equal(notes.length, 1, notes.join('\n'));
    assert.match(notes[0], /^note .*: test-load-failed: Tests in test\/broken\.test\.js could not run here \(Error: Cannot find module '.*\/test\/missing\.js'/);
    assert.deepEqual(correct.records.map((r) => `${r.status} ${r.subject}`).sort(), ['passed adds', 'passed adds more', 'passed multiplies']);
    const broken = await check(tool, p.root, 'lib.js', avaLib.replace('a * b', 'a * b + 1'));
    assert.deepEqual(summary(broken.findings, broken.doc.text).filter((l) => l.startsWith('error')), ['error mul: test-failed: Test `multiplies` failed: t.is() failed (expected 6, actual 7)']);
    const thrown = await check(tool, p.root, 'lib.js', avaLib.replace('export function mul', "throw new TypeError('boom');\nexport function mul"));
    assert.deepEqual(thrown.findings.filter((f) => f.level === 'error').map((f) => [f.rule, f.range.start.line]), [['exec-import-failed', 4]]);
  } finally {
    p.cleanup();
  }
});

test('ava not installed, or older than 4: one notice naming what to do', async () => {
  const p = tempProject({ 'package.json': avaProject['package.json'], 'lib.js': avaLib, 'test/lib.test.js': avaProject['test/lib.test.js'] });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    await assert.rejects(check(tool, p.root, 'lib.js'), { name: 'ToolUnavailableError', message: /use ava, which is not installed in node_modules: run `npm install`/ });
    execFileSync('mkdir', ['-p', join(p.root, 'node_modules/ava')]);
    execFileSync('tee', [join(p.root, 'node_modules/ava/package.json')], { input: JSON.stringify({ name: 'ava', version: '3.15.0' }), stdio: ['pipe', 'ignore', 'inherit'] });
    await assert.rejects(check(tool, p.root, 'lib.js'), { name: 'ToolUnavailableError', message: /use ava 3\.15\.0, and Critic runs ava 4 and later: run them with `npx ava test\/lib\.test\.js`/ });
  } finally {
    p.cleanup();
  }
});
