// A failing test placed on what the change under critique edited: `critic check` on a file with
// uncommitted lines and `critic diff` know the change, and a test whose run went through an edited
// function counts against that function, on the edited line, even when coverage alone cannot
// single it out (the test calls the helper only through another module, and every test runs the
// helper's callee alike). Real CLI, real git, real pytest in the sandbox.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { critic, gitIn } from './support/cli.mjs';
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
