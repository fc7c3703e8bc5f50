// Executed failures point at the faulty line: examples and tests run for real in the sandbox with
// line coverage, ranked with Ochiai; the coverage collector on both Python tracing back ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { makeContext, out, tempProject } from './support/engine.mjs';
import { needsSandbox, realSandbox } from './support/sandbox.mjs';
import { lineOf, toolChecker } from './support/exec.mjs';

const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { PythonExamplesTool } = await import(out('engine/evidence/pythonExamples.js'));
const { RelatedTestsTool } = await import(out('engine/evidence/relatedTests.js'));
const { JsExamplesTool } = await import(out('engine/evidence/jsExamples.js'));
const { pythonCoverageCollector, parseCoverageRanges } = await import(out('engine/evidence/exec/coverageCollector.js'));

const ctx = makeContext({ config: { execution: { exampleTimeoutMs: 4000 } } });
const syntax = new SyntaxService(ctx.assets);
const sandbox = await realSandbox();
test.after(() => syntax.dispose());
const check = toolChecker(syntax);

const clamp = [
  'def clamp(x, lo, hi):',
  '    """',
  '    >>> clamp(5, 0, 10)',
  '    5',
  '    >>> clamp(-3, 0, 10)',
  '    0',
  '    >>> clamp(30, 0, 10)',
  '    10',
  '    """',
  '    if x < lo:',
  '        return lo',
  '    if x > hi:',
  '        return lo',
  '    return x',
  '',
].join('\n');

test('python examples: a wrong result lands on the line only the failing example runs, next suspects related', needsSandbox, async () => {
  const p = tempProject({ 'clamp.py': clamp });
  try {
    const { doc, findings } = await check(new PythonExamplesTool(ctx, { sandbox }), p.root, 'clamp.py');
    assert.equal(findings.length, 1, JSON.stringify(findings));
    const [f] = findings;
    assert.equal(f.range.start.line, 12, 'the second `return lo`');
    assert.equal(doc.text.split('\n')[12].slice(f.range.start.character, f.range.end.character), 'return lo');
    assert.equal(f.message, 'Example `clamp(30, 0, 10)` returned 0, expected 10 (in `clamp`; line 13 is its most suspicious line, Ochiai 1.00 from 1 failing run and 2 passing runs)');
    assert.deepEqual(
      f.related.filter((r) => r.message.startsWith('suspicious')).map((r) => [r.range.start.line + 1, r.message]),
      [
        [12, 'suspicious line 12 (Ochiai 0.71)'],
        [10, 'suspicious line 10 (Ochiai 0.58)'],
      ],
    );
  } finally {
    p.cleanup();
  }
});

test('python examples: one failing example and nothing that differs keeps the function range and says why', needsSandbox, async () => {
  const text = ['def area(w, h):', '    """', '    >>> area(2, 3)', '    6', '    """', '    s = w + h', '    return s', ''].join('\n');
  const p = tempProject({ 'area.py': text });
  try {
    const { findings } = await check(new PythonExamplesTool(ctx, { sandbox }), p.root, 'area.py');
    assert.equal(findings.length, 1);
    assert.equal(findings[0].range.start.line, 0, 'on the function name');
    assert.equal(findings[0].message, 'Example `area(2, 3)` returned 5, expected 6 (in `area`; the 1 failing run and 0 passing runs executed its 2 lines alike, so they cannot single out a line)');
  } finally {
    p.cleanup();
  }
});

test('execution.lineCoverage off: the finding stays on the function name', needsSandbox, async () => {
  const p = tempProject({ 'clamp.py': clamp });
  try {
    const off = makeContext({ config: { execution: { exampleTimeoutMs: 4000, lineCoverage: false } } });
    const { findings } = await check(new PythonExamplesTool(off, { sandbox }), p.root, 'clamp.py');
    assert.equal(findings[0].range.start.line, 0);
    assert.equal(findings[0].message, 'Example `clamp(30, 0, 10)` returned 0, expected 10');
  } finally {
    p.cleanup();
  }
});

test('python tests: the failing test among passing ones points at the faulty branch', needsSandbox, async () => {
  const tests = [
    'from shipping import cost',
    '',
    'def test_light():',
    '    assert cost(1) == 5',
    '',
    'def test_medium():',
    '    assert cost(7) == 10',
    '',
    'def test_heavy():',
    '    assert cost(30) == 30',
    '',
  ].join('\n');
  const src = ['def cost(kg):', '    if kg < 5:', '        return 5', '    if kg < 20:', '        return 10', '    extra = kg - 20', '    return 10 + extra', ''].join('\n');
  const p = tempProject({ 'shipping.py': src, 'tests/test_shipping.py': tests });
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox, syntax });
    const { doc, findings } = await check(tool, p.root, 'shipping.py');
    assert.equal(findings.length, 1, JSON.stringify(findings));
    const [f] = findings;
    assert.match(f.message, /^Test `test_heavy` failed: .*\(in `cost`; line 6 is its most suspicious line, Ochiai 1\.00 from 1 failing run and 2 passing runs\)$/);
    assert.equal(f.range.start.line, lineOf(doc.text, 'extra = kg - 20'));
    assert.ok(f.related.some((r) => r.file === doc.path && r.message === 'suspicious line 7 (Ochiai 1.00)'));
  } finally {
    p.cleanup();
  }
});

test('typescript examples: V8 block coverage mapped through the source map points at the wrong return', needsSandbox, async () => {
  const text = [
    '/**',
    ' * @example',
    ' * clamp(5, 0, 10) // => 5',
    ' * clamp(-3, 0, 10) // => 0',
    ' * clamp(30, 0, 10) // => 10',
    ' */',
    'export function clamp(x: number, lo: number, hi: number): number {',
    '  if (x < lo) {',
    '    return lo;',
    '  }',
    '  if (x > hi) {',
    '    return lo;',
    '  }',
    '  return x;',
    '}',
    '',
  ].join('\n');
  const p = tempProject({ 'src/clamp.ts': text });
  try {
    const { findings } = await check(new JsExamplesTool(ctx, { sandbox }), p.root, 'src/clamp.ts');
    assert.equal(findings.length, 1, JSON.stringify(findings));
    const [f] = findings;
    assert.equal(f.range.start.line, 11, 'the second `return lo;`');
    assert.equal(f.message, 'Example `clamp(30, 0, 10)` returned 0, expected 10 (in `clamp`; line 12 is its most suspicious line, Ochiai 1.00 from 1 failing run and 2 passing runs)');
    assert.deepEqual(f.related.filter((r) => r.message.startsWith('suspicious')).map((r) => r.range.start.line + 1), [11, 8], 'the `if (x > hi)` line, then the first `if`; no signature or closing-brace lines');
  } finally {
    p.cleanup();
  }
});

test('parseCoverageRanges: ranges, single lines, and hostile input dropped', () => {
  assert.deepEqual(parseCoverageRanges('3-5,9'), [3, 4, 5, 9]);
  assert.deepEqual(parseCoverageRanges('x,0,7-3,2'), [2]);
  assert.equal(parseCoverageRanges('1-999999,1-999999').length, 200_000, 'bounded');
});

// Both back ends (sys.settrace before 3.12, sys.monitoring from 3.12) must see the same lines.
// pyenv keeps other versions off PATH; look for them where it installs them too.
const pyenvRoot = process.env.PYENV_ROOT ?? join(homedir(), '.pyenv');
const pyenvVersions = existsSync(join(pyenvRoot, 'versions')) ? readdirSync(join(pyenvRoot, 'versions')) : [];
const interpreters = ['3.11', '3.12', '3.13']
  .map((v) => [`python${v}`, ...pyenvVersions.filter((d) => d.startsWith(`${v}.`)).map((d) => join(pyenvRoot, 'versions', d, 'bin', `python${v}`))].find((py) => spawnSync(py, ['-c', 'pass']).status === 0))
  .filter(Boolean);
for (const py of interpreters) {
  test(`coverage collector on ${py}: the lines of the target file one call ran, loops counted once`, () => {
    const p = tempProject({ 'target.py': ['def f(n):', '    total = 0', '    for i in range(n):', '        total += i', '    if total > 100:', '        return -1', '    return total', ''].join('\n') });
    try {
      const script = [
        'import sys, os, json',
        `_cfg = {'coverage': True, 'file': ${JSON.stringify(join(p.root, 'target.py'))}}`,
        'def _emit(obj):',
        '    print(json.dumps(obj))',
        pythonCoverageCollector,
        `sys.path.insert(0, ${JSON.stringify(p.root)})`,
        'import target',
        '_cov_start()',
        'target.f(3)',
        'first = _cov_take()',
        '_cov_start()',
        'target.f(3)',
        'print(json.dumps({"again": _cov_take(), "first": first, "monitoring": hasattr(sys, "monitoring")}))',
      ].join('\n');
      writeFileSync(join(p.root, 'run.py'), script);
      const res = spawnSync(py, ['-B', join(p.root, 'run.py')], { encoding: 'utf8' });
      assert.equal(res.status, 0, res.stderr);
      const events = res.stdout.trim().split('\n').map((l) => JSON.parse(l));
      // Each run tells the first line of the target it executes at once (a run cut off by a timeout never reports its lines).
      assert.deepEqual(events.filter((e) => e.t === 'touch'), [{ t: 'touch', f: 0 }, { t: 'touch', f: 0 }]);
      const lines = events.filter((e) => e.t !== 'touch');
      assert.deepEqual(lines[0], { t: 'cov', n: 0, lines: '2-5,7' });
      assert.deepEqual(lines[1], { again: 0, first: 0, monitoring: !py.endsWith('python3.11') }, 'the same set is sent once and named again');
    } finally {
      p.cleanup();
    }
  });
}
