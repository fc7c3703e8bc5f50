/**
 * uvu's test API on Node's test runner. A uvu test file is a script: `suite()` collects tests and
 * `.run()` prints a summary and sets the exit code, so under `node --test` it would be one opaque
 * pass or fail per file. Bundled with this module in place of `uvu` (bundle.ts `shims`), each uvu
 * test becomes a node:test test with its name, its failure and its stack, and the suites and hooks
 * keep their order. `uvu/assert` stays the project's own (its errors carry expected and actual).
 */

/** The package names the adapter stands for. */
export const uvuShimmed = ['uvu'];

// Runs as an ES module inside the bundle; String.raw keeps backslashes, and the text has no backtick or dollar-brace.
export const uvuAdapter = String.raw`
import { describe, test as nodeTest, before as nodeBefore, after as nodeAfter } from 'node:test';
function setup(name, context) {
  const tests = [];
  const only = [];
  const hooks = { before: [], after: [], beforeEach: [], afterEach: [] };
  const ctx = context || {};
  const t = (title, fn) => { tests.push({ title, fn }); };
  t.only = (title, fn) => { only.push({ title, fn }); };
  t.skip = (title) => { tests.push({ title, skip: true }); };
  const hook = (key) => (fn) => { hooks[key].push(fn); };
  t.before = hook('before');
  t.after = hook('after');
  t.before.each = hook('beforeEach');
  t.after.each = hook('afterEach');
  let ran = false;
  t.run = () => {
    if (ran) return;
    ran = true;
    const body = () => {
      nodeBefore(async () => { for (const h of hooks.before) await h(ctx); });
      nodeAfter(async () => { for (const h of hooks.after) await h(ctx); });
      for (const x of only.length ? only : tests) {
        if (x.skip) {
          nodeTest(String(x.title), { skip: true }, () => {});
          continue;
        }
        nodeTest(String(x.title), async () => {
          for (const h of hooks.beforeEach) await h(ctx);
          try {
            await x.fn(ctx);
          } catch (e) {
            // uvu/assert's Assertion names the wanted value "expects".
            if (e && typeof e === 'object' && 'expects' in e && !('expected' in e)) e.expected = e.expects;
            throw e;
          } finally {
            for (const h of hooks.afterEach) await h(ctx);
          }
        });
      }
    };
    if (name) describe(String(name), body);
    else body();
  };
  return t;
}
export const suite = (name, context) => setup(name, context);
export const test = setup('');
export function exec() {
  return Promise.resolve(true);
}
`;
