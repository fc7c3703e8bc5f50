import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeContext, out, repoRoot, tempProject } from './support/engine.mjs';

const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
const { EslintTool, createEslintTool, findEslintConfig } = await import(out('engine/evidence/eslint.js'));
const { ToolUnavailableError } = await import(out('engine/evidence/tool.js'));
const { languageOfPath } = await import(out('engine/languages.js'));
const { createSandbox } = await import(out('engine/sandbox/sandbox.js'));
const { probeBwrap, findOnPath } = await import(out('engine/sandbox/bubblewrap.js'));

const ctx = makeContext();
const syntax = new SyntaxService(ctx.assets);
const fixtures = join(repoRoot, 'test', 'fixtures');
const project = join(fixtures, 'eslint-project');
test.after(() => syntax.dispose());

async function check(tool, path, text = readFileSync(path, 'utf8')) {
  const language = languageOfPath(path);
  const parsed = await syntax.analyse(path, text, language);
  return (await tool.run({ path, text, language, projectRoot: project }, parsed, new AbortController().signal)).findings;
}

const bwrap = await probeBwrap(ctx.exec, findOnPath('bwrap') ?? '/usr/bin/bwrap');
// Sandboxed tests skip with the reason and the fix when bubblewrap is missing, except in CI, where they fail.
const needsBwrap = bwrap.ok || process.env.CI === 'true' ? false : `${bwrap.reason}; run npm run setup:linux`;
async function bubblewrapSandbox() {
  if (!bwrap.ok) assert.fail(`bubblewrap is required in CI: ${bwrap.reason}; run npm run setup:linux`);
  const sandbox = await createSandbox({ exec: ctx.exec, log: ctx.log, execution: ctx.config.execution });
  assert.equal(sandbox.isolation, 'bubblewrap');
  return sandbox;
}

const brief = (findings) => findings.map((f) => `${f.rule}:${f.level}@${f.range.start.line}:${f.range.start.character}-${f.range.end.line}:${f.range.end.character}`);

test('the project config finds unused variables and undefined names', async () => {
  const tool = createEslintTool(ctx);
  const path = join(project, 'src', 'greet.js');
  assert.equal(findEslintConfig(path), join(project, 'eslint.config.mjs'));
  const findings = await check(tool, path);
  assert.deepEqual(brief(findings), [
    'eslint-no-unused-vars:error@0:6-0:12',
    'eslint-eqeqeq:warning@3:11-3:13',
    'eslint-no-undef:error@4:9-4:17',
  ]);
  const undef = findings.find((f) => f.rule === 'eslint-no-undef');
  assert.equal(undef.source, 'eslint');
  assert.equal(undef.tier, 'tool');
  assert.equal(undef.confidence, 1);
  assert.match(undef.message, /'greeting' is not defined/);
  assert.match(undef.helpUri ?? '', /^https:\/\/eslint\.org\/docs\/.*no-undef/);
  // Warm: the second file of the same project reuses the ESLint instance.
  assert.deepEqual(await check(tool, join(project, 'src', 'clean.js')), []);
  assert.equal(tool.instancesCreated, 1);
  tool.dispose();
});

test('the editor text is linted, not the disk, and parse errors are eslint-parse errors', async () => {
  const tool = new EslintTool(ctx);
  const path = join(project, 'src', 'clean.js');
  assert.deepEqual(brief(await check(tool, path, 'export function add(a, b) {\n  return a + c;\n}\n')), [
    'eslint-no-unused-vars:error@0:23-0:24',
    'eslint-no-undef:error@1:13-1:14',
  ]);
  const parse = await check(tool, path, 'export const = 1;\n');
  assert.deepEqual(parse.map((f) => `${f.rule}:${f.level}`), ['eslint-parse:error']);
  tool.dispose();
});

test('files the config does not cover are skipped without an "ignored" warning', async () => {
  const tool = new EslintTool(ctx);
  // The config only has `files: ['**/*.js']`, so a .ts file matches nothing.
  assert.deepEqual(await check(tool, join(project, 'src', 'other.ts'), 'const x: number = 1;\n'), []);
  tool.dispose();
});

test('without an ESLint config the tool does nothing, even when enabled explicitly', async () => {
  const p = tempProject({ 'app.js': 'const unused = undefinedName;\n' });
  try {
    for (const eslint of ['auto', true]) {
      const tool = new EslintTool(makeContext({ config: { tools: { eslint } } }));
      assert.equal(findEslintConfig(join(p.root, 'app.js')), undefined);
      assert.deepEqual(await check(tool, join(p.root, 'app.js')), []);
      assert.equal(tool.instancesCreated, 0);
    }
  } finally {
    p.cleanup();
  }
});

test('a config whose project has no eslint package is a ToolUnavailableError with the fix', async () => {
  const p = tempProject({ 'eslint.config.mjs': 'export default [];\n', 'app.js': 'const x = 1;\n' });
  try {
    await assert.rejects(check(new EslintTool(ctx), join(p.root, 'app.js')), (err) => {
      assert.ok(err instanceof ToolUnavailableError);
      assert.equal(err.tool, 'eslint');
      assert.ok(err.message.includes(join(p.root, 'eslint.config.mjs')), err.message);
      assert.match(err.message, /npm install --save-dev eslint/);
      return true;
    });
  } finally {
    p.cleanup();
  }
});

test('a config that throws is a ToolUnavailableError naming it', async () => {
  const dir = join(fixtures, 'eslint-broken');
  await assert.rejects(check(new EslintTool(ctx), join(dir, 'app.js'), 'const x = 1;\n'), (err) => {
    assert.ok(err instanceof ToolUnavailableError);
    assert.ok(err.message.includes(join(dir, 'eslint.config.mjs')), err.message);
    assert.match(err.message, /broken on purpose/);
    assert.ok(!err.message.includes('\n'));
    return true;
  });
});

test('appliesTo: JS/TS family unless switched off', () => {
  const tool = new EslintTool(ctx);
  const doc = (language) => ({ path: '/x', text: '', language, projectRoot: '/' });
  assert.equal(tool.appliesTo(doc('javascript'), ctx.config), true);
  assert.equal(tool.appliesTo(doc('typescript'), ctx.config), true);
  assert.equal(tool.appliesTo(doc('python'), ctx.config), false);
  assert.equal(tool.appliesTo(doc('javascript'), makeContext({ config: { tools: { eslint: false } } }).config), false);
});

test('untrusted: the project config runs in the sandbox with the same findings, and files waiting together share one run', { skip: needsBwrap, timeout: 120_000 }, async () => {
  const tool = new EslintTool(ctx, { where: 'sandbox', sandbox: await bubblewrapSandbox() });
  const greet = join(project, 'src', 'greet.js');
  const findings = await check(tool, greet);
  assert.deepEqual(brief(findings), ['eslint-no-unused-vars:error@0:6-0:12', 'eslint-eqeqeq:warning@3:11-3:13', 'eslint-no-undef:error@4:9-4:17']);
  assert.match(findings.find((f) => f.rule === 'eslint-no-undef').helpUri ?? '', /^https:\/\/eslint\.org\/docs\/.*no-undef/);
  assert.equal(tool.instancesCreated, 0, 'no ESLint instance in this process');
  assert.equal(tool.sandboxRuns, 1);
  // The same text again is remembered; four new texts asked for together share one run.
  await check(tool, greet);
  assert.equal(tool.sandboxRuns, 1);
  const clean = join(project, 'src', 'clean.js');
  const docs = ['export const z = 0;\n', 'export const a = b;\n', 'export const c = 1;\n', 'export const d = e;\n'].map((text) => ({ path: clean, text, language: 'javascript', projectRoot: project }));
  const parsed = await Promise.all(docs.map((d) => syntax.analyse(d.path, d.text, d.language)));
  const results = await Promise.all(docs.map((d, i) => tool.run(d, parsed[i], new AbortController().signal)));
  assert.deepEqual(results.map((r) => r.findings.map((f) => f.rule)), [[], ['eslint-no-undef'], [], ['eslint-no-undef']]);
  assert.equal(tool.sandboxRuns, 2);
  tool.dispose();
});

test('untrusted: a config that throws in the sandbox is a ToolUnavailableError naming it', { skip: needsBwrap, timeout: 60_000 }, async () => {
  const dir = join(fixtures, 'eslint-broken');
  const tool = new EslintTool(ctx, { where: 'sandbox', sandbox: await bubblewrapSandbox() });
  await assert.rejects(check(tool, join(dir, 'app.js'), 'const x = 1;\n'), (err) => {
    assert.ok(err instanceof ToolUnavailableError);
    assert.ok(err.message.includes(join(dir, 'eslint.config.mjs')), err.message);
    assert.match(err.message, /broken on purpose/);
    assert.ok(!err.message.includes('\n'));
    return true;
  });
});

test('untrusted without a sandbox: the project config is not loaded, and the reason says how to trust the project', async () => {
  const tool = new EslintTool(ctx, { where: 'sandbox', sandbox: { isolation: 'none', reason: 'Execution is turned off (execution.enabled is false).' } });
  await assert.rejects(check(tool, join(project, 'src', 'greet.js')), (err) => {
    assert.ok(err instanceof ToolUnavailableError);
    assert.match(err.message, /^The project's ESLint configuration is not loaded: .*not trusted.*\(Execution is turned off \(execution\.enabled is false\)\).*--trust-project/);
    return true;
  });
  assert.equal(tool.instancesCreated, 0);
});

test('untrusted with only a limits-only sandbox (allowUnsandboxed): the config is still not loaded, since nothing would isolate it', async () => {
  const limitsOnly = { isolation: 'limits-only', run: () => assert.fail('the project config must not run without isolation') };
  const tool = new EslintTool(ctx, { where: 'sandbox', sandbox: limitsOnly });
  await assert.rejects(check(tool, join(project, 'src', 'greet.js')), (err) => {
    assert.ok(err instanceof ToolUnavailableError);
    assert.match(err.message, /not trusted.*resource limits.*does not isolate.*--trust-project/);
    return true;
  });
  assert.equal(tool.sandboxRuns, 0);
});

test('untrusted: files announced up front (the CLI knows them all) are linted in one shared run that each check joins', { skip: needsBwrap, timeout: 120_000 }, async () => {
  const tool = new EslintTool(ctx, { where: 'sandbox', sandbox: await bubblewrapSandbox() });
  const clean = join(project, 'src', 'clean.js');
  const docs = Array.from({ length: 6 }, (_, i) => ({ path: clean, text: `export const v${i} = ${i % 2 ? 'nope' : i};\n`, language: 'javascript', projectRoot: project }));
  tool.prefetch(docs);
  const rules = [];
  for (const d of docs) {
    const parsed = await syntax.analyse(d.path, d.text, d.language);
    rules.push((await tool.run(d, parsed, new AbortController().signal)).findings.map((f) => f.rule));
  }
  assert.deepEqual(rules, [[], ['eslint-no-undef'], [], ['eslint-no-undef'], [], ['eslint-no-undef']]);
  assert.equal(tool.sandboxRuns, 1);
  // A check cancelled while its lint is under way stops waiting; the shared run still serves the others.
  const d = { ...docs[0], text: 'export const late = gone;\n' };
  const parsed = await syntax.analyse(d.path, d.text, d.language);
  const cancelled = new AbortController();
  const first = tool.run(d, parsed, cancelled.signal);
  const second = tool.run(d, parsed, new AbortController().signal);
  cancelled.abort();
  await assert.rejects(first, { name: 'AbortError' });
  assert.deepEqual((await second).findings.map((f) => f.rule), ['eslint-no-undef']);
  assert.equal(tool.sandboxRuns, 2);
});
