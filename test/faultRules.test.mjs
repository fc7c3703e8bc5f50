// Rules that place a failing test's fault on the right function and line, on real sandboxed runs:
// per-subtest coverage (unittest subTest), the tie between equally suspicious functions, and a
// deliberate raise read as the symptom of a wrong value computed elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeContext, out, tempProject } from './support/engine.mjs';
import { needsSandbox, realSandbox } from './support/sandbox.mjs';
import { lineOf, toolChecker } from './support/exec.mjs';

const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { RelatedTestsTool } = await import(out('engine/evidence/relatedTests.js'));

const ctx = makeContext({ config: { execution: { exampleTimeoutMs: 4000 } } });
const syntax = new SyntaxService(ctx.assets);
const sandbox = await realSandbox();
test.after(() => syntax.dispose());
const check = toolChecker(syntax);

test('python subTest: each subtest is a run of its own, so the failing one points at its branch (and is counted once)', needsSandbox, async () => {
  const tests = [
    'import unittest',
    'from shipping import cost',
    '',
    'class TestCost(unittest.TestCase):',
    '    def test_cost(self):',
    '        for kg, want in [(1, 5), (7, 10), (30, 20)]:',
    '            with self.subTest(kg=kg):',
    '                self.assertEqual(cost(kg), want)',
    '',
  ].join('\n');
  const src = ['def cost(kg):', '    if kg < 5:', '        return 5', '    if kg < 20:', '        return 10', '    extra = kg + 20', '    return 10 + extra', ''].join('\n');
  const p = tempProject({ 'shipping.py': src, 'tests/test_shipping.py': tests });
  try {
    const { doc, findings } = await check(new RelatedTestsTool(ctx, { sandbox, syntax }), p.root, 'shipping.py');
    assert.equal(findings.length, 1, JSON.stringify(findings.map((f) => f.message)));
    const [f] = findings;
    assert.match(f.message, /^Test `TestCost(::|\.)test_cost \(kg=30\)` failed: .*line 6 is its most suspicious line, Ochiai 1\.00 from 1 failing run and 2 passing runs/);
    assert.equal(f.range.start.line, lineOf(doc.text, 'extra = kg + 20'));
  } finally {
    p.cleanup();
  }
});

test('tie between functions the failing test alone ran: the one the others are reached from through calls wins', needsSandbox, async () => {
  // piece's lines and split_all's spaced branch are run by the failing test only (all Ochiai 1.00);
  // the test calls parse, which both tests run alike. The branch that calls piece is the fault.
  const src = [
    'def piece(p):',
    '    q = p.strip()',
    '    return q',
    '',
    'def split_all(text):',
    '    out = []',
    "    for p in text.split(';'):",
    "        if p.startswith(' '):",
    '            out.append(piece(p).upper())',
    '        else:',
    '            out.append(p)',
    '    return out',
    '',
    'def parse(text):',
    '    return split_all(text)',
    '',
  ].join('\n');
  const tests = ['from words import parse', '', 'def test_plain():', "    assert parse('a;b') == ['a', 'b']", '', 'def test_spaced():', "    assert parse('a; b') == ['a', 'b']", ''].join('\n');
  const p = tempProject({ 'words.py': src, 'tests/test_words.py': tests });
  try {
    const { doc, findings } = await check(new RelatedTestsTool(ctx, { sandbox, syntax }), p.root, 'words.py');
    assert.equal(findings.length, 1, JSON.stringify(findings.map((f) => f.message)));
    const [f] = findings;
    assert.match(f.message, /^Test `test_spaced` failed: .*\(in `split_all`; line 9 is its most suspicious line.*reached through `parse`, which the test calls\)$/);
    assert.equal(f.range.start.line, lineOf(doc.text, 'out.append(piece(p).upper())'));
  } finally {
    p.cleanup();
  }
});

test('a deliberate raise is the symptom: the wrong value came from the helper it called, where the error goes', needsSandbox, async () => {
  const src = [
    'def to_int(s):',
    '    s = s.strip()',
    "    if s.startswith('+'):",
    '        return -int(s[1:])',
    '    return int(s)',
    '',
    'def port(s):',
    '    n = to_int(s)',
    '    if n < 0:',
    "        raise ValueError('negative port')",
    '    return n',
    '',
  ].join('\n');
  const tests = ['from net import port', '', 'def test_plain():', "    assert port('80') == 80", '', 'def test_plus():', "    assert port('+80') == 80", ''].join('\n');
  const p = tempProject({ 'net.py': src, 'tests/test_net.py': tests });
  try {
    const { doc, findings } = await check(new RelatedTestsTool(ctx, { sandbox, syntax }), p.root, 'net.py');
    assert.equal(findings.length, 1, JSON.stringify(findings.map((f) => f.message)));
    const [f] = findings;
    assert.match(f.message, /^Test `test_plus` failed: ValueError: negative port.*\(in `to_int`; line 4 is the most suspicious line the test ran, Ochiai 1\.00; raised at line 10 in `port`\)$/);
    assert.equal(f.range.start.line, lineOf(doc.text, 'return -int(s[1:])'));
    assert.ok(f.related.some((r) => r.file === doc.path && r.range.start.line === lineOf(doc.text, "raise ValueError('negative port')") && r.message === 'raised at line 10 in `port`'), JSON.stringify(f.related));
  } finally {
    p.cleanup();
  }
});

test('suspectUnit tie in TypeScript: `new Store(` is a call of the constructor, so the function that builds the store wins', async () => {
  const { suspectUnit } = await import(out('engine/evidence/exec/suspectUnits.js'));
  const text = [
    'export class Store {', // 1
    '  constructor(v: number) {', // 2
    '    this.v = v;', // 3
    '  }', // 4
    '}', // 5
    'export function fromText(t: string) {', // 6
    '  return new Store(Number(t) + 1);', // 7 (the fault)
    '}', // 8
    '',
  ].join('\n');
  const r = (a, b) => ({ start: { line: a - 1, character: 0 }, end: { line: b - 1, character: 1 } });
  const unit = (name, kind, a, b) => ({ name, kind, range: r(a, b), nameRange: r(a, a), startIndex: 0, endIndex: 0 });
  const units = [unit('<module>', 'module', 1, 9), unit('Store', 'class', 1, 5), unit('Store.constructor', 'method', 2, 4), unit('fromText', 'function', 6, 8)];
  const spectra = [{ passed: false, lines: [3, 7] }, { passed: true, lines: [] }];
  assert.equal(suspectUnit([3, 7], spectra, units, 9).unit.name, 'Store.constructor', 'without the text: the earliest line');
  assert.equal(suspectUnit([3, 7], spectra, units, 9, undefined, text.split('\n')).unit.name, 'fromText');
  assert.equal(suspectUnit([3, 7], spectra, units, 9, units[2], text.split('\n')).unit.name, 'Store.constructor', 'the function the test calls still wins a tie');
});
