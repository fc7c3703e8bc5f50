// A fully cached check must cost little more than no execution at all, yet a cached result must
// still be dropped when anything it depends on changes. Cheap checks: a file's stat signature
// stands for its content (an edit that keeps the size and even restores the mtime still shows in
// its ctime), and a cached related-tests result skips test discovery while what discovery read is
// unchanged (test files, conftest, folder listings). Real pytest in real bubblewrap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeContext, out, repoRoot, tempProject } from './support/engine.mjs';
import { needsSandbox, realSandbox } from './support/sandbox.mjs';

const { fingerprintReads, fingerprintPlanReads, readsUnchanged, recordingFs, ReadChecks } = await import(out('engine/evidence/readSet.js'));
const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { RelatedTestsTool } = await import(out('engine/evidence/relatedTests.js'));
const { ExecCache } = await import(out('engine/evidence/execCache.js'));
const { interpreterIdentity } = await import(out('engine/evidence/exec/interpreterIdentity.js'));
const { nodeFs } = await import(out('engine/nodePorts.js'));

test('a stat signature stands for unchanged content, but an edit that keeps size and mtime is still seen', async (t) => {
  const p = tempProject({ 'a.py': 'X = 1\n' });
  t.after(p.cleanup);
  const fresh = await fingerprintReads([join(p.root, 'a.py')], p.root);
  assert.equal(fresh[0].length, 2, 'a file changed just now records no signature: it is hashed every time');
  // Fingerprinted a minute later (a moved clock, no sleep): the file is old enough for its stat to vouch for it.
  const reads = await fingerprintReads([join(p.root, 'a.py')], p.root, new ReadChecks(() => Date.now() + 60_000));
  assert.equal(reads[0].length, 3, 'an old file records its signature');
  assert.equal(await readsUnchanged(reads), true);

  const before = statSync(join(p.root, 'a.py'));
  writeFileSync(join(p.root, 'a.py'), 'X = 2\n');
  utimesSync(join(p.root, 'a.py'), before.atime, before.mtime);
  assert.equal(statSync(join(p.root, 'a.py')).size, before.size);
  assert.equal(await readsUnchanged(reads), false, 'same size, same mtime, other content: stale');

  writeFileSync(join(p.root, 'a.py'), 'X = 1\n');
  assert.equal(await readsUnchanged(reads), true, 'rewritten with the old content (a touch): unchanged by its hash');
});

test('entries sharing a long read set store it once; a change in it makes every one of them stale, and a damaged copy is a miss', async (t) => {
  const files = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`m${i}.py`, `X = ${i}\n`]));
  const p = tempProject(files);
  t.after(p.cleanup);
  const dir = join(p.root, '.cache');
  const reads = await fingerprintReads(Object.keys(files).map((f) => join(p.root, f)), p.root);
  const writer = new ExecCache({ dir });
  await writer.set('a', { findings: [{ message: 'from a' }] }, reads);
  await writer.set('b', { findings: [{ message: 'from b' }] }, reads);
  const stored = readdirSync(dir);
  assert.equal(stored.filter((f) => f.startsWith('reads-')).length, 1, `one copy of the read set: ${stored.join(', ')}`);
  assert.ok(!readFileSync(join(dir, stored.find((f) => !f.startsWith('reads-'))), 'utf8').includes('m7.py'), 'the entries name it instead of repeating it');

  const reader = new ExecCache({ dir });
  assert.equal((await reader.get('a')).findings[0].message, 'from a');
  assert.equal((await reader.get('b')).findings[0].message, 'from b');

  writeFileSync(join(p.root, 'm7.py'), 'X = 70\n');
  const after = new ExecCache({ dir });
  const checks = new ReadChecks();
  assert.equal(await after.get('a', checks), undefined, 'a file of the shared read set changed: stale');
  assert.equal(await after.get('b', checks), undefined, 'stale for the other entry too, in the same check');

  writeFileSync(join(p.root, 'm7.py'), 'X = 7\n');
  const name = readdirSync(dir).find((f) => f.startsWith('reads-'));
  writeFileSync(join(dir, name), readFileSync(join(dir, name), 'utf8').replace('m7.py', 'm8.py'));
  assert.equal(await new ExecCache({ dir }).get('a'), undefined, 'a read set whose content does not match its name is not trusted');
});

test("planning's reads: absent candidates are vouched for by their folder's listing, and a file changed after planning read it is not linked", async (t) => {
  const p = tempProject({ 'pkg/__init__.py': '', 'pkg/mod.py': 'X = 1\n', 'tests/test_mod.py': 'import pkg.mod\n' });
  t.after(p.cleanup);
  const rec = recordingFs(nodeFs);
  for (const rel of ['tests/test_other.py', 'tests/sub/test_deep.py', 'pkg/tests/test_mod.py']) assert.equal(await rec.fs.exists(join(p.root, rel)), false);
  await rec.fs.readFile(join(p.root, 'tests/test_mod.py'));
  await rec.fs.readdir(join(p.root, 'tests'));
  const reads = await fingerprintPlanReads(rec.seen, p.root);
  const paths = reads.map((r) => r[0].slice(p.root.length));
  assert.deepEqual(paths, ['/pkg/', '/tests/', '/tests/test_mod.py'], 'three absent paths stand as the listings of their nearest folders');
  const checks = new ReadChecks();
  assert.equal(await readsUnchanged(reads, checks), true);
  writeFileSync(join(p.root, 'tests/sub_placeholder.txt'), '');
  assert.equal(await readsUnchanged(reads), false, 'a new name in a listed folder is a change');

  // Read, then changed before the plan was linked: the old text made the key, so no link.
  const rec2 = recordingFs(nodeFs);
  await rec2.fs.readFile(join(p.root, 'pkg/mod.py'));
  writeFileSync(join(p.root, 'pkg/mod.py'), 'X = 2\n');
  assert.equal(await fingerprintPlanReads(rec2.seen, p.root), undefined);
  // Outside the project: not covered by a read set, so never linked.
  const rec3 = recordingFs(nodeFs);
  await rec3.fs.exists(join(repoRoot, 'package.json'));
  assert.equal(await fingerprintPlanReads(rec3.seen, p.root), undefined);
});

test('planning many files together: thousands of absent candidates still make a small linkable read set', async (t) => {
  // A check of 200 modules planned together records ~40 observations per module (candidate test
  // names, module paths per sys.path folder): 7,851 for the bench package. They were over the
  // 5,000 limit, so no file was ever linked and every cached check ran discovery again (+6 s).
  const p = tempProject({ 'pkg/__init__.py': '', 'tests/test_a.py': 'import pkg\n' });
  t.after(p.cleanup);
  const rec = recordingFs(nodeFs);
  for (let i = 0; i < 8000; i++) await rec.fs.exists(join(p.root, i % 2 ? 'tests' : 'pkg', `candidate_${i}.py`));
  await rec.fs.readFile(join(p.root, 'tests/test_a.py'));
  const reads = await fingerprintPlanReads(rec.seen, p.root);
  assert.ok(reads, 'the plan is linked');
  assert.deepEqual(reads.map((r) => r[0].slice(p.root.length)), ['/pkg/', '/tests/', '/tests/test_a.py']);
});

test("the project's own pytest writing __pycache__ does not make cached results stale", async (t) => {
  const p = tempProject({ 'tests/test_a.py': 'def test_a():\n    pass\n' });
  t.after(p.cleanup);
  const pyc = join(p.root, 'tests/__pycache__/test_a.cpython-311-pytest-9.0.3.pyc');
  // What a run read: the test, and the bytecode it looked for and did not find.
  const runReads = await fingerprintReads([join(p.root, 'tests/test_a.py'), pyc, join(p.root, 'tests/')], p.root);
  assert.deepEqual(runReads.map((r) => r[0].slice(p.root.length)), ['/tests/', '/tests/test_a.py'], 'a bytecode file that is not there is not recorded');
  const rec = recordingFs(nodeFs);
  await rec.fs.exists(pyc);
  await rec.fs.readdir(join(p.root, 'tests'));
  const planReads = await fingerprintPlanReads(rec.seen, p.root);
  mkdirSync(join(p.root, 'tests/__pycache__'));
  writeFileSync(pyc, 'bytecode');
  assert.equal(await readsUnchanged(runReads), true, 'the run is still cached');
  assert.equal(await readsUnchanged(planReads), true, 'and so is the plan: a listing leaves out __pycache__');
  writeFileSync(join(p.root, 'tests/test_b.py'), '');
  assert.equal(await readsUnchanged(planReads), false, 'a new test file is still a change');
});

const sandbox = await realSandbox();
const hasPytest = Boolean(sandbox && (await interpreterIdentity(sandbox, 'python', repoRoot)).pytest);
const skipPytest = needsSandbox.skip || (!hasPytest && 'pytest is not installed for python3');

test('a cached related-tests result skips discovery, and is run again after a test file, conftest or a new test file changes', { skip: skipPytest }, async (t) => {
  const files = {
    'pytest.ini': '[pytest]\ntestpaths = tests\n',
    'shop/__init__.py': '',
    'shop/cart.py': 'def double(x):\n    return x * 2\n',
    'tests/conftest.py': 'import pytest\n\n\n@pytest.fixture\ndef factor():\n    return 2\n',
    'tests/test_cart.py': 'from shop.cart import double\n\n\ndef test_double(factor):\n    assert double(3) == 3 * factor\n',
  };
  const p = tempProject(files);
  t.after(p.cleanup);
  const cacheDir = tempProject({});
  t.after(cacheDir.cleanup);
  // Counts the folder listings discovery asks the file-system port for.
  let listings = 0;
  const fs = { ...nodeFs, readdir: (d) => (listings++, nodeFs.readdir(d)) };
  const ctx = { ...makeContext({ config: { execution: { testTimeoutMs: 30_000 } } }), fs };
  const syntax = new SyntaxService(ctx.assets);
  t.after(() => syntax.dispose());
  const path = join(p.root, 'shop/cart.py');
  const run = async (cache) => {
    const text = readFileSync(path, 'utf8');
    const parsed = await syntax.analyse(path, text, 'python');
    listings = 0;
    const out = await new RelatedTestsTool(ctx, { sandbox, syntax, cache }).run({ path, text, language: 'python', projectRoot: p.root }, parsed, new AbortController().signal);
    return { failing: out.findings.filter((f) => f.level === 'error').map((f) => f.message), listings };
  };
  const cache = new ExecCache({ dir: join(cacheDir.root, 'exec') });
  const first = await run(cache);
  assert.deepEqual(first.failing, []);
  assert.ok(first.listings > 0, 'the first check discovers the tests');
  const second = await run(cache);
  assert.equal(cache.stats.hits, 1);
  assert.equal(second.listings, 0, 'a cached check does not walk the project for tests');

  const fresh = new ExecCache({ dir: join(cacheDir.root, 'exec') });
  const inNewProcess = await run(fresh);
  assert.equal(fresh.stats.diskHits, 1, 'a new process uses the disk entry');
  assert.equal(inNewProcess.listings, 0, '… and the link from its inputs, without discovery');

  const now = Date.now() / 1000;
  utimesSync(join(p.root, 'tests/test_cart.py'), now, now);
  await run(cache);
  assert.equal(cache.stats.hits, 2, 'a touched test file with the same content is still a hit');

  writeFileSync(join(p.root, 'tests/test_cart.py'), files['tests/test_cart.py'].replace('3 * factor', '3 * factor + 1'));
  assert.match((await run(cache)).failing.join('\n'), /test_double/, 'an edited test file runs again');
  writeFileSync(join(p.root, 'tests/test_cart.py'), files['tests/test_cart.py']);
  assert.deepEqual((await run(cache)).failing, []);

  writeFileSync(join(p.root, 'tests/conftest.py'), files['tests/conftest.py'].replace('return 2', 'return 3'));
  assert.match((await run(cache)).failing.join('\n'), /test_double/, 'a changed conftest runs again');
  writeFileSync(join(p.root, 'tests/conftest.py'), files['tests/conftest.py']);
  assert.deepEqual((await run(cache)).failing, []);

  writeFileSync(join(p.root, 'tests/test_more.py'), 'from shop.cart import double\n\n\ndef test_negative():\n    assert double(-1) == -3\n');
  const added = await run(cache);
  assert.ok(added.listings > 0, 'a new test file makes discovery run again');
  assert.match(added.failing.join('\n'), /test_negative/, 'and its failing test is reported');
});

test('a cached JSDoc example is served from the link, and runs again after a module it imports changes', needsSandbox, async (t) => {
  const { JsExamplesTool } = await import(out('engine/evidence/jsExamples.js'));
  const files = {
    'package.json': '{"type": "module"}\n',
    'src/helper.ts': 'export const factor = 2;\n',
    'src/mod.ts': "import { factor } from './helper';\n\n/**\n * @example double(2) // => 4\n */\nexport function double(x: number): number {\n  return x * factor;\n}\n",
  };
  const p = tempProject(files);
  t.after(p.cleanup);
  const ctx = makeContext();
  const syntax = new SyntaxService(ctx.assets);
  t.after(() => syntax.dispose());
  const cache = new ExecCache();
  const tool = new JsExamplesTool(ctx, { sandbox, syntax, cache });
  const path = join(p.root, 'src/mod.ts');
  const run = async () => {
    const text = readFileSync(path, 'utf8');
    const parsed = await syntax.analyse(path, text, 'typescript');
    const res = await tool.run({ path, text, language: 'typescript', projectRoot: p.root }, parsed, new AbortController().signal);
    return res.findings.filter((f) => f.level === 'error').map((f) => f.message);
  };
  assert.deepEqual(await run(), []);
  assert.deepEqual(await run(), []);
  assert.equal(cache.stats.hits, 1);
  writeFileSync(join(p.root, 'src/helper.ts'), 'export const factor = 3;\n');
  assert.match((await run()).join('\n'), /returned 6/, 'an edited import runs again');
  writeFileSync(join(p.root, 'src/helper.ts'), 'export const factor = 2;\n');
  assert.deepEqual(await run(), []);
});
