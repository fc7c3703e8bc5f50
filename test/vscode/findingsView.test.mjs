// The findings view and the inline hints read findings from plain diagnostics (source "critic",
// code = rule, data = tier/unit/confidence), whoever published them: the adapter, the tree
// (file → unit → finding, filtered by tier), the short end-of-line text and its throttle.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPure, repoRoot } from './support/pure.mjs';
import { critic } from '../support/cli.mjs';

const { criticFindingOf, diagnosticDataOf, tierOfRule } = await loadPure('src/vscode/diagnosticData.ts');
const { buildFindingsTree, countFindings, countsText, filterMessage, findUnit, parentOf } = await loadPure('src/vscode/findingsTree.ts');
const { hintText, firstClause, worstPerLine, KeyedThrottle } = await loadPure('src/vscode/inlineHintText.ts');

const severity = { error: 0, warning: 1, note: 2 };
const range = (line, start = 0, end = 5) => ({ start: { line, character: start }, end: { line, character: end } });

/** A diagnostic as the extension (or vscode-languageclient) publishes it for a finding. */
function diagnostic(f) {
  return {
    source: 'critic',
    code: f.helpUri ? { value: f.rule, target: f.helpUri } : f.rule,
    message: f.message,
    severity: severity[f.level],
    range: f.range,
    data: diagnosticDataOf(f),
  };
}

const finding = (over) => ({ rule: 'ruff-F821', level: 'error', message: 'Undefined name `scale`', range: range(3), unit: 'total', tier: 'tool', confidence: 1, fingerprint: 'fp-' + Math.random(), ...over });

test('the adapter reads rule, tier, unit and confidence from a diagnostic; other sources are not Critic findings', () => {
  const f = criticFindingOf(diagnostic(finding({ rule: 'model-edge-case', helpUri: 'https://example.invalid/rule', tier: 'model', confidence: 0.7, unit: 'Cart.total', level: 'warning' })));
  assert.equal(f.rule, 'model-edge-case');
  assert.equal(f.tier, 'model');
  assert.equal(f.unit, 'Cart.total');
  assert.equal(f.confidence, 0.7);
  assert.equal(f.severity, 1);
  assert.equal(criticFindingOf({ source: 'ts', code: 2339, message: 'x', severity: 0, range: range(1) }), undefined);
  assert.equal(criticFindingOf({ source: 'critic', message: 'no code', severity: 0, range: range(1) }), undefined);
});

test('without data (an older publisher) or with hostile data, the tier comes from the rule id and the unit is the module', () => {
  const bare = (rule) => criticFindingOf({ source: 'critic', code: rule, message: 'm', severity: 0, range: range(0) });
  assert.equal(bare('doctest-failed').tier, 'executed');
  assert.equal(bare('test-failed').tier, 'executed');
  assert.equal(bare('exec-timeout').tier, 'executed');
  assert.equal(bare('probe-mismatch').tier, 'model');
  assert.equal(bare('model-logic').tier, 'model');
  assert.equal(bare('ts-2339').tier, 'tool');
  assert.equal(bare('ruff-F821').unit, '<module>');
  assert.equal(tierOfRule('eslint-no-undef'), 'tool');
  const hostile = criticFindingOf({ source: 'critic', code: 'ts-2339', message: 'm', severity: 0, range: range(0), data: { tier: 'root', unit: { toString: 1 }, confidence: 7, fingerprint: 3 } });
  assert.deepEqual([hostile.tier, hostile.unit, hostile.confidence, hostile.fingerprint], ['tool', '<module>', 1, undefined]);
});

test('the tree groups file → unit → finding in position order, filters by tier, and keeps ids across rebuilds', () => {
  const a = [
    finding({ rule: 'doctest-failed', tier: 'executed', unit: 'add', range: range(8), message: 'Example `add(2, 2)` returned 5, expected 4', fingerprint: 'f1' }),
    finding({ rule: 'model-logic', tier: 'model', level: 'warning', unit: 'div', range: range(20), confidence: 0.8, message: 'Divides by zero', fingerprint: 'f2' }),
    finding({ unit: 'div', range: range(19), fingerprint: 'f3' }),
    finding({ unit: 'add', range: range(2), fingerprint: 'f4' }),
  ].map((f) => criticFindingOf(diagnostic(f)));
  const b = [criticFindingOf(diagnostic(finding({ rule: 'ts-2339', unit: 'Cart.total', range: range(1), message: "Property 'x' does not exist on type 'Cart'.", fingerprint: 'f5' })))];
  const files = [
    { uri: 'file:///p/shop/calc.py', label: 'shop/calc.py', findings: a },
    { uri: 'file:///p/cart.ts', label: 'cart.ts', findings: b },
  ];
  const all = new Set(['executed', 'tool', 'model']);
  const tree = buildFindingsTree(files, all);
  assert.deepEqual(tree.map((f) => [f.label, f.count]), [['cart.ts', 1], ['shop/calc.py', 4]]);
  const calc = tree[1];
  assert.deepEqual(calc.units.map((u) => [u.unit, u.findings.map((n) => n.finding.range.start.line)]), [['add', [2, 8]], ['div', [19, 20]]]);
  assert.deepEqual(buildFindingsTree(files, all).flatMap((f) => f.units.map((u) => u.id)), tree.flatMap((f) => f.units.map((u) => u.id)));

  const executedOnly = buildFindingsTree(files, new Set(['executed']));
  assert.deepEqual(executedOnly.map((f) => f.label), ['shop/calc.py'], 'a file with no finding of the shown tiers is left out');
  assert.deepEqual(executedOnly[0].units.map((u) => u.unit), ['add']);

  const counts = countFindings([...a, ...b]);
  assert.equal(countsText(counts), '4 errors · 1 warning');
  assert.deepEqual(counts.byTier, { executed: 1, tool: 3, model: 1 });
  assert.equal(filterMessage(counts, all), undefined);
  assert.equal(filterMessage(counts, new Set(['executed', 'tool'])), 'Showing executed and tool findings (1 hidden).');
  assert.equal(countsText(countFindings([])), 'no findings');

  const unit = findUnit(tree, 'file:///p/shop/calc.py', 'div');
  assert.equal(parentOf(tree, unit), calc);
  assert.equal(parentOf(tree, unit.findings[0]), unit);
  assert.equal(parentOf(tree, calc), undefined);
});

test('the inline hint: expected and actual for executed failures, the first clause otherwise', () => {
  const h = (rule, tier, message) => hintText({ rule, tier, message });
  assert.equal(h('doctest-failed', 'executed', 'Example `mean([1, 2, 3, 4])` returned 3.5, expected 2.5'), 'expected 2.5, got 3.5');
  assert.equal(h('doctest-failed', 'executed', 'Example `div(1, 0)` raised ZeroDivisionError: division by zero, expected 0'), 'expected 0, raised ZeroDivisionError: division by zero');
  assert.equal(h('doctest-failed', 'executed', "Example `slugify('Hello, World!')` returned 'hello,-world!', expected 'hello-world'"), "expected 'hello-world', got 'hello,-world!'");
  assert.equal(h('probe-mismatch', 'model', '`median([1, 2])` returned 1, expected 1.5 — the mean of the middle two'), 'expected 1.5, got 1');
  assert.equal(h('test-failed', 'executed', 'Test `test_total` failed: totals differ (expected 10, actual 12)'), 'expected 10, got 12');
  assert.equal(h('test-failed', 'executed', 'Test `TestCalc::test_add` failed: 5 != 4'), 'test_add failed: 5 != 4');
  assert.equal(h('exec-timeout', 'executed', 'Example `spin()` did not finish within 5 s (possible infinite loop)'), 'did not finish within 5 s');
  assert.equal(h('ts-2339', 'tool', "Property 'totl' does not exist on type 'Cart'. Did you mean 'total'?"), "Property 'totl' does not exist on type 'Cart'");
  assert.equal(h('model-edge-case', 'model', 'An empty list divides by zero; guard it\nmore detail'), 'An empty list divides by zero');
  assert.equal(firstClause('Use os.path.join — not string concatenation'), 'Use os.path.join');
  const long = h('model-logic', 'model', 'x'.repeat(200));
  assert.ok(long.length <= 72 && long.endsWith('…'));
});

test('one hint per line: the most severe finding, then the strongest evidence', () => {
  const fs = [
    finding({ rule: 'model-logic', tier: 'model', level: 'warning', range: range(4), confidence: 0.9 }),
    finding({ rule: 'ruff-F841', tier: 'tool', level: 'warning', range: range(4) }),
    finding({ rule: 'model-logic', tier: 'model', level: 'error', range: range(7) }),
    finding({ rule: 'doctest-failed', tier: 'executed', level: 'error', range: range(7) }),
  ].map((f) => criticFindingOf(diagnostic(f)));
  const worst = worstPerLine(fs);
  assert.deepEqual([...worst.keys()].sort(), [4, 7]);
  assert.equal(worst.get(4).rule, 'ruff-F841');
  assert.equal(worst.get(7).rule, 'doctest-failed');
});

test('the redraw throttle runs once per window with every key that changed meanwhile', () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const calls = [];
    const t = new KeyedThrottle(200, (keys) => calls.push([...keys].sort()));
    t.add(['a']);
    mock.timers.tick(100);
    t.add(['b', 'a']);
    assert.deepEqual(calls, []);
    mock.timers.tick(100);
    assert.deepEqual(calls, [['a', 'b']]);
    t.add([]);
    mock.timers.tick(500);
    assert.equal(calls.length, 1, 'nothing changed, nothing drawn');
    t.add(['c']);
    t.dispose();
    mock.timers.tick(500);
    assert.equal(calls.length, 1, 'disposed: the pending redraw is dropped');
  } finally {
    mock.timers.reset();
  }
});

const bwrapMissing = existsSync('/usr/bin/bwrap') ? undefined : 'bubblewrap is not installed (run npm run setup:linux)';
const skip = bwrapMissing && process.env.CI !== 'true' ? bwrapMissing : false;

test("the engine's real findings (a failing doctest run in the sandbox, a failing test) read well as hints and in the tree", { skip }, (t) => {
  assert.ok(!bwrapMissing, bwrapMissing);
  const tmp = mkdtempSync(join(tmpdir(), 'critic-view-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  cpSync(join(repoRoot, 'test', 'fixtures', 'exec', 'pyshop'), join(tmp, 'p'), { recursive: true });
  const r = critic(['check', '.', '--format', 'json'], { cwd: join(tmp, 'p'), env: { CRITIC_CACHE_DIR: join(tmp, 'cache') } });
  assert.equal(r.code, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  const files = new Map();
  for (const f of report.findings) {
    const d = diagnostic({ ...f, range: { start: { line: f.line - 1, character: f.column - 1 }, end: { line: f.endLine - 1, character: f.endColumn - 1 } } });
    if (!files.has(f.file)) files.set(f.file, []);
    files.get(f.file).push(criticFindingOf(d));
  }
  const calc = files.get('shop/calc.py');
  assert.deepEqual(calc.map((f) => [f.unit, hintText(f)]), [
    ['add', 'expected 4, got 5'],
    ['div', 'expected 0, raised ZeroDivisionError: division by zero'],
  ]);
  const tree = buildFindingsTree([...files].map(([label, findings]) => ({ uri: `file:///p/${label}`, label, findings })), new Set(['executed']));
  // The package's __init__.py re-exports calc, so the tests are related to it too; their failures
  // are calc's, and on __init__.py they are only notes.
  assert.deepEqual(tree.map((f) => [f.label, f.units.map((u) => u.unit)]), [['shop/__init__.py', ['<module>']], ['shop/calc.py', ['add', 'div']], ['tests/test_calc.py', ['TestCalc.test_add', 'TestCalc.test_div']]]);
  assert.deepEqual(report.findings.filter((f) => f.file === 'shop/__init__.py').map((f) => f.level), ['note', 'note']);
  assert.deepEqual(files.get('tests/test_calc.py').map(hintText), ['test_add failed: 5 != 4', 'test_div failed: ZeroDivisionError: division by zero']);
});
