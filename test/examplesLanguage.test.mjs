// Examples and parsing that match the language: JSDoc examples above TypeScript overloads run,
// examples that are not self-contained are notes, and the language's own parser has the last word
// on syntax.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeContext, out, tempProject } from './support/engine.mjs';
import { bwrapSandbox } from './support/bwrapSandbox.mjs';
import { lineOf, toolChecker } from './support/exec.mjs';

const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { JsExamplesTool } = await import(out('engine/evidence/jsExamples.js'));
const { jsdocExampleBlocks } = await import(out('engine/evidence/exec/jsdocExamples.js'));

const ctx = makeContext({ config: { execution: { exampleTimeoutMs: 8000 } } });
const syntax = new SyntaxService(ctx.assets);
const check = toolChecker(syntax);
const { sandbox, skip } = await bwrapSandbox({ exampleTimeoutMs: 8000 });

const overloaded = [
  '/**',
  ' * Pads a value.',
  ' * @example',
  " * pad('a', 3) // => 'a  '",
  ' */',
  'export function pad(value: string, width: number): string;',
  '/**',
  ' * @example',
  " * pad(7, 3) // => '7  '",
  " * pad(7, 2) // => '7 x'",
  ' */',
  'export function pad(value: number, width: number): string;',
  'export function pad(value: string | number, width: number): string {',
  '  return String(value).padEnd(width);',
  '}',
  '',
  'export class Box {',
  '  /**',
  '   * @example',
  "   * new Box().get('k') // => 'k'",
  '   */',
  '  get(key: string): string;',
  '  get(key: number): number;',
  '  get(key: string | number): string | number {',
  '    return key;',
  '  }',
  '}',
  '',
].join('\n');

test('jsdoc: examples written above overload signatures belong to the implementation', async () => {
  const parsed = await syntax.analyse('/x/pad.ts', overloaded, 'typescript');
  const blocks = jsdocExampleBlocks(overloaded, parsed);
  assert.deepEqual(
    blocks.map((b) => [b.id, b.unit.name, b.items.map((i) => i.source)]),
    [
      ['pad#0', 'pad', ["pad('a', 3)"]],
      ['pad#1', 'pad', ['pad(7, 3)', 'pad(7, 2)']],
      ['Box.get#0', 'Box.get', ["new Box().get('k')"]],
    ],
  );
});

test('jsdoc: examples above overloads run in the sandbox; a wrong one is an error on the implementation', { skip }, async () => {
  const p = tempProject({ 'src/pad.ts': overloaded, 'package.json': '{"name":"pad","type":"module"}' });
  try {
    const tool = new JsExamplesTool(ctx, { sandbox });
    const { doc, findings, records } = await check(tool, p.root, 'src/pad.ts');
    assert.deepEqual(records.map((r) => [r.unit, r.status]), [
      ['pad', 'passed'],
      ['pad', 'passed'],
      ['pad', 'failed'],
      ['Box.get', 'passed'],
    ]);
    assert.equal(findings.length, 1, findings.map((f) => f.message).join('\n'));
    assert.equal(findings[0].rule, 'doctest-failed');
    assert.match(findings[0].message, /pad\(7, 2\).*'7 '.*expected '7 x'/);
    assert.equal(findings[0].related[0].range.start.line, lineOf(doc.text, "pad(7, 2) // => '7 x'"));
  } finally {
    p.cleanup();
  }
});

test('valid TypeScript that tsc accepts is never a syntax error; a real one is still reported once', async () => {
  const { critic } = await import('./support/cli.mjs');
  const valid = [
    'declare const vi: { fn<T>(): T };',
    'export const m = vi.fn<<T>(x: T) => T>();',
    'export const t = [] as [number?, string?];',
    'export function f(a: number): number {',
    '  return a + 1;',
    '}',
    '',
  ].join('\n');
  const p = tempProject({ 'a.ts': valid, 'b.ts': 'export function g(a: number {\n  return a;\n}\n' });
  try {
    const r = critic(['check', 'a.ts', 'b.ts', '--format', 'json', '--no-exec'], { cwd: p.root });
    const findings = JSON.parse(r.stdout).findings;
    assert.deepEqual(findings.filter((f) => f.file.endsWith('a.ts')), [], r.stdout);
    const b = findings.filter((f) => f.file.endsWith('b.ts') && /^(syntax-|ts-1\d\d\d$)/.test(f.rule));
    assert.equal(b.length, 1, r.stdout);
    assert.equal(b[0].rule, 'ts-1005', 'the language parser reports the real error');
    assert.equal(b[0].line, 1);
  } finally {
    p.cleanup();
  }
});

const { PythonExamplesTool } = await import(out('engine/evidence/pythonExamples.js'));

test('python: a doctest using a name nothing defines is a note on the example; a NameError inside the code is still an error', { skip }, async () => {
  const text = [
    'def add(a, b):',
    '    """',
    '    >>> add(x, 1)',
    '    2',
    '    >>> add(1, 1)',
    '    2',
    '    """',
    '    return a + b',
    '',
    '',
    'def broken():',
    '    """',
    '    >>> broken()',
    '    1',
    '    """',
    '    return missing_helper()',
    '',
  ].join('\n');
  const p = tempProject({ 'calc.py': text });
  try {
    const { findings } = await check(new PythonExamplesTool(ctx, { sandbox }), p.root, 'calc.py');
    const brief = findings.map((f) => [f.rule, f.level, f.range.start.line]).sort();
    assert.deepEqual(brief, [
      ['doctest-failed', 'error', 10],
      ['example-not-self-contained', 'note', 2],
    ], findings.map((f) => f.message).join('\n'));
    const note = findings.find((f) => f.level === 'note');
    assert.match(note.message, /`add\(x, 1\)`.*not self-contained.*uses `x`, which neither the module nor the example defines/);
  } finally {
    p.cleanup();
  }
});

test('js: an example using an undefined name or printing instead of returning is a note; a ReferenceError in the code is an error', { skip }, async () => {
  const text = [
    '/**',
    ' * @example',
    ' * add(y, 1) // => 2',
    ' * console.log(add(1, 2)) // => 3',
    ' * add(1, 2) // => 3',
    ' */',
    'export function add(a: number, b: number): number {',
    '  return a + b;',
    '}',
    '',
    '/**',
    ' * @example',
    ' * broken() // => 1',
    ' */',
    'export function broken(): number {',
    '  // @ts-expect-error the helper is gone',
    '  return missingHelper();',
    '}',
    '',
  ].join('\n');
  const p = tempProject({ 'src/calc.ts': text, 'package.json': '{"name":"calc","type":"module"}' });
  try {
    const { findings, records } = await check(new JsExamplesTool(ctx, { sandbox }), p.root, 'src/calc.ts');
    const brief = findings.map((f) => [f.rule, f.level, f.range.start.line]).sort();
    assert.deepEqual(brief, [
      ['doctest-failed', 'error', 14],
      ['example-not-self-contained', 'note', 2],
      ['example-not-self-contained', 'note', 3],
    ], findings.map((f) => f.message).join('\n'));
    assert.match(findings.find((f) => f.range.start.line === 3).message, /prints its value instead of returning it/);
    assert.deepEqual(records.filter((r) => r.unit === 'add').map((r) => r.status), ['passed'], 'unjudged examples are no evidence');
  } finally {
    p.cleanup();
  }
});
