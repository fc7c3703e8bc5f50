import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, writeFileSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { critic, gitIn } from './support/cli.mjs';
import { repoRoot, tempProject } from './support/engine.mjs';

const brokenPy = 'def f(x):\n    return (x +\n\ndef g():\n    pass\n';
const cleanPy = 'def add(a, b):\n    return a + b\n';

test('exit 0 and a summary when there is nothing to report', (t) => {
  const p = tempProject({ 'ok.py': cleanPy });
  t.after(p.cleanup);
  const r = critic(['check', '.'], { cwd: p.root });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /no findings in 1 file/);
});

test('exit 1 with compiler-style lines when there is an error', (t) => {
  const p = tempProject({ 'bad.py': brokenPy });
  t.after(p.cleanup);
  const r = critic(['check', 'bad.py'], { cwd: p.root });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /^bad\.py:\d+:\d+: error \S+ /m);
  assert.match(r.stdout, /1 error in 1 of 1 file/, 'a syntax error is reported once, not as a cascade');
});

test('--fail-on decides the exit code', (t) => {
  const p = tempProject({ 'bad.py': brokenPy });
  t.after(p.cleanup);
  assert.equal(critic(['check', '.', '--fail-on', 'never'], { cwd: p.root }).code, 0);
  assert.equal(critic(['check', '.', '--fail-on=warning'], { cwd: p.root }).code, 1);
});

test('usage errors exit 2 with one clear line', (t) => {
  const p = tempProject({ 'a.py': cleanPy, 'notes.txt': 'hello' });
  t.after(p.cleanup);
  const cases = [
    [['check', '.', '--bogus'], /unknown option "--bogus"/],
    [['check', 'missing.py'], /no such file or folder: missing\.py/],
    [['check', 'notes.txt'], /unsupported file type: notes\.txt/],
    [['check'], /needs at least one file or folder/],
    [['check', '.', '--format', 'xml'], /--format must be one of text, json, sarif/],
    [['check', '.', '--staged'], /--staged is not an option of "critic check"/],
    [['frobnicate'], /unknown command "frobnicate"/],
  ];
  for (const [args, message] of cases) {
    const r = critic(args, { cwd: p.root });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  }
});

test('folders skip unsupported files, node_modules, virtual envs and .gitignored paths', (t) => {
  const p = tempProject({
    'src/a.py': brokenPy,
    'src/readme.md': '# hi',
    'node_modules/x/index.js': 'const a = [1, 2;\n',
    '.venv/pyvenv.cfg': 'home = /usr',
    '.venv/lib/m.py': brokenPy,
    'env2/pyvenv.cfg': 'home = /usr',
    'env2/m.py': brokenPy,
    'generated/g.ts': 'const a = [1, 2;\n',
    '.gitignore': 'generated/\n',
    'src/sub/.gitignore': 'skip.py\n',
    'src/sub/skip.py': brokenPy,
    'src/sub/keep.py': brokenPy,
  });
  t.after(p.cleanup);
  const r = critic(['check', '.', '--format', 'json'], { cwd: p.root });
  const files = [...new Set(JSON.parse(r.stdout).findings.map((f) => f.file))].sort();
  assert.deepEqual(files, ['src/a.py', 'src/sub/keep.py']);
  assert.equal(JSON.parse(r.stdout).summary.filesChecked, 2);
});

test('configuration: ignore patterns, rule overrides, failOn; bad configuration names file and key', (t) => {
  const p = tempProject({ 'a.py': brokenPy, 'gen/b.py': brokenPy, '.critic.json': JSON.stringify({ ignore: ['gen/'], rules: { 'syntax-error': 'warning' }, failOn: 'error' }) });
  t.after(p.cleanup);
  let r = critic(['check', '.', '--format', 'json'], { cwd: p.root });
  const out = JSON.parse(r.stdout);
  assert.deepEqual([...new Set(out.findings.map((f) => f.file))], ['a.py']);
  assert.ok(out.findings.every((f) => f.rule !== 'syntax-error' || f.level === 'warning'));
  writeFileSync(join(p.root, '.critic.json'), JSON.stringify({ rules: { 'syntax-error': 'off', 'syntax-missing': 'off', 'ruff-syntax': 'off' } }));
  r = critic(['check', '.'], { cwd: p.root });
  assert.equal(r.code, 0, r.stdout);
  for (const [config, message] of [
    [{ tools: { typescript: 'yes' } }, /\.critic\.json: invalid "tools\.typescript": expected true or false/],
    [{ failOn: 'sometimes' }, /invalid "failOn": expected one of "error", "warning", "note", "never"/],
    [{ rules: { 'ts-2339': 'loud' } }, /invalid "rules\.ts-2339": expected one of "error", "warning", "note", "off"/],
  ]) {
    writeFileSync(join(p.root, '.critic.json'), JSON.stringify(config));
    r = critic(['check', '.'], { cwd: p.root });
    assert.equal(r.code, 2, JSON.stringify(config));
    assert.match(r.stderr, message);
  }
  // An unknown key may be a typo or a newer version's: said once, skipped, and the rest applies.
  writeFileSync(join(p.root, '.critic.json'), JSON.stringify({ colour: true, tools: { typescript: true, lint: true }, rules: { 'syntax-error': 'off', 'syntax-missing': 'off', 'ruff-syntax': 'off' } }));
  r = critic(['check', '.'], { cwd: p.root });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /\.critic\.json: unknown key "colour" is ignored; allowed: \$schema, tools, tests, rules, ignore, failOn, execution, model/);
  assert.match(r.stdout + r.stderr, /unknown key "tools\.lint" is ignored; allowed: syntax, typescript, ruff, eslint, examples, tests/);
  writeFileSync(join(p.root, '.critic.json'), '{ "failOn": ');
  r = critic(['check', '.'], { cwd: p.root });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /\.critic\.json: invalid "\(file\)": not valid JSON/);
});

test('inline suppressions: same line, next line, by rule, whole file; strings do not count', (t) => {
  const p = tempProject({
    'a.ts': [
      "export const a: number = 'x'; // critic-ignore",
      '// critic-ignore-next-line ts-2322',
      "export const b: number = 'x';",
      '// critic-ignore-next-line ts-9999 -- a different rule',
      "export const c: number = 'x';",
      "export const s = 'critic-ignore'; export const d: number = 'x';",
      '/* critic-ignore-next-line 2322 */',
      "export const e: number = 'x';",
    ].join('\n'),
    'b.py': '# critic-ignore-file\n' + brokenPy,
  });
  t.after(p.cleanup);
  const r = critic(['check', '.', '--format', 'json'], { cwd: p.root });
  const lines = JSON.parse(r.stdout).findings.map((f) => `${f.file}:${f.line}:${f.rule}`);
  assert.deepEqual(lines, ['a.ts:5:ts-2322', 'a.ts:6:ts-2322']);
});

test('SARIF output passes the SARIF 2.1.0 validator and carries the contract fields', (t) => {
  const p = tempProject({ 'src/bad.py': brokenPy, 'ok.ts': 'export const x = 1;\n' });
  t.after(p.cleanup);
  const r = critic(['check', '.', '--format', 'sarif'], { cwd: p.root });
  assert.equal(r.code, 1);
  const log = JSON.parse(r.stdout);
  assert.equal(log.version, '2.1.0');
  assert.equal(log.runs.length, 1);
  assert.equal(log.runs[0].tool.driver.name, 'critic');
  const res = log.runs[0].results[0];
  assert.match(res.ruleId, /^critic\//);
  assert.ok(['error', 'warning', 'note'].includes(res.level));
  assert.equal(res.locations[0].physicalLocation.artifactLocation.uri, 'src/bad.py');
  assert.ok(res.locations[0].physicalLocation.region.startLine >= 1);
  assert.ok(res.partialFingerprints['criticFingerprint/v1']);
  assert.deepEqual(Object.keys(res.properties).slice(0, 3), ['tier', 'confidence', 'unit']);
  const validator = join(repoRoot, 'node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool');
  if (process.platform !== 'linux' || !existsSync(validator)) return t.skip('SARIF multitool not installed');
  chmodSync(validator, 0o755);
  const file = join(p.root, 'out.sarif');
  writeFileSync(file, r.stdout);
  const v = spawnSync(validator, ['validate', file, '-o', join(p.root, 'validation.sarif')], { encoding: 'utf8', env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' } });
  assert.equal(v.status, 0, v.stdout + v.stderr);
  const problems = JSON.parse(readFileSync(join(p.root, 'validation.sarif'), 'utf8')).runs[0].results ?? [];
  assert.deepEqual(problems.filter((x) => x.level === 'error').map((x) => JSON.stringify(x.message)), []);
});

test('diff --staged reports findings only on staged changed lines', (t) => {
  const original = ['def f(x):', '    return x', '', 'def g(y):', '    return y', ''].join('\n');
  const p = tempProject({ 'm.py': original, 'other.ts': 'const a = [1, 2;\n' });
  t.after(p.cleanup);
  gitIn(p.root, 'init', '-q');
  gitIn(p.root, 'add', '.');
  gitIn(p.root, 'commit', '-qm', 'base');
  // An old syntax error stays in other.ts (untouched); a new one is staged in g.
  writeFileSync(join(p.root, 'm.py'), original.replace('    return y', '    return (y +'));
  gitIn(p.root, 'add', 'm.py');
  let r = critic(['diff', '--staged', '--format', 'json'], { cwd: p.root });
  let out = JSON.parse(r.stdout);
  assert.equal(r.code, 1, r.stderr);
  assert.ok(out.findings.length >= 1);
  assert.ok(out.findings.every((f) => f.file === 'm.py' && f.line === 5), JSON.stringify(out.findings));
  // The working tree fixes it, but --staged critiques what will be committed.
  writeFileSync(join(p.root, 'm.py'), original);
  r = critic(['diff', '--staged'], { cwd: p.root });
  assert.equal(r.code, 1);
  r = critic(['diff'], { cwd: p.root });
  assert.equal(r.code, 0, r.stdout);
  // Untracked new files count as changed.
  writeFileSync(join(p.root, 'new.ts'), 'const a = [1, 2;\n');
  out = JSON.parse(critic(['diff', '--format', 'json'], { cwd: p.root }).stdout);
  assert.deepEqual([...new Set(out.findings.map((f) => f.file))], ['new.ts']);
});

test('diff --base compares with the merge base of a revision', (t) => {
  const p = tempProject({ 'a.ts': 'export const a = 1;\n' });
  t.after(p.cleanup);
  gitIn(p.root, 'init', '-q', '-b', 'main');
  gitIn(p.root, 'add', '.');
  gitIn(p.root, 'commit', '-qm', 'base');
  gitIn(p.root, 'checkout', '-qb', 'feature');
  writeFileSync(join(p.root, 'b.ts'), 'const b = [1, 2;\n');
  gitIn(p.root, 'add', '.');
  gitIn(p.root, 'commit', '-qm', 'feature');
  const r = critic(['diff', '--base', 'main', '--format', 'json'], { cwd: p.root });
  assert.deepEqual([...new Set(JSON.parse(r.stdout).findings.map((f) => f.file))], ['b.ts']);
  const bad = critic(['diff', '--base', 'nope'], { cwd: p.root });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown revision "nope"/);
});

test('diff outside a git repository is a clear usage error', (t) => {
  const p = tempProject({ 'a.py': cleanPy });
  t.after(p.cleanup);
  const r = critic(['diff'], { cwd: p.root, env: { GIT_CEILING_DIRECTORIES: p.root } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not inside a git repository/);
});

test('--help and --version', () => {
  assert.match(critic(['--help']).stdout, /critic check <paths…>/);
  assert.match(critic(['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
});
