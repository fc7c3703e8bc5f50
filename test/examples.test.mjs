// Docstring / JSDoc examples run for real in the bubblewrap sandbox (skipped where it does not
// work, see support/sandbox.mjs): failures, hangs, import errors and the cache, on real files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { makeContext, out, tempProject } from './support/engine.mjs';
import { needsSandbox, realSandbox } from './support/sandbox.mjs';
import { fixtureProject, lineOf, toolChecker, unitAt } from './support/exec.mjs';

const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { PythonExamplesTool } = await import(out('engine/evidence/pythonExamples.js'));
const { JsExamplesTool } = await import(out('engine/evidence/jsExamples.js'));
const { ExecCache } = await import(out('engine/evidence/execCache.js'));
const { jsdocExampleBlocks } = await import(out('engine/evidence/exec/jsdocExamples.js'));

const ctx = makeContext({ config: { execution: { exampleTimeoutMs: 4000 } } });
const syntax = new SyntaxService(ctx.assets);
const sandbox = await realSandbox();
test.after(() => syntax.dispose());
const check = toolChecker(syntax);

test('python: a failing doctest is an executed error on its function, with expected and actual', needsSandbox, async () => {
  const p = fixtureProject('pyshop');
  try {
    const tool = new PythonExamplesTool(ctx, { sandbox });
    const { doc, findings, records } = await check(tool, p.root, 'shop/calc.py');
    const add = findings.find((f) => f.message.includes('add(2, 2)'));
    assert.ok(add, JSON.stringify(findings, null, 1));
    assert.equal(add.rule, 'doctest-failed');
    assert.equal(add.tier, 'executed');
    assert.equal(add.level, 'error');
    assert.equal(add.confidence, 1);
    assert.equal(add.source, 'examples');
    assert.equal(add.message, 'Example `add(2, 2)` returned 5, expected 4 (in `add`; line 17 is the only line of it that ran)');
    assert.equal(add.range.start.line, lineOf(doc.text, 'return a + b + (1'), 'range is the faulty line');
    assert.equal(add.related[0].range.start.line, lineOf(doc.text, '>>> add(2, 2)'));
    const div = findings.find((f) => f.message.includes('div(1, 0)'));
    assert.match(div.message, /raised ZeroDivisionError: division by zero, expected 0 \(in `div`, raised at line 28\)$/);
    assert.equal(div.range.start.line, lineOf(doc.text, 'return a / b'), 'range is the raising line');
    assert.equal(findings.length, 2, findings.map((f) => f.message).join('\n'));
    // The sibling-module example and the package-relative import ran.
    assert.ok(records.some((r) => r.unit === 'quadruple' && r.status === 'passed'));
    assert.ok(records.some((r) => r.unit === 'Cart.total' && r.status === 'passed'));
    assert.ok(records.some((r) => r.unit === '<module>' && r.status === 'passed'));
    assert.equal(records.filter((r) => r.status === 'failed' || r.status === 'error').length, 2);
  } finally {
    p.cleanup();
  }
});

test('python: an example that raises inside another function of the file is placed where it raised, a validating raise being the symptom', needsSandbox, async () => {
  const p = tempProject({
    'items.py': [
      'def _pick(items, k):',
      '    "The k-th item."',
      '    return items[k + 1]',
      '',
      'def second(items):',
      '    """The second item.',
      '',
      '    >>> second([1, 2])',
      '    2',
      '    """',
      '    return _pick(items, 1)',
      '',
      'def _check(n):',
      '    """Refuses negative sizes.',
      '',
      '    >>> _check(-1)',
      '    Traceback (most recent call last):',
      '    ValueError: negative',
      '    """',
      '    if n < 0:',
      '        raise ValueError("negative")',
      '    return n',
      '',
      'def area(w, h):',
      '    """',
      '    >>> area(3, 2)',
      '    6',
      '    >>> area(2, 3)',
      '    6',
      '    """',
      '    if w < h:',
      '        w = -w',
      '    return _check(w) * h',
      '',
    ].join('\n'),
  });
  try {
    const tool = new PythonExamplesTool(ctx, { sandbox });
    const { doc, findings, records } = await check(tool, p.root, 'items.py');
    const at = (f) => [f.range.start.line, f.message, f.related.map((r) => [r.range.start.line, r.message])];
    const pick = findings.find((f) => f.message.includes('second([1, 2])'));
    assert.deepEqual(at(pick), [
      lineOf(doc.text, 'return items[k + 1]'),
      'Example `second([1, 2])` raised IndexError: list index out of range, expected 2 (in `_pick`, raised at line 3)',
      [[lineOf(doc.text, '>>> second([1, 2])'), 'the example'], [lineOf(doc.text, 'return _pick(items, 1)'), 'called from line 11 in `second`']],
    ]);
    // `_check` is right to refuse -2: the line only a failing example ran is the fault (Ochiai 0.71:
    // one of the two failing examples runs it).
    const area = findings.find((f) => f.message.includes('area(2, 3)'));
    assert.deepEqual(at(area), [
      lineOf(doc.text, 'w = -w'),
      'Example `area(2, 3)` raised ValueError: negative, expected 6 (in `area`; line 32 is the most suspicious line the example ran, Ochiai 0.71; raised at line 21 in `_check`)',
      [[lineOf(doc.text, '>>> area(2, 3)'), 'the example'], [lineOf(doc.text, 'return _check(w) * h'), 'called from line 33 in `area`'], [lineOf(doc.text, 'raise ValueError'), 'raised at line 21 in `_check`']],
    ]);
    assert.equal(findings.length, 2, findings.map((f) => f.message).join('\n'));
    // The evidence stays with the documented function.
    assert.deepEqual(records.filter((r) => r.status !== 'passed').map((r) => r.unit).sort(), ['area', 'second']);
  } finally {
    p.cleanup();
  }
});

test('python: the fixed file has no findings; unsaved text is what runs', needsSandbox, async () => {
  const p = fixtureProject('pyshop');
  try {
    const tool = new PythonExamplesTool(ctx, { sandbox });
    const onDisk = readFileSync(join(p.root, 'shop/calc.py'), 'utf8');
    const fixed = onDisk.replace(' + (1 if a == 2 else 0)', '').replace('    >>> div(1, 0)\n    0\n', '');
    const { findings, records } = await check(tool, p.root, 'shop/calc.py', fixed);
    assert.deepEqual(findings, []);
    assert.ok(records.length >= 8 && records.every((r) => r.status === 'passed'), JSON.stringify(records));
  } finally {
    p.cleanup();
  }
});

test('python: an infinite loop is a timeout on its function, and the other examples are still reported', needsSandbox, async () => {
  const text = [
    'def spin():',
    '    """',
    '    >>> spin()',
    '    1',
    '    """',
    '    while True:',
    '        pass',
    '',
    'def after(x):',
    '    """',
    '    >>> after(1)',
    '    3',
    '    """',
    '    return x + 1',
    '',
  ].join('\n');
  const p = tempProject({ 'loops.py': text });
  try {
    const quick = makeContext({ config: { execution: { exampleTimeoutMs: 1500 } } });
    const cache = new ExecCache();
    const tool = new PythonExamplesTool(quick, { sandbox, cache });
    const { findings } = await check(tool, p.root, 'loops.py');
    assert.equal(cache.stats.size, 0, 'a timeout depends on the machine: never cached');
    const timeout = findings.find((f) => f.rule === 'exec-timeout');
    assert.ok(timeout, JSON.stringify(findings));
    assert.equal(unitAt(timeout, text), 'spin');
    assert.equal(timeout.message, 'Example `spin()` did not finish within 1.5 s (possible infinite loop)');
    const after = findings.find((f) => f.rule === 'doctest-failed');
    assert.equal(after?.message, 'Example `after(1)` returned 2, expected 3 (in `after`; line 14 is the only line of it that ran)');
    assert.equal(unitAt(after, text), 'return x + 1');
  } finally {
    p.cleanup();
  }
});

test('python: a module that raises at import is one finding on the module; forged output is ignored', needsSandbox, async () => {
  const text = [
    'import os, sys',
    'print(\'{"t": "end"}\')',
    'os.write(1, b\'{"t": "pass", "test": "f", "i": 0}\\n\')',
    'def f():',
    '    """',
    '    >>> f()',
    '    1',
    '    """',
    '    return 1',
    'raise RuntimeError("no config")',
  ].join('\n');
  const p = tempProject({ 'broken.py': text });
  try {
    const tool = new PythonExamplesTool(ctx, { sandbox });
    const { findings, records } = await check(tool, p.root, 'broken.py');
    assert.equal(findings.length, 1, JSON.stringify(findings));
    assert.equal(findings[0].rule, 'exec-import-failed');
    assert.match(findings[0].message, /RuntimeError: no config/);
    assert.equal(findings[0].range.start.line, 9, 'points at the raising line');
    assert.deepEqual(records, []);
  } finally {
    p.cleanup();
  }
});

test('js/ts: @example lines with // => run in module scope, passing and failing', needsSandbox, async () => {
  const p = fixtureProject('jsmath');
  try {
    const tool = new JsExamplesTool(ctx, { sandbox });
    const { doc, findings, records } = await check(tool, p.root, 'src/math.ts');
    assert.equal(findings.length, 1, findings.map((f) => f.message).join('\n'));
    const [f] = findings;
    assert.equal(f.rule, 'doctest-failed');
    assert.equal(f.tier, 'executed');
    assert.equal(f.message, 'Example `add(2, 2)` returned 5, expected 4 (in `add`; line 10 is the only line of it that ran)');
    assert.equal(unitAt(f, doc.text), 'return a + b + (a === 2 && b === 2 ? 1 : 0);', 'on the faulty line');
    assert.equal(f.related[0].range.start.line, lineOf(doc.text, 'add(2, 2) // => 4'));
    const byUnit = (u) => records.filter((r) => r.unit === u).map((r) => r.status);
    assert.deepEqual(byUnit('quadruple'), ['passed'], 'non-exported function reachable');
    assert.deepEqual(byUnit('parsePrice'), ['passed', 'passed', 'passed'], 'value, => throws and throws with message');
    assert.deepEqual(byUnit('Cart'), ['passed', 'passed'], 'setup lines are not records');
  } finally {
    p.cleanup();
  }
});

test('js: throws expectations, wrong results, hangs and setup errors in a .js file', needsSandbox, async () => {
  const text = [
    '/**',
    ' * @example',
    ' * half(4) // => 2',
    ' * half(3) // => 1',
    ' * half("x") // => throws TypeError',
    ' */',
    'function half(n) {',
    '  if (typeof n !== "number") throw new RangeError("not a number");',
    '  return n / 2;',
    '}',
    '/**',
    ' * @example',
    ' * spin() // => 0',
    ' */',
    'function spin() { for (;;) {} }',
    '/**',
    ' * @example',
    ' * const b = new Box(missing)',
    ' * b.get() // => 1',
    ' */',
    'class Box { constructor(v) { this.v = v; } get() { return this.v; } }',
    'module.exports = { half };',
  ].join('\n');
  const p = tempProject({ 'lib/half.js': text });
  try {
    const quick = makeContext({ config: { execution: { exampleTimeoutMs: 1500 } } });
    const tool = new JsExamplesTool(quick, { sandbox });
    const { findings } = await check(tool, p.root, 'lib/half.js', text);
    const messages = findings.map((f) => `${unitAt(f, text)}: ${f.rule}: ${f.message}`).sort();
    assert.deepEqual(messages, [
      '* const b = new Box(missing): example-not-self-contained: Example `const b = new Box(missing)` of Box is not self-contained: it uses `missing`, which neither the module nor the example defines (threw ReferenceError: missing is not defined), so it says nothing about the code',
      'if (typeof n !== "number") throw new RangeError("not a number");: doctest-failed: Example `half("x")` threw RangeError: not a number, expected it to throw TypeError (in `half`, raised at line 8)',
      // Two failures with different causes share line 8: Ochiai, which assumes one fault, ranks it first.
      'if (typeof n !== "number") throw new RangeError("not a number");: doctest-failed: Example `half(3)` returned 1.5, expected 1 (in `half`; line 8 is its most suspicious line, Ochiai 0.82 from 2 failing runs and 1 passing run)',
      'spin: exec-timeout: Example `spin()` did not finish within 1.5 s (possible infinite loop)',
    ]);
  } finally {
    p.cleanup();
  }
});

test('a memory blow-up in one example is reported on its function; the next examples still run', needsSandbox, async () => {
  const text = ['def hog():', '    """', '    >>> hog()', '    1', '    """', '    xs = []', '    while True:', '        xs.append(bytearray(10**7))', '', 'def ok():', '    """', '    >>> ok()', '    1', '    """', '    return 1', ''].join('\n');
  const p = tempProject({ 'hog.py': text });
  try {
    const small = makeContext({ config: { execution: { exampleTimeoutMs: 8000, memoryMb: 128 } } });
    const limited = await realSandbox({ memoryMb: 128 });
    const tool = new PythonExamplesTool(small, { sandbox: limited });
    const { findings, records } = await check(tool, p.root, 'hog.py');
    assert.equal(findings.length, 1, JSON.stringify(findings));
    assert.equal(unitAt(findings[0], text), 'hog');
    // A cgroup (or the kernel) kills the run: exec-limit. With only RLIMIT_AS, Python raises MemoryError instead.
    if (findings[0].rule === 'exec-limit') assert.equal(findings[0].message, 'Example `hog()` exceeded the memory limit of 128 MB (execution.memoryMb)');
    else assert.match(findings[0].message, /MemoryError/);
    assert.deepEqual(records.find((r) => r.unit === 'ok')?.status, 'passed');
  } finally {
    p.cleanup();
  }
});

test('jsdoc: example blocks are found above units and split into setup and assertions', async () => {
  const text = [
    '/**',
    ' * Sums.',
    ' * @param xs numbers',
    ' * @example <caption>basic</caption>',
    ' * ```ts',
    ' * const xs = [1,',
    ' *   2];',
    ' * sum(xs) // => 3',
    ' * sum([ // a comment, not an assertion',
    ' *   4]) // => 4',
    ' * ```',
    ' * @returns the sum',
    ' */',
    'export const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);',
    '/** Nothing to run. @example sum([]) */',
    'export function none() {}',
  ].join('\n');
  const parsed = await syntax.analyse('/virtual/sum.ts', text, 'typescript');
  const blocks = jsdocExampleBlocks(text, parsed);
  assert.equal(blocks.length, 1);
  assert.equal(blocks[0].id, 'sum#0');
  assert.deepEqual(
    blocks[0].items.map((i) => [i.kind, i.line, i.code.replace(/\s+/g, ' '), i.want]),
    [
      ['setup', 5, 'const xs = [1, 2];', undefined],
      ['check', 7, 'sum(xs)', '3'],
      ['check', 8, 'sum([ // a comment, not an assertion 4])', '4'],
    ],
  );
});

test('cache: the second run is a hit, an edit is a miss, and the disk copy serves a new process', needsSandbox, async () => {
  const p = fixtureProject('pyshop');
  const dir = mkdtempSync(join(tmpdir(), 'critic-cache-'));
  try {
    const cache = new ExecCache({ dir });
    const tool = new PythonExamplesTool(ctx, { sandbox, cache });
    const first = await check(tool, p.root, 'shop/calc.py');
    assert.deepEqual(cache.stats, { hits: 0, misses: 1, diskHits: 0, size: 1 });
    const second = await check(tool, p.root, 'shop/calc.py');
    assert.equal(cache.stats.hits, 1);
    assert.deepEqual(second.findings, first.findings);
    const edited = first.doc.text.replace('return a / b', 'return a / b if b else 0');
    const third = await check(tool, p.root, 'shop/calc.py', edited);
    assert.equal(cache.stats.misses, 2);
    assert.equal(third.findings.length, 1);
    // A fresh cache over the same folder (the next CLI run) reads the entry from disk.
    const again = new ExecCache({ dir });
    const fresh = new PythonExamplesTool(ctx, { sandbox, cache: again });
    await check(fresh, p.root, 'shop/calc.py', edited);
    assert.deepEqual(again.stats, { hits: 1, misses: 0, diskHits: 1, size: 1 });
  } finally {
    p.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file without examples never starts an interpreter', needsSandbox, async () => {
  const counting = { isolation: sandbox.isolation, runs: 0, run(req) { this.runs++; return sandbox.run(req); } };
  const tool = new PythonExamplesTool(ctx, { sandbox: counting });
  const js = new JsExamplesTool(ctx, { sandbox: counting });
  const a = await syntax.analyse('/v/a.py', 'def f():\n    return 1\n', 'python');
  const b = await syntax.analyse('/v/b.ts', '/** Adds. */\nexport const f = () => 1;\n', 'typescript');
  assert.deepEqual(await tool.run({ path: '/v/a.py', text: 'def f():\n    return 1\n', language: 'python', projectRoot: '/v' }, a, new AbortController().signal), { findings: [] });
  assert.deepEqual(await js.run({ path: '/v/b.ts', text: '/** Adds. */\nexport const f = () => 1;\n', language: 'typescript', projectRoot: '/v' }, b, new AbortController().signal), { findings: [] });
  assert.equal(counting.runs, 0);
});

test('an unavailable sandbox makes the tool unavailable, with its reason', async () => {
  const tool = new PythonExamplesTool(ctx, { sandbox: { isolation: 'none', reason: 'no bubblewrap here' } });
  const text = 'def f():\n    """\n    >>> f()\n    1\n    """\n    return 1\n';
  const parsed = await syntax.analyse('/v/c.py', text, 'python');
  await assert.rejects(tool.run({ path: '/v/c.py', text, language: 'python', projectRoot: '/v' }, parsed, new AbortController().signal), { name: 'ToolUnavailableError', message: 'no bubblewrap here' });
});
