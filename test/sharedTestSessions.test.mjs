// One test session per check: the files of one run (prefetch) share one sandboxed session per
// project and runner, each shared test runs once, and every file gets the findings a run of its
// own would give (same tests, same attribution to functions, same load failures). Real pytest,
// unittest and node:test in real bubblewrap; runs are counted by the result events the runner
// writes, through the real sandbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { makeContext, out, repoRoot, tempProject } from './support/engine.mjs';
import { needsSandbox, realSandbox } from './support/sandbox.mjs';

const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { RelatedTestsTool } = await import(out('engine/evidence/relatedTests.js'));
const { ExecCache } = await import(out('engine/evidence/execCache.js'));
const { languageOfPath } = await import(out('engine/languages.js'));
const { interpreterIdentity } = await import(out('engine/evidence/exec/interpreterIdentity.js'));

const ctx = makeContext({ config: { execution: { testTimeoutMs: 30_000 } } });
const syntax = new SyntaxService(ctx.assets);
const sandbox = await realSandbox();
test.after(() => syntax.dispose());
const hasPytest = Boolean(sandbox && (await interpreterIdentity(sandbox, 'python', repoRoot)).pytest);
const skipPytest = needsSandbox.skip || (!hasPytest && 'pytest is not installed for python3');

/** The real sandbox, remembering every run's result (to count the runner's result events). */
function counted(real) {
  const runs = [];
  const wrapped = Object.create(real);
  wrapped.run = async (req) => {
    const res = await real.run(req);
    runs.push(res);
    return res;
  };
  return { sandbox: wrapped, runs };
}

/** How many result events for a test whose id ends with `name` the runs wrote. */
const resultsFor = (runs, name) => runs.reduce((n, r) => n + (Object.values(r.collected ?? {}).join('\n') + r.stdout).split('\n').filter((l) => l.includes('"t": "result"') && new RegExp(`"id": "[^"]*\\b${name}"`).test(l)).length, 0);

const pyProject = {
  'shop/__init__.py': '',
  'shop/alpha.py': 'def double(x):\n    return x * 2\n\n\ndef triple(x):\n    return x * 3 + 1\n',
  'shop/beta.py': 'def negate(x):\n    return -x\n',
  'shop/gamma.py': 'def square(x):\n    if x > 2:\n        return x * x + 1\n    return x * x\n',
  'tests/test_shared.py': [
    'from shop.alpha import double, triple',
    'from shop.beta import negate',
    'from shop.gamma import square',
    '',
    '',
    'def test_double():',
    '    assert double(2) == 4',
    '',
    '',
    'def test_triple():',
    '    assert triple(2) == 6',
    '',
    '',
    'def test_negate():',
    '    assert negate(3) == -3',
    '',
    '',
    'def test_square():',
    '    assert square(1) == 1',
    '    assert square(3) == 9',
    '',
  ].join('\n'),
  'tests/test_gamma.py': 'from shop.gamma import square\n\n\ndef test_square_small():\n    assert square(2) == 4\n',
  // Fails to collect (a name beta lacks): must not hide test_shared.py's results for beta.
  'tests/test_beta_more.py': 'from shop.beta import negate, missing_name\n\n\ndef test_more():\n    assert negate(0) == 0\n',
};
const pySources = ['shop/alpha.py', 'shop/beta.py', 'shop/gamma.py'];

async function docsOf(root, rels, texts = {}) {
  const docs = [];
  for (const rel of rels) {
    const path = join(root, rel);
    const text = texts[rel] ?? readFileSync(path, 'utf8');
    const language = languageOfPath(path);
    docs.push({ doc: { path, text, language, projectRoot: root }, parsed: await syntax.analyse(path, text, language) });
  }
  return docs;
}

/** Runs `tool` on every file, prefetched together or not; the outputs in file order. */
async function checkAll(tool, docs, { prefetch, signals = [] }) {
  if (prefetch) tool.prefetch(docs.map((d) => d.doc));
  return Promise.all(docs.map(({ doc, parsed }, i) => tool.run(doc, parsed, signals[i] ?? new AbortController().signal)));
}

/** What a user sees of an output: findings and evidence records, without the run's own ids. */
const visible = (o) => JSON.stringify({ findings: o.findings.map(({ fingerprint, ...f }) => f), records: o.records, discovery: o.discovery });

for (const runner of ['pytest', 'unittest']) {
  test(`python (${runner}): three files sharing a test file run it once, with the findings of separate runs`, { skip: runner === 'pytest' ? skipPytest : needsSandbox.skip }, async () => {
    const p = tempProject(pyProject);
    try {
      const docs = await docsOf(p.root, pySources);
      const alone = counted(sandbox);
      const separate = await checkAll(new RelatedTestsTool(ctx, { sandbox: alone.sandbox, syntax, pythonRunner: runner }), docs, { prefetch: false });
      const shared = counted(sandbox);
      const together = await checkAll(new RelatedTestsTool(ctx, { sandbox: shared.sandbox, syntax, pythonRunner: runner }), docs, { prefetch: true });

      const id = 'test_double';
      assert.equal(resultsFor(alone.runs, id), 3, 'run per file, the shared test runs once per file');
      assert.equal(resultsFor(shared.runs, id), 1, 'in one session it runs once');
      for (let i = 0; i < docs.length; i++) assert.equal(visible(together[i]), visible(separate[i]), `${pySources[i]}: the same findings and records`);

      // Attribution: each failure on the function it exercises, in its own file only.
      const failing = together.map((o, i) => o.findings.filter((f) => f.level === 'error' && f.message.startsWith('Test `')).map((f) => `${f.message.split(' ')[1]} ${docs[i].doc.text.split('\n')[f.range.start.line].trim()}`));
      assert.deepEqual(failing, [['`test_triple` return x * 3 + 1'], [], ['`test_square` return x * x + 1']]);
      const beta = together[1];
      assert.ok(beta.records.some((r) => r.subject.includes('test_negate') && r.status === 'passed'), 'the other test file still ran');
      assert.ok(beta.findings.some((f) => /test_beta_more\.py could not be loaded/.test(f.message)), 'the load failure is reported on beta');
      assert.ok(!together[0].findings.some((f) => /test_beta_more/.test(f.message)), 'and only on beta');
    } finally {
      p.cleanup();
    }
  });
}

test('python (pytest): files already cached are not run again, and a cancelled file does not cancel the others', { skip: skipPytest }, async () => {
  const p = tempProject(pyProject);
  try {
    const docs = await docsOf(p.root, pySources);
    const cache = new ExecCache();
    const first = counted(sandbox);
    const cancel = new AbortController();
    const signals = [cancel.signal];
    const tool = new RelatedTestsTool(ctx, { sandbox: first.sandbox, syntax, cache });
    tool.prefetch(docs.map((d) => d.doc));
    const pending = docs.map(({ doc, parsed }, i) => tool.run(doc, parsed, signals[i] ?? new AbortController().signal));
    cancel.abort();
    const [a, b, c] = await Promise.allSettled(pending);
    assert.equal(a.status, 'rejected');
    assert.equal(a.reason.name, 'AbortError');
    assert.equal(b.status, 'fulfilled');
    assert.equal(c.status, 'fulfilled');
    assert.ok(c.value.findings.some((f) => f.level === 'error'), 'gamma still got its failing test');

    const second = counted(sandbox);
    const again = new RelatedTestsTool(ctx, { sandbox: second.sandbox, syntax, cache });
    const outputs = await checkAll(again, docs.slice(1), { prefetch: true });
    assert.equal(resultsFor(second.runs, 'test_double'), 0, 'beta and gamma came from the cache');
    assert.equal(visible(outputs[1]), visible(c.value));
  } finally {
    p.cleanup();
  }
});

test('python (pytest): a hang in the shared session: files whose tests all ran keep their results, the others run alone', { skip: skipPytest }, async () => {
  const slow = makeContext({ config: { execution: { testTimeoutMs: 15_000 } } });
  const p = tempProject({ ...pyProject, 'tests/test_gamma.py': 'from shop.gamma import square\n\n\ndef test_square_forever():\n    while square(2) == 4:\n        pass\n' });
  try {
    const docs = await docsOf(p.root, pySources);
    const separate = await checkAll(new RelatedTestsTool(slow, { sandbox, syntax }), docs, { prefetch: false });
    const shared = counted(sandbox);
    const together = await checkAll(new RelatedTestsTool(slow, { sandbox: shared.sandbox, syntax }), docs, { prefetch: true });
    // Once in the session; alpha and beta are not run again, and gamma's own run hangs in test_gamma.py first.
    assert.equal(resultsFor(shared.runs, 'test_double'), 1);
    assert.equal(shared.runs.filter((r) => r.limitHit === 'timeout').length, 2, 'the session, then gamma alone');
    for (let i = 0; i < docs.length; i++) assert.equal(visible(together[i]), visible(separate[i]), pySources[i]);
    assert.ok(together[2].findings.some((f) => f.rule === 'exec-timeout' && /test_square_forever/.test(f.message)), 'the hang is gamma\'s');
    assert.ok(!together[0].findings.some((f) => f.rule === 'exec-timeout'), 'and not alpha\'s');
  } finally {
    p.cleanup();
  }
});

const pluginTests = {
  'calc.py': 'def add(a, b):\n    return a + b\n',
  // Passes only when no unrelated installed plugin was loaded.
  'test_calc.py': [
    'from calc import add',
    '',
    '',
    'def test_add():',
    '    assert add(1, 2) == 3',
    '',
    '',
    'def test_only_needed_plugins(pytestconfig):',
    '    loaded = sorted(n for n in ("benchmark", "hypothesispytest") if pytestconfig.pluginmanager.hasplugin(n))',
    '    assert loaded == EXPECTED',
    '',
  ].join('\n'),
};

test('python (pytest): installed plugins the project does not declare are not loaded; declared ones are, and a missing fixture loads them all', { skip: skipPytest }, async (t) => {
  const installed = JSON.parse(
    (await sandbox.run({ interpreter: 'python', args: ['-c', 'import importlib.metadata as m, json; print(json.dumps(sorted({e.name for d in m.distributions() for e in d.entry_points if e.group == "pytest11"})))'], projectRoot: repoRoot, files: {}, timeoutMs: 20_000 })).stdout,
  );
  if (!installed.includes('benchmark')) return t.skip('pytest-benchmark is not installed for python3 (python3 -m pip install pytest-benchmark)');
  const cases = [
    { name: 'declares nothing', files: {}, expected: [] },
    { name: 'declares pytest-benchmark as a test extra', files: { 'pyproject.toml': '[project]\nname = "calc"\n[project.optional-dependencies]\ntest = ["pytest", "pytest_benchmark>=4"]\n' }, expected: ['benchmark'] },
    { name: 'lists it in requirements-dev.txt', files: { 'requirements-dev.txt': 'pytest-benchmark==5.2.3\n' }, expected: ['benchmark'] },
  ];
  for (const c of cases) {
    const p = tempProject({ ...pluginTests, ...c.files, 'test_calc.py': pluginTests['test_calc.py'].replace('EXPECTED', JSON.stringify(c.expected)) });
    try {
      const [{ doc, parsed }] = await docsOf(p.root, ['calc.py']);
      const outp = await new RelatedTestsTool(ctx, { sandbox, syntax }).run(doc, parsed, new AbortController().signal);
      assert.deepEqual(outp.findings, [], `${c.name}: ${outp.findings.map((f) => f.message).join('; ')}`);
      assert.equal(outp.records.filter((r) => r.status === 'passed').length, 2, c.name);
    } finally {
      p.cleanup();
    }
  }
  // A test that needs an undeclared plugin's fixture still passes: the run is repeated with every plugin.
  const p = tempProject({ 'calc.py': pluginTests['calc.py'], 'test_calc.py': 'from calc import add\n\n\ndef test_fast(benchmark):\n    assert benchmark(add, 1, 2) == 3\n' });
  try {
    const [{ doc, parsed }] = await docsOf(p.root, ['calc.py']);
    const outp = await new RelatedTestsTool(ctx, { sandbox, syntax }).run(doc, parsed, new AbortController().signal);
    assert.deepEqual(outp.findings, []);
    assert.deepEqual(outp.records.map((r) => [r.subject, r.status]), [['test_fast', 'passed']]);
  } finally {
    p.cleanup();
  }
});

test('python (pytest): a plugin owning an option of the project\'s pytest configuration is loaded (asyncio_mode → pytest-asyncio)', { skip: skipPytest }, async () => {
  // A real installed distribution with a pytest11 entry point, found on sys.path in the project.
  const plugin = {
    'calc.py': 'def add(a, b):\n    return a + b\n',
    'critic_fakeplug.py': 'import pytest\n\n\ndef pytest_addoption(parser):\n    parser.addini("fakeplug_mode", "how the fake plugin runs")\n\n\n@pytest.fixture\ndef fakeplug():\n    return 7\n',
    'critic_fakeplug-1.0.dist-info/METADATA': 'Metadata-Version: 2.1\nName: critic-fakeplug\nVersion: 1.0\n',
    'critic_fakeplug-1.0.dist-info/entry_points.txt': '[pytest11]\nfakeplug = critic_fakeplug\n',
    'test_calc.py': 'from calc import add\n\n\ndef test_add(pytestconfig):\n    assert add(1, 2) == 3\n    assert pytestconfig.pluginmanager.hasplugin("fakeplug") == HAS\n',
  };
  for (const [ini, has] of [['[pytest]\nfakeplug_mode = strict\n', 'True'], ['[pytest]\n', 'False']]) {
    const p = tempProject({ ...plugin, 'pytest.ini': ini, 'test_calc.py': plugin['test_calc.py'].replace('HAS', has) });
    try {
      const [{ doc, parsed }] = await docsOf(p.root, ['calc.py']);
      const outp = await new RelatedTestsTool(ctx, { sandbox, syntax }).run(doc, parsed, new AbortController().signal);
      assert.deepEqual(outp.findings.map((f) => f.message), [], ini);
      assert.deepEqual(outp.records.map((r) => r.status), ['passed'], ini);
    } finally {
      p.cleanup();
    }
  }
});

test('typescript (node:test): two files sharing a test file run in one session with the findings of separate runs', needsSandbox, async () => {
  const p = tempProject({
    'package.json': '{"type":"module"}',
    'src/a.ts': 'export function inc(x: number): number {\n  return x + 2;\n}\n',
    'src/b.ts': 'export function dec(x: number): number {\n  return x - 1;\n}\n',
    'test/both.test.ts': "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\nimport { inc } from '../src/a.ts';\nimport { dec } from '../src/b.ts';\n\ntest('inc', () => {\n  assert.equal(inc(1), 2);\n});\n\ntest('dec', () => {\n  assert.equal(dec(1), 0);\n});\n",
  });
  try {
    const rels = ['src/a.ts', 'src/b.ts'];
    const docs = await docsOf(p.root, rels);
    const alone = counted(sandbox);
    const separate = await checkAll(new RelatedTestsTool(ctx, { sandbox: alone.sandbox, syntax }), docs, { prefetch: false });
    const shared = counted(sandbox);
    const together = await checkAll(new RelatedTestsTool(ctx, { sandbox: shared.sandbox, syntax }), docs, { prefetch: true });
    const sessions = (runs) => runs.filter((r) => /"t":"end","runner":"node:test"/.test(Object.values(r.collected ?? {}).join('\n') + r.stdout)).length;
    assert.equal(sessions(alone.runs), 2);
    assert.equal(sessions(shared.runs), 1);
    for (let i = 0; i < docs.length; i++) assert.equal(visible(together[i]), visible(separate[i]), rels[i]);
    const errors = (o) => o.findings.filter((f) => f.level === 'error').map((f) => f.message.split(':')[0]);
    assert.deepEqual(errors(together[0]), ['Test `inc` failed']);
    assert.deepEqual(errors(together[1]), []);
    // The session runs every file's text under critique, saved or not.
    const unsaved = await docsOf(p.root, rels, { 'src/b.ts': 'export function dec(x: number): number {\n  return x - 3;\n}\n' });
    const edited = await checkAll(new RelatedTestsTool(ctx, { sandbox, syntax }), unsaved, { prefetch: true });
    assert.deepEqual(errors(edited[1]), ['Test `dec` failed']);
  } finally {
    p.cleanup();
  }
});
