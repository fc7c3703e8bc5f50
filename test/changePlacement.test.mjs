// A failing test placed on what the change under critique edited: `critic check` on a file with
// uncommitted lines and `critic diff` know the change, and a test whose run went through an edited
// function counts against that function, on the edited line, even when coverage alone cannot
// single it out (the test calls the helper only through another module, and every test runs the
// helper's callee alike). The language server knows it too: the unsaved buffer's lines that
// differ from the committed file. Real CLI, real language server, real git, real pytest in the sandbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { critic, gitIn } from './support/cli.mjs';
import { startLsp, uriOf } from './support/lspClient.mjs';
import { tempProject } from './support/engine.mjs';
import { needsSandbox } from './support/sandbox.mjs';

const core = ['def _normalise(x):', '    return x.strip()', '', '', 'def _equals(x, y):', '    return _normalise(x) == _normalise(y)', ''].join('\n');
const api = ['from core import _equals', '', '', 'def same(a, b):', '    return _equals(a, b)', ''].join('\n');
const tests = ['from api import same', '', '', 'def test_same():', "    assert same(' a', 'a')", '', '', 'def test_differ():', "    assert not same('a', 'b')", ''].join('\n');
const buggy = core.replace(') == _normalise', ') != _normalise');

function project(t, text) {
  const p = tempProject({ 'core.py': text, 'api.py': api, 'tests/test_core.py': tests }, 'critic-change-');
  t.after(p.cleanup);
  gitIn(p.root, 'init', '-q');
  gitIn(p.root, 'add', '.');
  gitIn(p.root, 'commit', '-qm', 'base');
  return p;
}

const run = (args, cwd) => {
  const r = critic([...args, '--no-daemon', '--format', 'json'], { cwd, env: { XDG_CACHE_HOME: join(cwd, '.cache') } });
  return { ...r, out: JSON.parse(r.stdout) };
};

test('check: a test that reaches an uncommitted edit through another module fails on the edited line', needsSandbox, (t) => {
  const p = project(t, core);
  writeFileSync(join(p.root, 'core.py'), buggy);
  const r = run(['check', 'core.py'], p.root);
  assert.equal(r.code, 1, r.stderr);
  const errors = r.out.findings.filter((f) => f.level === 'error');
  assert.deepEqual(errors.map((f) => [f.rule, f.line]), [['test-failed', 6], ['test-failed', 6]], JSON.stringify(r.out.findings));
  assert.match(errors[0].message, /^Test `test_same` failed: assert False \(in `_equals`: it ran line 6, which this change edited\)$/);
  assert.deepEqual(r.out.summary.execution.functionsWithoutEvidence, ['_normalise'], 'the failing tests count as evidence about _equals');
  // diff mode knows the same change.
  const d = run(['diff'], p.root);
  assert.equal(d.code, 1, d.stderr);
  assert.deepEqual(d.out.findings.filter((f) => f.level === 'error').map((f) => f.line), [6, 6]);
});

test('check: the same failure with nothing uncommitted is not counted against the file the test never names', needsSandbox, (t) => {
  // Coverage alone ties _normalise and _equals, and the test calls only api.same: without the
  // change there is no evidence which function of core.py is wrong, so no error here.
  const p = project(t, buggy);
  const r = run(['check', 'core.py'], p.root);
  assert.equal(r.code, 0, r.stdout);
  assert.deepEqual(r.out.findings.filter((f) => f.level === 'error'), []);
  assert.equal(r.out.summary.execution.tests.failed, 2, 'the tests ran and failed');
  // The text summary says so instead of a green tick, and names the failing tests.
  const text = critic(['check', 'core.py', '--no-daemon'], { cwd: p.root, env: { XDG_CACHE_HOME: join(p.root, '.cache') } });
  assert.match(text.stdout, /^! no findings in 1 file, but 2 tests ran, 2 did not pass \(test_same, test_differ\); .*: the failures point at no line checked here/m, text.stdout);
});

test('check: an edit the failing tests never ran does not move their failure', needsSandbox, (t) => {
  const p = project(t, buggy);
  // An unrelated edit below: the tests do not run it.
  writeFileSync(join(p.root, 'core.py'), `${buggy}\n\ndef unused(x):\n    return x\n`);
  const r = run(['check', 'core.py'], p.root);
  assert.deepEqual(r.out.findings.filter((f) => f.level === 'error'), [], JSON.stringify(r.out.findings));
});

test('check: a failing example whose run went through an edited helper is placed on the edit', needsSandbox, (t) => {
  const stats = [
    'def _total(xs):',
    '    s = 0',
    '    for x in xs:',
    '        s += x',
    '    return s',
    '',
    '',
    'def mean(xs):',
    '    """',
    '    >>> mean([1, 2, 3])',
    '    2.0',
    '    """',
    '    return _total(xs) / len(xs)',
    '',
  ].join('\n');
  const p = tempProject({ 'stats.py': stats }, 'critic-change-');
  t.after(p.cleanup);
  gitIn(p.root, 'init', '-q');
  gitIn(p.root, 'add', '.');
  gitIn(p.root, 'commit', '-qm', 'base');
  writeFileSync(join(p.root, 'stats.py'), stats.replace('        s += x', '        s += x * x'));
  const r = run(['check', 'stats.py'], p.root);
  const errors = r.out.findings.filter((f) => f.level === 'error');
  assert.deepEqual(errors.map((f) => [f.rule, f.line]), [['doctest-failed', 4]], JSON.stringify(r.out.findings));
  assert.match(errors[0].message, /^Example `mean\(\[1, 2, 3\]\)` returned 4\.666\d*, expected 2\.0 \(in `_total`: it ran line 4, which this change edited\)$/);
  // Committed, nothing says which function is wrong but the example's own.
  gitIn(p.root, 'commit', '-qam', 'bug');
  const c = run(['check', 'stats.py'], p.root);
  assert.deepEqual(c.out.findings.filter((f) => f.level === 'error').map((f) => [f.rule, f.line]), [['doctest-failed', 13]], JSON.stringify(c.out.findings));
});

test('language server: an unsaved edit of a helper the tests reach through another module gets the failure on the edited line', needsSandbox, async (t) => {
  const p = project(t, core);
  const client = await startLsp({ root: p.root, initializationOptions: { trusted: true }, settings: { debounceMs: 0 }, env: { XDG_CACHE_HOME: join(p.root, '.cache') } });
  t.after(() => client.stop());
  const file = join(p.root, 'core.py');
  const uri = uriOf(file);
  // Only the buffer has the bug: the file on disk is the committed one.
  await client.open(file, buggy, 'python');
  await client.waitStatus(uri, 1);
  const errors = client.lastFor(uri, 1).filter((d) => d.severity === 1);
  assert.deepEqual(errors.map((d) => [d.code, d.range.start.line]), [['test-failed', 5], ['test-failed', 5]], JSON.stringify(client.lastFor(uri, 1)));
  assert.match(errors[0].message, /\(in `_equals`: it ran line 6, which this change edited\)/);
  // Undo in the buffer: nothing differs from the commit, the tests pass, nothing is left.
  const v2 = client.change(file, { start: { line: 0, character: 0 }, end: { line: core.split('\n').length, character: 0 } }, core);
  await client.waitStatus(uri, v2);
  assert.deepEqual(client.lastFor(uri, v2).filter((d) => d.severity === 1), []);
});

test('editedLines: what git diff -U0 marks, for a buffer git has not seen', async () => {
  const { editedLines } = await import('../out/engine/lineDiff.js');
  const base = 'a\nb\nc\nd\ne\n';
  assert.deepEqual(editedLines(base, base), []);
  assert.deepEqual(editedLines(base, 'a\nb\nX\nd\ne\n'), [{ start: 2, end: 2 }], 'a replaced line, not its neighbours');
  assert.deepEqual(editedLines(base, 'a\nb\nd\ne\n'), [{ start: 1, end: 2 }], 'a dropped line marks the lines around the gap');
  assert.deepEqual(editedLines(base, 'a\nb\nc\nN\nM\nd\ne\n'), [{ start: 3, end: 4 }]);
  assert.deepEqual(editedLines(base, 'Z\nb\nc\nd\nY\n'), [{ start: 0, end: 0 }, { start: 4, end: 4 }]);
  assert.deepEqual(editedLines('a\r\nb\r\n', 'a\nb\n'), [], 'line endings alone are no edit');
});
