// TypeScript's region check through the real language server: after an edit of a large file
// (tsserver's threshold, 500 lines) the server publishes the edited function's diagnostics first,
// with the earlier ones elsewhere kept (moved with the edit), then the whole file's, which are the
// authoritative answer and equal a fresh check of the same text.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { tempProject } from './support/engine.mjs';
import { lineOf, lineRange, startLsp, uriOf } from './support/lspClient.mjs';

const cleanups = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** About `lines` lines of small functions, plus `half` and a type error far below the functions. */
function largeFile(lines) {
  const out = ['// A large module.', '', 'export function half(n: number): number {', '  const h = n / 2;', '  return h;', '}', ''];
  for (let i = 0; out.length < lines; i++) {
    out.push(`export function compute${i}(values: number[], limit = ${i}): number {`, '  let total = 0;', '  for (const v of values) if (v < limit) total += v;', '  return Math.min(total, limit * 10);', '}', '');
  }
  out.push('export const halved: number = half(4);', 'export const far: number = "far";', '');
  return out.join('\n');
}

async function serverWith(text) {
  const p = tempProject({ 'big.ts': text, 'fresh.ts': '' }, 'critic-lsp-region-');
  const client = await startLsp({ root: p.root, settings: { debounceMs: 0 } });
  cleanups.push(async () => {
    await client.stop();
    p.cleanup();
  });
  const file = join(p.root, 'big.ts');
  await client.open(file, text, 'typescript');
  await client.waitStatus(uriOf(file), 1);
  return { client, file, uri: uriOf(file), root: p.root };
}

/** The diagnostics the server published for its region answer to `version` (the publish just before that status). */
async function regionPublish(client, uri, version) {
  const status = await Promise.race([client.waitStatus(uri, version, 'tools-done', (s) => s.partial === 'region'), client.waitStatus(uri, version)]);
  assert.equal(status.partial, 'region', 'the server finished the edit without a region answer');
  const at = client.timeline.findIndex((e) => e.status === status);
  const publish = client.timeline.slice(0, at).findLast((e) => e.publish?.uri === uri)?.publish;
  assert.equal(publish?.version, version, 'the region answer was published for the edited version');
  return publish.diagnostics;
}

const brief = (ds) => ds.map((d) => `${d.code}@${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.message}`).sort();

test('an edit that adds a type error inside a function: the region answer has it, and the error elsewhere moved down with the added line', async () => {
  const text = largeFile(600);
  const { client, file, uri } = await serverWith(text);
  const farLine = lineOf(text, 'export const far');
  assert.deepEqual(client.lastFor(uri, 1).map((d) => [d.code, d.range.start.line]), [['ts-2322', farLine]]);

  // Inside compute3: one line becomes two, the second a type error.
  const line = lineOf(text, 'limit = 3)') + 1;
  const v = client.change(file, lineRange(text, line), '  let total = 0;\n  const label: string = total;');
  const region = await regionPublish(client, uri, v);
  const codes = region.map((d) => [d.code, d.range.start.line]).sort((a, b) => a[1] - b[1]);
  assert.deepEqual(codes, [['ts-2322', line + 1], ['ts-2322', farLine + 1]], JSON.stringify(region));
  assert.match(region.find((d) => d.range.start.line === line + 1).message, /'number' is not assignable to type 'string'/);

  await client.waitStatus(uri, v);
  const final = client.lastFor(uri, v);
  assert.deepEqual(brief(final), brief(region));
});

test('the whole-file answer follows and is authoritative: an error the edit causes outside the region appears, equal to a fresh check', async () => {
  const text = largeFile(600);
  const { client, file, uri, root } = await serverWith(text);
  // `half` now returns a string: the region (half itself) is clean, the caller far below is not.
  const line = lineOf(text, 'export function half');
  const v = client.change(file, lineRange(text, line), 'export function half(n: number): string {');
  const region = await regionPublish(client, uri, v);
  const regionLines = region.map((d) => d.range.start.line);
  assert.ok(regionLines.includes(lineOf(text, 'return h;')), `the region answer checks half: ${JSON.stringify(region)}`);
  assert.ok(!regionLines.includes(lineOf(text, 'export const halved')), 'the caller is outside the region: not in the region answer');

  await client.waitStatus(uri, v);
  const final = client.lastFor(uri, v);
  assert.ok(final.some((d) => d.code === 'ts-2322' && d.range.start.line === lineOf(text, 'export const halved')), JSON.stringify(final));

  // A fresh document with the same text, checked whole from the start, gets exactly the same.
  const edited = text.split('\n');
  edited[line] = 'export function half(n: number): string {';
  const fresh = join(root, 'fresh.ts');
  await client.open(fresh, edited.join('\n'), 'typescript');
  await client.waitStatus(uriOf(fresh), 1);
  assert.deepEqual(brief(final), brief(client.lastFor(uriOf(fresh), 1)));
});

test('fixing an error inside the region clears it in the region answer; a small file gets no region answer', async () => {
  const text = largeFile(600).replace('  const h = n / 2;', '  const h: string = n / 2;');
  const { client, file, uri } = await serverWith(text);
  const bad = lineOf(text, 'const h: string');
  assert.ok(client.lastFor(uri, 1).some((d) => d.range.start.line === bad), JSON.stringify(client.lastFor(uri, 1)));
  const v = client.change(file, lineRange(text, bad), '  const h = n / 2;');
  const region = await regionPublish(client, uri, v);
  assert.deepEqual(region.map((d) => [d.code, d.range.start.line]), [['ts-2322', lineOf(text, 'export const far')]]);
  await client.waitStatus(uri, v);

  const small = join(file, '..', 'fresh.ts');
  const smallText = 'export function f(): number {\n  return 1;\n}\n';
  await client.open(small, smallText, 'typescript');
  await client.waitStatus(uriOf(small), 1);
  const v2 = client.change(small, lineRange(smallText, 1), '  return "1";');
  await client.waitStatus(uriOf(small), v2);
  assert.ok(!client.statuses.some((s) => s.uri === uriOf(small) && s.partial === 'region'), 'below 500 lines the whole file is checked at once');
  assert.deepEqual(client.lastFor(uriOf(small), v2).map((d) => [d.code, d.range.start.line]), [['ts-2322', 1]]);
});
