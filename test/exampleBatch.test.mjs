// The docstring examples of many modules in one sandboxed interpreter (prefetch, a fork per
// module) give exactly the findings and records of one run per file, in real bubblewrap: a
// failing doctest, a raising example, a module that hangs (its timeout, and the examples after
// it still run), a module that fails to import, and a clean one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeContext, out, tempProject } from './support/engine.mjs';
import { needsSandbox, realSandbox } from './support/sandbox.mjs';
import { toolChecker } from './support/exec.mjs';

const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { PythonExamplesTool } = await import(out('engine/evidence/pythonExamples.js'));
const { pythonBatchRunnerFile } = await import(out('engine/evidence/exec/pythonExampleBatch.js'));
const { JsExamplesTool } = await import(out('engine/evidence/jsExamples.js'));
const { jsBatchRunnerFile } = await import(out('engine/evidence/exec/jsExampleBatch.js'));

const ctx = makeContext({ config: { execution: { exampleTimeoutMs: 3000 } } });
const syntax = new SyntaxService(ctx.assets);
const sandbox = await realSandbox();
test.after(() => syntax.dispose());
const check = toolChecker(syntax);

const files = {
  'pkg/__init__.py': '',
  'pkg/good.py': 'def add(a, b):\n    """\n    >>> add(1, 2)\n    3\n    """\n    return a + b\n',
  'pkg/wrong.py': 'def double(x):\n    """\n    >>> double(2)\n    4\n    >>> double(3)\n    7\n    """\n    return x * 2\n',
  'pkg/raising.py': 'def first(items):\n    """\n    >>> first([])\n    0\n    """\n    return items[0]\n',
  'pkg/looping.py':
    'import sys\nsys.modules.setdefault("critic_marker_looping", sys)\n\n\ndef spin(n):\n    """\n    >>> spin(1)\n    1\n    """\n    while True:\n        pass\n\n\ndef fine(n):\n    """\n    >>> fine(2)\n    2\n    """\n    return n\n',
  'pkg/broken.py': 'import does_not_exist_anywhere\n\n\ndef f():\n    """\n    >>> f()\n    1\n    """\n    return 1\n',
  // Sees whether another module's import leaked into its interpreter: it must not.
  'pkg/isolated.py': 'def leaked():\n    """\n    >>> import sys; "critic_marker_looping" in sys.modules\n    False\n    """\n',
};
const modules = Object.keys(files).filter((f) => f !== 'pkg/__init__.py');

/** The sandbox, counting its runs (and whether a run was a batch). */
function counting(inner) {
  const runs = [];
  return {
    runs,
    sandbox: {
      isolation: inner.isolation,
      enforcement: inner.enforcement,
      run: (req) => {
        runs.push(req.args.includes(pythonBatchRunnerFile) || req.args.includes(jsBatchRunnerFile) ? 'batch' : 'file');
        return inner.run(req);
      },
    },
  };
}

async function checkAll(root, tool, rels = modules) {
  const results = {};
  for (const rel of rels) {
    const { findings, records } = await check(tool, root, rel);
    results[rel] = { findings, records };
  }
  return results;
}

test('python: examples of many modules batched in one interpreter give the per-file findings and records', needsSandbox, async () => {
  const p = tempProject(files);
  try {
    const single = counting(sandbox);
    const perFile = await checkAll(p.root, new PythonExamplesTool(ctx, { sandbox: single.sandbox }));

    const batched = counting(sandbox);
    const tool = new PythonExamplesTool(ctx, { sandbox: batched.sandbox, syntax });
    const docs = modules.map((rel) => ({ path: join(p.root, rel), text: readFileSync(join(p.root, rel), 'utf8'), language: 'python', projectRoot: p.root }));
    tool.prefetch(docs);
    const together = await checkAll(p.root, tool);
    tool.dispose();

    assert.deepEqual(together, perFile);
    // One run per file (and one more after the hang) without prefetch; two batches plus the retry after the hang with it.
    assert.deepEqual(single.runs, modules.map(() => 'file').concat('file'));
    assert.deepEqual(batched.runs.sort(), ['batch', 'batch', 'file']);

    const rules = (rel) => together[rel].findings.map((f) => `${f.rule} ${f.message}`);
    assert.deepEqual(rules('pkg/good.py'), []);
    assert.deepEqual(rules('pkg/isolated.py'), [], 'a module never sees what another imported');
    assert.equal(together['pkg/isolated.py'].records[0].status, 'passed');
    assert.match(rules('pkg/wrong.py').join('\n'), /^doctest-failed Example `double\(3\)` returned 6, expected 7/);
    assert.match(rules('pkg/raising.py').join('\n'), /^doctest-failed Example `first\(\[\]\)` raised IndexError/);
    assert.match(rules('pkg/broken.py').join('\n'), /^exec-import-failed Importing the module raised ModuleNotFoundError/);
    assert.match(rules('pkg/looping.py').join('\n'), /^exec-timeout Example `spin\(1\)` did not finish within 3 s/);
    // The example after the hang ran, and every other module's results were reported.
    assert.ok(together['pkg/looping.py'].records.some((r) => r.unit === 'fine' && r.status === 'passed'));
  } finally {
    p.cleanup();
  }
});

test('python: a module whose interpreter dies in the batch runs again on its own, with the same finding', needsSandbox, async () => {
  const p = tempProject({
    'pkg/__init__.py': '',
    'pkg/good.py': files['pkg/good.py'],
    'pkg/dies.py': 'def die():\n    """\n    >>> import os; os._exit(3)\n    """\n',
  });
  try {
    const rels = ['pkg/good.py', 'pkg/dies.py'];
    const single = await Promise.all(rels.map((rel) => check(new PythonExamplesTool(ctx, { sandbox }), p.root, rel)));
    const batched = counting(sandbox);
    const tool = new PythonExamplesTool(ctx, { sandbox: batched.sandbox, syntax });
    tool.prefetch(rels.map((rel) => ({ path: join(p.root, rel), text: readFileSync(join(p.root, rel), 'utf8'), language: 'python', projectRoot: p.root })));
    const together = [];
    for (const rel of rels) together.push(await check(tool, p.root, rel));
    tool.dispose();
    assert.deepEqual(together.map((r) => r.findings), single.map((r) => r.findings));
    assert.match(together[1].findings[0].message, /stopped the interpreter: it exited with code 3/);
    // Each module in a batch of its own (two at once); the one that died runs again alone (and once more after the example that stopped it, as without batches).
    assert.deepEqual(batched.runs, ['batch', 'batch', 'file', 'file']);
  } finally {
    p.cleanup();
  }
});

const tsFiles = {
  'src/good.ts': '/**\n * @example add(1, 2) // => 3\n */\nexport function add(a: number, b: number): number {\n  return a + b;\n}\n',
  'src/wrong.ts': '/**\n * @example double(3) // => 7\n */\nexport function double(x: number): number {\n  return x * 2;\n}\n',
  'src/raising.ts': "/**\n * @example first([]) // => 0\n */\nexport function first(items: number[]): number {\n  if (!items.length) throw new RangeError('empty');\n  return items[0];\n}\n",
  'src/looping.ts':
    '(globalThis as any).leakedFromLooping = true;\n/**\n * @example spin(1) // => 1\n */\nexport function spin(n: number): number {\n  while (true) {}\n}\n\n/**\n * @example fine(2) // => 2\n */\nexport function fine(n: number): number {\n  return n;\n}\n',
  'src/broken.ts': "throw new Error('boom at import');\n/**\n * @example f() // => 1\n */\nexport function f(): number {\n  return 1;\n}\n",
  'src/isolated.ts': '/**\n * @example leaked() // => false\n */\nexport function leaked(): boolean {\n  return (globalThis as any).leakedFromLooping === true;\n}\n',
};
const tsModules = Object.keys(tsFiles);

test('js: JSDoc examples of many modules batched in one Node (a worker each) give the per-file findings and records', needsSandbox, async () => {
  const p = tempProject(tsFiles);
  try {
    const single = counting(sandbox);
    const perFile = await checkAll(p.root, new JsExamplesTool(ctx, { sandbox: single.sandbox }), tsModules);
    const batched = counting(sandbox);
    const tool = new JsExamplesTool(ctx, { sandbox: batched.sandbox, syntax });
    tool.prefetch(tsModules.map((rel) => ({ path: join(p.root, rel), text: tsFiles[rel], language: 'typescript', projectRoot: p.root })));
    const together = await checkAll(p.root, tool, tsModules);
    tool.dispose();

    assert.deepEqual(together, perFile);
    assert.deepEqual(batched.runs.sort(), ['batch', 'batch', 'file']);
    const rules = (rel) => together[rel].findings.map((f) => `${f.rule} ${f.message}`);
    assert.deepEqual(rules('src/good.ts'), []);
    assert.deepEqual(rules('src/isolated.ts'), [], 'a module never sees the globals another set');
    assert.match(rules('src/wrong.ts').join('\n'), /^doctest-failed Example `double\(3\)` returned 6, expected 7/);
    assert.match(rules('src/raising.ts').join('\n'), /^doctest-failed Example `first\(\[\]\)` threw RangeError: empty/);
    assert.match(rules('src/broken.ts').join('\n'), /^exec-import-failed .*boom at import/);
    assert.match(rules('src/looping.ts').join('\n'), /^exec-timeout Example `spin\(1\)` did not finish within 3 s/);
    assert.ok(together['src/looping.ts'].records.some((r) => r.unit === 'fine' && r.status === 'passed'));
  } finally {
    p.cleanup();
  }
});
