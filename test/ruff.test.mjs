import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeContext, out, repoRoot, tempProject } from './support/engine.mjs';

const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { RuffTool, createRuffTool, findRuffConfig, effectiveSettings, ruffLevel } = await import(out('engine/evidence/ruff.js'));
const { ToolUnavailableError } = await import(out('engine/evidence/tool.js'));

const ctx = makeContext();
const syntax = new SyntaxService(ctx.assets);
const fixtures = join(repoRoot, 'test', 'fixtures');
test.after(() => syntax.dispose());

async function check(tool, path, text = readFileSync(path, 'utf8')) {
  const parsed = await syntax.analyse(path, text, 'python');
  return (await tool.run({ path, text, language: 'python', projectRoot: fixtures }, parsed, new AbortController().signal)).findings;
}

const brief = (findings) => findings.map((f) => `${f.rule}:${f.level}@${f.range.start.line}:${f.range.start.character}-${f.range.end.line}:${f.range.end.character}`);
const sorted = (findings) => [...findings].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);

test('defaults: undefined name after non-ASCII text is an error at the UTF-16 column; unused variable warns; style is left alone', async () => {
  const tool = createRuffTool(ctx);
  const path = join(fixtures, 'ruff-plain', 'greet.py');
  assert.equal(findRuffConfig(path), undefined);
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const col = lines[1].indexOf('nme'); // UTF-16 index: `é` is one unit, the emoji two
  assert.ok(lines[3].length > 88, 'the fixture has a long line that E501 would flag');
  const findings = sorted(await check(tool, path));
  assert.deepEqual(brief(findings), [`ruff-F821:error@1:${col}-1:${col + 3}`, 'ruff-F841:warning@2:4-2:10']);
  const [f821] = findings;
  assert.equal(f821.source, 'ruff');
  assert.equal(f821.tier, 'tool');
  assert.equal(f821.confidence, 1);
  assert.equal(f821.file, path);
  assert.match(f821.message, /Undefined name `nme`/);
  tool.dispose();
});

test('syntax errors are ruff-syntax errors, and the Workspace stays warm', async () => {
  const tool = new RuffTool(ctx);
  const path = join(fixtures, 'ruff-plain', 'greet.py');
  const findings = await check(tool, path, 'def f(:\n    pass\n');
  assert.ok(findings.length > 0);
  assert.ok(findings.every((f) => f.rule === 'ruff-syntax' && f.level === 'error'), brief(findings).join());
  assert.deepEqual(findings[0].range.start, { line: 0, character: 6 });
  await check(tool, path);
  await check(tool, path, 'import os\n');
  assert.equal(tool.workspacesCreated, 1);
  tool.dispose();
});

test('default rules catch bugbear and clear-bug rules; unused imports are notes', async () => {
  const tool = new RuffTool(ctx);
  const text = 'import os\nimport asyncio\n\n\ndef add(item, items=[]):\n    items.append(item)\n    return items\n\n\nasync def main():\n    asyncio.create_task(main())\n';
  const findings = sorted(await check(tool, join(fixtures, 'ruff-plain', 'x.py'), text));
  assert.deepEqual(findings.map((f) => `${f.rule}:${f.level}`), ['ruff-F401:note', 'ruff-B006:warning', 'ruff-RUF006:warning']);
  tool.dispose();
});

test('a pyproject [tool.ruff.lint] select replaces the defaults; requires-python sets the target', async () => {
  const tool = new RuffTool(ctx);
  const dir = join(fixtures, 'ruff-project');
  const path = join(dir, 'greet.py');
  assert.equal(findRuffConfig(path)?.path, join(dir, 'pyproject.toml'));
  const findings = sorted(await check(tool, path));
  // select = E501 (line-length 60), F821, E9: the long line shows, the unused variable does not.
  assert.deepEqual(findings.map((f) => `${f.rule}:${f.level}@${f.range.start.line}`), ['ruff-F821:error@1', 'ruff-E501:note@3']);
  // requires-python >= 3.8: a match statement is a syntax error for this project.
  const match = await check(tool, path, 'match 1:\n    case 1:\n        pass\n');
  assert.deepEqual(match.map((f) => f.rule), ['ruff-syntax']);
  assert.match(match[0].message, /Python 3\.8/);
  tool.dispose();
});

test('per-file-ignores apply to the files their patterns match', async () => {
  const tool = new RuffTool(ctx);
  const dir = join(fixtures, 'ruff-project');
  assert.deepEqual(await check(tool, join(dir, 'tests', 'test_greet.py')), []);
  assert.deepEqual((await check(tool, join(dir, 'greet2.py'), 'print(missing)\n')).map((f) => f.rule), ['ruff-F821']);
  tool.dispose();
});

test('extend-select adds to the defaults and beats Critic’s own ignores', () => {
  const settings = effectiveSettings({ path: '/p/ruff.toml', settings: { lint: { 'extend-select': ['B905', 'UP'], ignore: ['F401'] } } }, '/p/a.py');
  assert.ok(settings.lint.select.includes('F'));
  assert.ok(!settings.lint.ignore.includes('B905'));
  assert.ok(settings.lint.ignore.includes('B008') && settings.lint.ignore.includes('F401'));
  const own = effectiveSettings({ path: '/p/ruff.toml', settings: { select: ['E'] } }, '/p/a.py');
  assert.deepEqual(own.lint, { select: ['E'] });
  assert.equal(own.select, undefined);
});

test('a broken ruff config is a ToolUnavailableError naming the file', async () => {
  const tool = new RuffTool(ctx);
  const dir = join(fixtures, 'ruff-broken');
  await assert.rejects(check(tool, join(dir, 'hello.py')), (err) => {
    assert.ok(err instanceof ToolUnavailableError);
    assert.equal(err.tool, 'ruff');
    assert.ok(err.message.includes(join(dir, 'ruff.toml')), err.message);
    assert.ok(!err.message.includes('\n'));
    return true;
  });
  const p = tempProject({ 'ruff.toml': '[lint]\nselect = ["NOPE1"]\n', 'a.py': 'x = 1\n' });
  try {
    await assert.rejects(check(tool, join(p.root, 'a.py')), (err) => {
      assert.ok(err instanceof ToolUnavailableError);
      assert.ok(err.message.includes(join(p.root, 'ruff.toml')) && err.message.includes('NOPE1'), err.message);
      return true;
    });
    // The tool still works for other projects afterwards.
    assert.equal((await check(tool, join(fixtures, 'ruff-plain', 'greet.py'))).length, 2);
  } finally {
    p.cleanup();
    tool.dispose();
  }
});

test('level mapping', () => {
  assert.equal(ruffLevel('syntax'), 'error');
  assert.equal(ruffLevel('F821'), 'error');
  assert.equal(ruffLevel('F632'), 'error');
  assert.equal(ruffLevel('PLE0101'), 'error');
  assert.equal(ruffLevel('E902'), 'error');
  assert.equal(ruffLevel('F841'), 'warning');
  assert.equal(ruffLevel('F811'), 'warning');
  assert.equal(ruffLevel('B006'), 'warning');
  assert.equal(ruffLevel('S101'), 'warning');
  assert.equal(ruffLevel('F401'), 'note');
  assert.equal(ruffLevel('E501'), 'note');
  assert.equal(ruffLevel('SIM108'), 'note');
});

test('appliesTo: python only, and only when enabled', () => {
  const tool = new RuffTool(ctx);
  const doc = (language) => ({ path: '/x', text: '', language, projectRoot: '/' });
  assert.equal(tool.appliesTo(doc('python'), ctx.config), true);
  assert.equal(tool.appliesTo(doc('javascript'), ctx.config), false);
  assert.equal(tool.appliesTo(doc('python'), makeContext({ config: { tools: { ruff: false } } }).config), false);
});

test('.pyi stubs: forward and self-references are not undefined names; a real typo still is', async () => {
  const tool = createRuffTool(ctx);
  const stub = [
    'class Node:',
    '    def child(self) -> Node: ...',
    '    parent: Node | None',
    'def make() -> Tree: ...',
    'Alias = Tree | Node',
    'class Tree(Base): ...',
    'class Base: ...',
    'def broken() -> Nodd: ...',
    '',
  ].join('\n');
  const findings = await check(tool, join(fixtures, 'types.pyi'), stub);
  assert.deepEqual(findings.map((f) => [f.rule, f.range.start.line, f.message]), [['ruff-F821', 7, 'Undefined name `Nodd`']]);
  // The same text as a module keeps ruff's verdict: there the names really are used too early.
  assert.ok((await check(tool, join(fixtures, 'types.py'), stub)).filter((f) => f.rule === 'ruff-F821').length >= 4);
  tool.dispose();
});
