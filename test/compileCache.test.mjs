// The V8 code cache for big modules (src/lsp/compileCache.ts): a second process loads the same
// module from the cache and gets the same behaviour; a changed file or a broken one is compiled
// as Node would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const compileCache = join(import.meta.dirname, '..', 'out', 'lsp', 'compileCache.js');
const native = typeof Module.enableCompileCache === 'function';

/** A CommonJS module over the 1 MB threshold that uses require, module and __dirname. */
function bigModule(answer) {
  const filler = Array.from({ length: 30_000 }, (_, i) => `function f${i}(x) { return x + ${i}; }`).join('\n');
  return `${filler}\nconst { basename } = require('node:path');\nmodule.exports = { answer: ${answer}, sum: f1(f2(0)), dir: basename(__dirname), resolved: require.resolve('node:path') };\n`;
}

function load(dir, file) {
  const script = `const c = require(${JSON.stringify(compileCache)}).enableCompileCache(${JSON.stringify(join(dir, 'cache'))}, () => true);
let out; try { out = require(${JSON.stringify(file)}); } catch (e) { out = { error: e.name }; }
console.log(JSON.stringify({ ...out, stats: c.stats }));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test('a big module is compiled once, then loaded from the cache with the same exports', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'critic-compile-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'big.js');
  writeFileSync(file, bigModule(42));
  const first = load(dir, file);
  assert.deepEqual({ ...first, stats: undefined }, { answer: 42, sum: 3, dir: dir.split('/').pop(), resolved: 'node:path', stats: undefined });
  assert.ok(readdirSync(join(dir, 'cache')).length >= 1, 'the cache is written when the process exits');
  const second = load(dir, file);
  assert.equal(second.answer, 42);
  assert.equal(second.sum, 3);
  if (!native) {
    assert.deepEqual(first.stats, { hits: 0, misses: 1 });
    assert.deepEqual(second.stats, { hits: 1, misses: 0 });
  }
});

test('an edited module is compiled afresh, and a syntax error is reported as Node would', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'critic-compile-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'big.js');
  writeFileSync(file, bigModule(1));
  load(dir, file);
  writeFileSync(file, bigModule(2000));
  assert.equal(load(dir, file).answer, 2000);
  writeFileSync(file, bigModule(3) + '\n}}} not javascript');
  assert.equal(load(dir, file).error, 'SyntaxError');
});
