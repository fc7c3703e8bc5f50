import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeContext, out, repoRoot, tempProject } from './support/engine.mjs';

const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { TypeScriptTool, createTypeScriptTool, findTsConfig } = await import(out('engine/evidence/typescript.js'));
const { ToolUnavailableError } = await import(out('engine/evidence/tool.js'));
const { languageOfPath } = await import(out('engine/languages.js'));

const ctx = makeContext();
const syntax = new SyntaxService(ctx.assets);
const fixture = join(repoRoot, 'test', 'fixtures', 'ts-project');
test.after(() => syntax.dispose());

async function check(tool, path, text = readFileSync(path, 'utf8'), signal = new AbortController().signal) {
  const language = languageOfPath(path);
  const parsed = await syntax.analyse(path, text, language);
  const doc = { path, text, language, projectRoot: fixture };
  return (await tool.run(doc, parsed, signal)).findings;
}

const brief = (findings) => findings.map((f) => `${f.rule}:${f.level}@${f.range.start.line}:${f.range.start.character}-${f.range.end.line}:${f.range.end.character}`);

test('a property that does not exist is ts-2339 on the property name', async () => {
  const tool = createTypeScriptTool(ctx);
  try {
    const path = join(fixture, 'src', 'label.ts');
    const findings = await check(tool, path);
    const text = readFileSync(path, 'utf8');
    const line = text.split('\n')[3];
    const col = line.indexOf('title');
    assert.deepEqual(brief(findings), [`ts-2339:error@3:${col}-3:${col + 'title'.length}`]);
    const [f] = findings;
    assert.equal(f.source, 'typescript');
    assert.equal(f.tier, 'tool');
    assert.equal(f.confidence, 1);
    assert.equal(f.file, path);
    assert.match(f.message, /Property 'title' does not exist on type 'Item'/);
  } finally {
    tool.dispose();
  }
});

test('a clean class has no findings, and the nearest tsconfig is the fixture one', async () => {
  const tool = new TypeScriptTool(ctx);
  try {
    const path = join(fixture, 'src', 'cart.ts');
    assert.equal(findTsConfig(path), join(fixture, 'tsconfig.json'));
    assert.deepEqual(await check(tool, path), []);
  } finally {
    tool.dispose();
  }
});

test('editor text wins over the disk, and a warm re-check reuses the same service', async () => {
  const tool = new TypeScriptTool(ctx);
  try {
    const path = join(fixture, 'src', 'cart.ts');
    const disk = readFileSync(path, 'utf8');
    assert.deepEqual(await check(tool, path, disk), []);
    assert.equal(tool.servicesCreated, 1);

    const edited = disk.replace('sum + item.price', 'sum + item.cost');
    const findings = await check(tool, path, edited);
    assert.deepEqual(findings.map((f) => f.rule), ['ts-2339']);
    assert.equal(findings[0].range.start.line, edited.split('\n').findIndex((l) => l.includes('item.cost')));
    assert.equal(readFileSync(path, 'utf8'), disk, 'the tool never writes the file');

    // Another file of the same project, then back to the clean text: still one service.
    assert.equal((await check(tool, join(fixture, 'src', 'label.ts'))).length, 1);
    assert.deepEqual(await check(tool, path, disk), []);
    assert.equal(tool.servicesCreated, 1);
  } finally {
    tool.dispose();
  }
});

test('related information becomes related locations', async () => {
  const tool = new TypeScriptTool(ctx);
  const p = tempProject({ 'point.ts': 'interface P {\n  x: number;\n}\nexport const p: P = { x: "a" };\n' });
  try {
    const path = join(p.root, 'point.ts');
    const [f] = await check(tool, path);
    assert.equal(f.rule, 'ts-2322');
    assert.equal(f.related?.length, 1);
    assert.equal(f.related[0].file, path);
    assert.equal(f.related[0].range.start.line, 1);
    assert.match(f.related[0].message, /expected type comes from property 'x'/);
  } finally {
    tool.dispose();
    p.cleanup();
  }
});

test('a lone TS file without tsconfig is checked with strict defaults; lone files do not clash', async () => {
  const tool = new TypeScriptTool(ctx);
  const p = tempProject({
    'a.ts': 'const count: number = "three";\nexport function id(x) {\n  return x;\n}\n',
    'b.ts': 'const count = 3;\nconsole.log(count);\n',
  });
  try {
    assert.equal(findTsConfig(join(p.root, 'a.ts')), undefined);
    assert.deepEqual(brief(await check(tool, join(p.root, 'a.ts'))), ['ts-2322:error@0:6-0:11', 'ts-7006:error@1:19-1:20']);
    // Without moduleDetection=force both files would be global scripts redeclaring `count`.
    assert.deepEqual(brief(await check(tool, join(p.root, 'b.ts'))), []);
    assert.equal(tool.servicesCreated, 1);
  } finally {
    tool.dispose();
    p.cleanup();
  }
});

test('JS: only syntax errors without @ts-check, semantic errors with it', async () => {
  const tool = new TypeScriptTool(ctx);
  const body = 'const n = 1;\nn.nope();\n';
  const p = tempProject({ 'plain.js': body, 'checked.js': `// @ts-check\n${body}`, 'broken.js': 'const = 1;\n' });
  try {
    assert.deepEqual(await check(tool, join(p.root, 'plain.js')), []);
    assert.deepEqual(brief(await check(tool, join(p.root, 'checked.js'))), ['ts-2339:error@2:2-2:6']);
    const broken = await check(tool, join(p.root, 'broken.js'));
    assert.ok(broken.length > 0 && broken.every((f) => f.level === 'error'), brief(broken).join());
  } finally {
    tool.dispose();
    p.cleanup();
  }
});

test('jsconfig with checkJs turns semantic checks on for JS', async () => {
  const tool = new TypeScriptTool(ctx);
  const p = tempProject({ 'jsconfig.json': '{ "compilerOptions": { "checkJs": true } }', 'src/x.js': 'const n = 1;\nn.nope();\n' });
  try {
    assert.deepEqual((await check(tool, join(p.root, 'src', 'x.js'))).map((f) => f.rule), ['ts-2339']);
  } finally {
    tool.dispose();
    p.cleanup();
  }
});

test('a project without its own TypeScript 6 keeps the TypeScript 5 defaults (not strict)', async () => {
  const tool = new TypeScriptTool(ctx);
  const p = tempProject({ 'tsconfig.json': '{ "compilerOptions": { "target": "ES2022" } }', 'x.ts': 'export function id(x) {\n  return x;\n}\n' });
  try {
    assert.deepEqual(await check(tool, join(p.root, 'x.ts')), []);
  } finally {
    tool.dispose();
    p.cleanup();
  }
});

test('a broken tsconfig is a ToolUnavailableError naming the file', async () => {
  const tool = new TypeScriptTool(ctx);
  const p = tempProject({ 'tsconfig.json': '{ "compilerOptions": { "strict": tru } }', 'x.ts': 'export const x = 1;\n' });
  try {
    await assert.rejects(check(tool, join(p.root, 'x.ts')), (err) => {
      assert.ok(err instanceof ToolUnavailableError);
      assert.equal(err.tool, 'typescript');
      assert.ok(err.message.includes(join(p.root, 'tsconfig.json')), err.message);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  } finally {
    tool.dispose();
    p.cleanup();
  }
});

test('a config edit rebuilds the service', async () => {
  const tool = new TypeScriptTool(ctx);
  const p = tempProject({ 'tsconfig.json': '{ "compilerOptions": { "strict": false } }', 'x.ts': 'export function id(x) {\n  return x;\n}\n' });
  try {
    const path = join(p.root, 'x.ts');
    assert.deepEqual(await check(tool, path), []);
    const { writeFileSync, utimesSync } = await import('node:fs');
    writeFileSync(join(p.root, 'tsconfig.json'), '{ "compilerOptions": { "strict": true } }');
    utimesSync(join(p.root, 'tsconfig.json'), new Date(), new Date(Date.now() + 5_000));
    assert.deepEqual((await check(tool, path)).map((f) => f.rule), ['ts-7006']);
    assert.equal(tool.servicesCreated, 2);
  } finally {
    tool.dispose();
    p.cleanup();
  }
});

test('an aborted signal stops the check', async () => {
  const tool = new TypeScriptTool(ctx);
  try {
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(check(tool, join(fixture, 'src', 'cart.ts'), undefined, ac.signal), { name: 'AbortError' });
  } finally {
    tool.dispose();
  }
});

test('appliesTo: JS/TS family only, and only when enabled', () => {
  const tool = new TypeScriptTool(ctx);
  const doc = (language) => ({ path: '/x', text: '', language, projectRoot: '/' });
  assert.equal(tool.appliesTo(doc('typescriptreact'), ctx.config), true);
  assert.equal(tool.appliesTo(doc('javascript'), ctx.config), true);
  assert.equal(tool.appliesTo(doc('python'), ctx.config), false);
  const off = makeContext({ config: { tools: { typescript: false } } }).config;
  assert.equal(tool.appliesTo(doc('typescript'), off), false);
});
