// Per-test line coverage for vitest (vitestCoverage.ts) and what it does to the placement of a
// failing test. The line mapping runs on real V8 precise coverage taken in a real node process,
// over TypeScript transformed with an inline source map and wrapped the way vitest 4 wraps a
// module; the placement runs the real wrapper and launcher in the real sandbox, with a stand-in
// vitest (vitest is not a dependency of Critic: `npm run bench:realworld` runs the real one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { out, repoRoot, makeContext, tempProject } from './support/engine.mjs';
import { needsSandbox, realSandbox } from './support/sandbox.mjs';
import { toolChecker } from './support/exec.mjs';

const vitestCoverage = await import(out('engine/evidence/exec/vitestCoverage.js'));
const { v8LineMapper, vitestLauncher } = vitestCoverage;
const { suspectUnit, moreSuspectElsewhere } = await import(out('engine/evidence/exec/suspectUnits.js'));

const tsSource = [
  'interface Options {',
  '  strict?: boolean;',
  '}',
  'function slash(input: string): string {',
  "  if (input.startsWith('/')) {",
  '    return input;',
  '  }',
  "  return '//' + input;",
  '}',
  'function isEqual(a: string, b: string, options: Options = {}): boolean {',
  '  const x: string = slash(a);',
  '  const y: string = slash(b);',
  '  return options.strict ? a === b : x === y;',
  '}',
  'function unused(n: number): number {',
  '  return n * 2;',
  '}',
  '(globalThis as any).__m = { slash, isEqual, unused };',
  '',
].join('\n');

// Runs in a child node: transform (as Vite does, inline source map), wrap (as vitest 4 does, with
// the same column offset), run under precise coverage, and map each call's coverage to lines.
const child = String.raw`
import { Session } from 'node:inspector/promises';
import { SourceMap } from 'node:module';
import vm from 'node:vm';
import { transformSync } from 'esbuild';
const req = JSON.parse(process.argv[1]);
const covMapLines = new Function(req.mapper + '; return covMapLines;')();
const { code } = transformSync(req.ts, { loader: 'ts', sourcemap: 'inline', sourcefile: '/virtual/utils.ts' });
const prefix = "'use strict';async (__vite_ssr_exports__,__vite_ssr_import_meta__,__vite_ssr_import__)=>{{";
const s = new Session();
s.connect();
await s.post('Profiler.enable');
await s.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
await vm.runInThisContext(prefix + code + '\n}}', { filename: '/virtual/utils.ts', columnOffset: -prefix.length })({}, {}, () => {});
await s.post('Debugger.enable');
const out = [];
for (const call of req.calls) {
  await s.post('Profiler.takePreciseCoverage');
  globalThis.__m[call[0]](...call.slice(1));
  const { result } = await s.post('Profiler.takePreciseCoverage');
  const script = result.find((r) => r.url === 'file:///virtual/utils.ts');
  const { scriptSource } = await s.post('Debugger.getScriptSource', { scriptId: script.scriptId });
  out.push([...covMapLines(scriptSource, script.functions, SourceMap)].sort((a, b) => a - b));
}
process.stdout.write(JSON.stringify(out));
`;

test('V8 coverage of TypeScript run through a vitest-style wrapper maps back to the lines of the .ts file that ran', () => {
  const calls = [['isEqual', 'foo', 'bar'], ['isEqual', '/a', '/a'], ['unused', 2]];
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', child, JSON.stringify({ ts: tsSource, mapper: v8LineMapper, calls })], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const [noSlash, slashed, unused] = JSON.parse(r.stdout);
  // The interface is gone from the JavaScript: without the source map every line would be off by three.
  assert.deepEqual(noSlash, [5, 8, 11, 12, 13], 'no leading slash: the `//` line, not the early return');
  assert.deepEqual(slashed, [5, 6, 11, 12, 13], 'a leading slash: the early return, not the `//` line');
  assert.deepEqual(unused, [16], 'a call of another function runs only its own body');
});

test('a JavaScript module without a source map maps offsets to its own lines', () => {
  const js = 'function f(a) {\n  if (a) {\n    return 1;\n  }\n  return 2;\n}\nglobalThis.__m = { f };\n';
  const script = String.raw`
import { Session } from 'node:inspector/promises';
import vm from 'node:vm';
const req = JSON.parse(process.argv[1]);
const covMapLines = new Function(req.mapper + '; return covMapLines;')();
const s = new Session();
s.connect();
await s.post('Profiler.enable');
await s.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
vm.runInThisContext(req.js, { filename: '/virtual/f.js' });
await s.post('Profiler.takePreciseCoverage');
globalThis.__m.f(false);
const { result } = await s.post('Profiler.takePreciseCoverage');
const fn = result.find((x) => x.url === 'file:///virtual/f.js');
process.stdout.write(JSON.stringify([...covMapLines(req.js, fn.functions)].sort((a, b) => a - b)));
`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify({ js, mapper: v8LineMapper })], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), [2, 5]);
});

const unit = (name, start, end, kind = 'function') => ({ name, kind, range: { start: { line: start - 1, character: 0 }, end: { line: end - 1, character: 1 } }, nameRange: { start: { line: start - 1, character: 9 }, end: { line: start - 1, character: 9 + name.length } } });
const moduleUnit = { name: '<module>', kind: 'module', range: { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } }, nameRange: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };

test('the failing test is placed on the function whose lines the failing tests ran and the passing ones did not', () => {
  const units = [moduleUnit, unit('slash', 4, 9), unit('isEqual', 10, 14)];
  const spectra = [
    { passed: false, lines: [5, 8, 11, 12, 13] },
    { passed: true, lines: [5, 6, 11, 12, 13] },
    { passed: true, lines: [5, 6, 11, 12, 13] },
  ];
  const s = suspectUnit(spectra[0].lines, spectra, units, 20, units[2]);
  assert.equal(s.unit.name, 'slash');
  assert.equal(s.line, 8);
  // When the spectrum cannot tell two functions apart, the one the test calls keeps the failure.
  const alike = [{ passed: false, lines: [5, 8, 11, 12, 13] }];
  assert.equal(suspectUnit(alike[0].lines, alike, units, 20, units[2]).unit.name, 'isEqual');
  assert.equal(suspectUnit(undefined, spectra, units, 20, units[2]), undefined, 'no coverage: no opinion');
});

test('a failure counts against another file only when a line there is clearly more suspicious', () => {
  const doc = '/p/src/utils.ts';
  const other = '/p/src/query.ts';
  const run = (passed, utils, query) => ({ passed, files: new Map([[doc, utils], [other, query]]) });
  const runs = [run(false, [3, 4], [10, 11]), run(true, [3, 4], [10]), run(true, [3, 4], [10]), run(true, [3, 4], []), run(true, [3, 4], [])];
  // utils' lines are run by every test (Ochiai 0.45); query's line 11 only by the failing one (1.0).
  const away = moreSuspectElsewhere(runs[0].files, runs, doc, 0.45);
  assert.deepEqual(away, { file: other, line: 11, score: 1 });
  assert.equal(moreSuspectElsewhere(runs[0].files, runs, doc, 0.6), undefined, 'less than twice as suspicious: the error stays');
  assert.equal(moreSuspectElsewhere(undefined, runs, doc, 0), undefined);
});

// A stand-in for node_modules/vitest (no dist/node.js, so the launcher runs its CLI): it writes the
// JSON report and, where the setup file would, the per-test coverage records `tests` gives
// ([title, status, {file: "ranges"}]).
const fakeVitest = (tests) => [
  "import { writeFileSync, appendFileSync } from 'node:fs';",
  'const args = process.argv.slice(2);',
  "if (args[0] !== 'run') process.exit(3);",
  "const outFile = args.find((a) => a.startsWith('--outputFile=')).slice('--outputFile='.length);",
  "const file = args.find((a) => a.endsWith('utils.test.ts'));",
  'const root = process.env.CRITIC_COV_ROOT;',
  `const tests = ${JSON.stringify(tests)};`,
  "if (process.env.CRITIC_COV_OUT) for (const [title, , files] of tests) appendFileSync(process.env.CRITIC_COV_OUT, JSON.stringify({ file, name: (process.env.FAKE_VITEST_1 ? 'test/utils.test.ts > ' : '') + 'isEqual > ' + title, files: Object.fromEntries(Object.entries(files).map(([k, v]) => [root + '/' + k, v])) }) + '\\n');",
  "writeFileSync(outFile, JSON.stringify({ testResults: [{ name: file, assertionResults: tests.map(([title, status]) => ({ ancestorTitles: ['isEqual'], title, status, failureMessages: status === 'failed' ? ['AssertionError: expected false to be true\\n    at ' + file + ':4:30'] : [] })) }] }));",
].join('\n');

const utilsTs = 'export function slash(s: string) {\n  if (s.startsWith("/")) {\n    return s;\n  }\n  return "//" + s;\n}\nexport function isEqual(a: string, b: string) {\n  return slash(a) === slash(b);\n}\n';
const testTs = (titles) => `import { describe, expect, test } from "vitest";\nimport { isEqual } from "../src/utils";\ndescribe("isEqual", () => {\n${titles.map((t) => `  test(${JSON.stringify(t)}, () => { expect(isEqual("${t.split(' == ')[0]}", "${t.split(' == ')[1]}")).toBe(true); });\n`).join('')}});\n`;

async function runTool(files) {
  const p = tempProject({ 'package.json': JSON.stringify({ name: 'u', devDependencies: { vitest: '4.0.0' } }), ...files });
  const { SyntaxService } = await import(out('engine/syntax/syntaxService.js'));
  const { RelatedTestsTool } = await import(out('engine/evidence/relatedTests.js'));
  const ctx = makeContext({ config: { execution: { testTimeoutMs: 20_000 } } });
  const syntax = new SyntaxService(ctx.assets);
  try {
    const tool = new RelatedTestsTool(ctx, { sandbox: await realSandbox(), syntax });
    return { root: p.root, ...(await toolChecker(syntax)(tool, p.root, 'src/utils.ts')) };
  } finally {
    syntax.dispose();
    p.cleanup();
  }
}

test('vitest: a test that calls isEqual fails on the line of the helper only the failing test ran', needsSandbox, async () => {
  const tests = [
    ['foo == /foo', 'failed', { 'src/utils.ts': '2-3,5,8' }],
    ['/a == /a', 'passed', { 'src/utils.ts': '2-3,8' }],
    ['/b == /b', 'passed', { 'src/utils.ts': '2-3,8' }],
  ];
  const { doc, findings, records } = await runTool({ 'node_modules/vitest/vitest.mjs': fakeVitest(tests), 'src/utils.ts': utilsTs, 'test/utils.test.ts': testTs(tests.map((t) => t[0])) });
  assert.equal(records.length, 3, 'every result came back');
  assert.equal(findings.length, 1, JSON.stringify(findings.map((f) => f.message)));
  const [f] = findings;
  assert.equal(f.level, 'error');
  assert.equal(doc.text.split('\n')[f.range.start.line].trim(), 'return "//" + s;');
  assert.match(f.message, /\(in `slash`; line 5 is its most suspicious line, .*; reached through `isEqual`, which the test calls\)$/);
  // vitest 1 names each test after its file first ('test/utils.test.ts > isEqual > …'): the same lines.
  const v1 = await runTool({ 'node_modules/vitest/vitest.mjs': fakeVitest(tests).replace("const args", "process.env.FAKE_VITEST_1 = '1';\nconst args"), 'src/utils.ts': utilsTs, 'test/utils.test.ts': testTs(tests.map((t) => t[0])) });
  assert.deepEqual(v1.findings.map((x) => v1.doc.text.split('\n')[x.range.start.line].trim()), ['return "//" + s;']);
  // Without coverage the same failure stays on the function the test calls.
  const plain = await runTool({ 'node_modules/vitest/vitest.mjs': fakeVitest(tests.map(([t, s]) => [t, s, {}])).replace("if (process.env.CRITIC_COV_OUT)", 'if (false)'), 'src/utils.ts': utilsTs, 'test/utils.test.ts': testTs(tests.map((t) => t[0])) });
  assert.deepEqual(plain.findings.map((x) => plain.doc.text.split('\n')[x.range.start.line].trim()), ['export function isEqual(a: string, b: string) {']);
});

test('vitest: a failing test whose most suspicious line is clearly in another module is a note on this one', needsSandbox, async () => {
  const utils = { 'src/utils.ts': '2-3,8' };
  const tests = [
    ['foo == /foo', 'failed', { ...utils, 'src/enc.ts': '1-2' }],
    ['/a == /a', 'passed', { ...utils, 'src/enc.ts': '1' }],
    ['/b == /b', 'passed', utils],
    ['/c == /c', 'passed', utils],
    ['/d == /d', 'passed', utils],
  ];
  const { root, findings } = await runTool({
    'node_modules/vitest/vitest.mjs': fakeVitest(tests),
    'src/enc.ts': 'export function enc(s: string) {\n  return s.toUpperCase();\n}\n',
    'src/utils.ts': utilsTs,
    'test/utils.test.ts': testTs(tests.map((t) => t[0])),
  });
  assert.equal(findings.length, 1);
  assert.equal(findings[0].level, 'note', findings[0].message);
  assert.match(findings[0].message, /the line it ran in src\/enc\.ts \(line 2, Ochiai 1\.00\) is more suspicious than any it ran here \(0\.45\), so it is not counted against this file$/);
  assert.deepEqual(findings[0].related.at(-1), { file: join(root, 'src/enc.ts'), range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, message: 'more suspicious: src/enc.ts line 2 (Ochiai 1.00)' });
});

test("the launcher appends Critic's setup file to the project's own and lets Vite serve its folder (a jsdom project loads setup files through /@fs/)", () => {
  // A stand-in of vitest's Node API that applies the launcher's plugin as Vite would: `config`
  // on the project's config, then `configResolved` on the resolved one (its allowed folders).
  const p = tempProject({
    'launcher.mjs': vitestLauncher,
    'node_modules/vitest/vitest.mjs': '',
    'node_modules/vitest/dist/node.js': [
      'export const parseCLI = (argv) => ({ filter: argv.slice(2), options: {} });',
      'export async function startVitest(mode, filter, options, overrides) {',
      '  const config = { test: { setupFiles: "./own-setup.ts" } };',
      '  const resolved = { server: { fs: { allow: [process.cwd()] } } };',
      '  for (const plugin of overrides.plugins) { plugin.config(config); plugin.configResolved(resolved); }',
      '  process.stdout.write(JSON.stringify({ filter, setupFiles: config.test.setupFiles, allow: resolved.server.fs.allow }));',
      '  return { shouldKeepServer: () => false, exit: async () => {} };',
      '}',
    ].join('\n'),
  }, 'critic-vitest-launcher-');
  try {
    const setup = join(p.root, 'scratch', 'critic_vitest_coverage.mjs');
    const r = spawnSync(process.execPath, [join(p.root, 'launcher.mjs'), join(p.root, 'node_modules/vitest/vitest.mjs'), setup, 'tests/a.test.ts'], { cwd: p.root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const seen = JSON.parse(r.stdout);
    assert.deepEqual(seen.setupFiles, ['./own-setup.ts', setup], "the project's setup file stays, Critic's comes last");
    assert.deepEqual(seen.allow, [p.root, join(p.root, 'scratch')], "Vite may serve the setup file's folder, besides what it allowed already");
    assert.deepEqual(seen.filter, ['tests/a.test.ts']);
  } finally {
    p.cleanup();
  }
});

test('vitest before 1.3 (no parseCLI): its own cac parses the arguments, and the setup file is still appended', (t) => {
  // A stand-in of vitest 1.0's Node API (startVitest only); cac is the real one vitest 1 depends on.
  const p = tempProject({
    'launcher.mjs': vitestLauncher,
    'node_modules/vitest/vitest.mjs': 'process.exit(7);',
    'node_modules/vitest/dist/node.js': [
      'export async function startVitest(mode, filter, options, overrides) {',
      '  const config = { test: {} };',
      '  for (const plugin of overrides.plugins) plugin.config(config);',
      '  process.stdout.write(JSON.stringify({ mode, filter, options, setupFiles: config.test.setupFiles }));',
      '  return { shouldKeepServer: () => false, exit: async () => {} };',
      '}',
    ].join('\n'),
  }, 'critic-vitest1-launcher-');
  t.after(p.cleanup);
  symlinkSync(join(repoRoot, 'node_modules', 'cac'), join(p.root, 'node_modules', 'cac'));
  const setup = join(p.root, 'scratch', 'critic_vitest_coverage.mjs');
  const r = spawnSync(process.execPath, [join(p.root, 'launcher.mjs'), join(p.root, 'node_modules/vitest/vitest.mjs'), setup, '--reporter=json', '--outputFile=/s/report.json', '--typecheck.enabled=false', 'src/a.spec.ts'], { cwd: p.root, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const seen = JSON.parse(r.stdout);
  assert.equal(seen.mode, 'test');
  assert.deepEqual(seen.filter, ['src/a.spec.ts']);
  assert.deepEqual({ reporter: seen.options.reporter, outputFile: seen.options.outputFile, run: seen.options.run, typecheck: seen.options.typecheck }, { reporter: 'json', outputFile: '/s/report.json', run: true, typecheck: { enabled: 'false' } });
  assert.deepEqual(seen.setupFiles, [setup]);
});
