import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeContext, out } from './support/engine.mjs';

const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { queries } = await import(out('engine/syntax/queries.js'));
const { enclosingUnit } = await import(out('engine/syntax/units.js'));

const ctx = makeContext();
const syntax = new SyntaxService(ctx.assets);
test.after(() => syntax.dispose());

const names = (parsed) => parsed.units.map((u) => `${u.kind}:${u.name}@${u.range.start.line + 1}-${u.range.end.line + 1}`);

test('every query compiles against every grammar it is listed for', async () => {
  const byGrammar = { python: 'python', javascript: 'javascript', typescript: 'typescript', tsx: 'typescriptreact' };
  for (const [grammarName, lang] of Object.entries(byGrammar)) {
    const grammar = await syntax.grammar(lang);
    assert.equal(grammar.name, grammarName);
    for (const q of Object.keys(queries[grammarName])) assert.doesNotThrow(() => grammar.query(q), `${q} on ${grammarName}`);
  }
});

test('python: functions, methods, decorated definitions, classes, nested functions', async () => {
  const text = [
    'import os',
    'from .cart import total',
    '',
    '@dataclass',
    'class Cart:',
    '    items: list',
    '',
    '    @property',
    '    def count(self):',
    '        return len(self.items)',
    '',
    'def outer(x):',
    '    def inner(y):',
    '        return y',
    '    return inner(x)',
  ].join('\n');
  const parsed = await syntax.analyse('a.py', text, 'python');
  assert.deepEqual(names(parsed), ['module:<module>@1-15', 'class:Cart@4-10', 'method:Cart.count@8-10', 'function:outer@12-15', 'function:outer.inner@13-14']);
  assert.deepEqual(parsed.syntaxProblems, []);
  assert.deepEqual(parsed.imports.map((i) => i.source), ['os', '.cart']);
  const u = enclosingUnit(parsed.units, { start: { line: 9, character: 8 }, end: { line: 9, character: 14 } });
  assert.equal(u.name, 'Cart.count');
  assert.equal(enclosingUnit(parsed.units, { start: { line: 0, character: 0 }, end: { line: 0, character: 3 } }).name, '<module>');
});

test('typescript: classes, methods, arrow functions, exported declarations', async () => {
  const text = [
    "import { readFile } from 'node:fs';",
    'export class Cart {',
    '  private items: number[] = [];',
    '  total(): number { return this.items.reduce((a, b) => a + b, 0); }',
    '  add = (n: number) => { this.items.push(n); };',
    '}',
    'export const double = (n: number): number => n * 2;',
    'export default function main() {}',
    'abstract class Shape { abstract area(): number; describe() { return 1; } }',
  ].join('\n');
  const parsed = await syntax.analyse('a.ts', text, 'typescript');
  assert.deepEqual(names(parsed), [
    'module:<module>@1-9',
    'class:Cart@2-6',
    'method:Cart.total@4-4',
    'method:Cart.add@5-5',
    'function:double@7-7',
    'function:main@8-8',
    'class:Shape@9-9',
    'method:Shape.describe@9-9',
  ]);
  assert.equal(parsed.units[4].range.start.character, 0, 'the export keyword belongs to the unit');
  assert.deepEqual(parsed.imports.map((i) => i.source), ['node:fs']);
});

test('javascript and tsx parse with their own grammars', async () => {
  const js = await syntax.analyse('a.js', "const f = function () { return 1; };\nclass A { m() {} }\nconst x = require('./x');\n", 'javascript');
  assert.deepEqual(names(js), ['module:<module>@1-4', 'function:f@1-1', 'class:A@2-2', 'method:A.m@2-2']);
  assert.deepEqual(js.imports.map((i) => i.source), ['./x']);
  const tsx = await syntax.analyse('a.tsx', 'export function App(): JSX.Element { return <div className="x">{1}</div>; }\n', 'typescriptreact');
  assert.deepEqual(tsx.syntaxProblems, []);
  assert.deepEqual(names(tsx), ['module:<module>@1-2', 'function:App@1-1']);
});

test('syntax errors point at the broken place', async () => {
  const py = await syntax.analyse('b.py', 'def f(x):\n    return (x + \n\ndef g():\n    pass\n', 'python');
  assert.ok(py.syntaxProblems.length >= 1);
  const ts = await syntax.analyse('b.ts', 'function f(a: number {\n  return a;\n}\n', 'typescript');
  assert.ok(ts.syntaxProblems.length >= 1);
  assert.equal(ts.syntaxProblems[0].range.start.line, 0);
  const missing = await syntax.analyse('c.ts', 'const a = [1, 2;\n', 'typescript');
  assert.match(missing.syntaxProblems.map((p) => p.message).join(' '), /missing|unexpected/);
});

test('incremental reparse reuses the previous tree and frees the old one', async () => {
  const base = Array.from({ length: 200 }, (_, i) => `def f${i}(x):\n    return x + ${i}\n`).join('\n');
  await syntax.analyse('inc.py', base, 'python');
  const edited = base.replace('return x + 100', 'return x - 100');
  const parsed = await syntax.analyse('inc.py', edited, 'python');
  assert.equal(parsed.incremental, true);
  assert.equal(parsed.units.length, 201);
  const again = await syntax.analyse('inc.py', edited + '\ndef g(:\n', 'python');
  assert.ok(again.syntaxProblems.length > 0);
  assert.ok(again.units.length >= 201);
});

test('unicode columns are UTF-16 offsets like the editor', async () => {
  const parsed = await syntax.analyse('u.py', 's = "héllo😀"\ndef f():\n    return s\n', 'python');
  assert.equal(parsed.units[1].nameRange.start.character, 4);
  const bad = await syntax.analyse('u2.ts', 'const s = "😀"; const t = [1, 2;\n', 'typescript');
  assert.ok(bad.syntaxProblems[0].range.start.character >= 'const s = "😀"; const t = [1, 2'.length, JSON.stringify(bad.syntaxProblems));
});

test('context packing: imports, signatures of called same-file functions, enclosing class outline', async () => {
  const { packContext } = await import(out('engine/syntax/contextPack.js'));
  const text = [
    'import math',
    'from .util import clamp',
    '',
    'def helper(a, b=2):',
    '    """Helps."""',
    '    return a * b',
    '',
    'def unrelated():',
    '    return 42',
    '',
    'class Shape:',
    '    def __init__(self, r):',
    '        self.r = r',
    '',
    '    def area(self):',
    '        return helper(self.r) * math.pi + self.scale(2)',
    '',
    '    def scale(self, k):',
    '        return self.r * k',
  ].join('\n');
  const doc = { path: '/p/shape.py', text, language: 'python', projectRoot: '/p' };
  const parsed = await syntax.analyse(doc.path, text, 'python');
  const area = parsed.units.find((u) => u.name === 'Shape.area');
  const packed = await packContext(syntax, doc, [area]);
  assert.match(packed.text, /^import math\nfrom \.util import clamp/);
  assert.match(packed.text, /def helper\(a, b=2\): \.\.\./);
  assert.match(packed.text, /class Shape:\n    def __init__\(self, r\): \.\.\./);
  assert.doesNotMatch(packed.text, /unrelated|return 42|self\.r = r/);
  assert.deepEqual(packed.signatures.sort(), ['Shape.scale', 'helper']);

  const ts = 'export function norm(v: number[]): number {\n  return Math.sqrt(dot(v, v));\n}\nfunction dot(a: number[], b: number[]): number {\n  return a.reduce((s, x, i) => s + x * b[i], 0);\n}\n';
  const tdoc = { path: '/p/v.ts', text: ts, language: 'typescript', projectRoot: '/p' };
  const tp = await syntax.analyse(tdoc.path, ts, 'typescript');
  const packedTs = await packContext(syntax, tdoc, [tp.units.find((u) => u.name === 'norm')]);
  assert.equal(packedTs.text, 'function dot(a: number[], b: number[]): number { … }');
});
