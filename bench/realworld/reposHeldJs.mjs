// Held-out JS/TS repositories for bench:realworld, with runners and layouts none of repos.mjs has:
// jest with ts-jest, node:test on plain ESM, uvu, and an npm-workspaces monorepo on vitest 1 with
// tests next to the sources. Same shape as repos.mjs, plus deps: 'own' — the clone's own
// node_modules (`npm install --ignore-scripts` in it, see the README), hard-linked into the copy
// when present — and oracle cmd 'node' (a Node script, its args relative to the oracle's cwd).
// Fetch each one (github:OWNER/NAME) into /tmp/realworld/<dir>; their code is never committed here.
const node = (args) => ({ cmd: 'node', args });
const stem = (file) => file.split('/').pop().replace(/\.[jt]s$/, '');

export const heldJsRepos = [
  {
    dir: 'tiny-invariant',
    source: 'github:alexreardon/tiny-invariant',
    layout: 'held out: jest with ts-jest (jest.config.js transform), test/*.spec.ts importing ../src',
    language: 'typescript',
    deps: 'own',
    files: () => ['src/tiny-invariant.ts'],
    // bundle-behaviour.spec.ts builds the package with rollup: slow, and it tests the bundle, not the function.
    tests: () => ['test/message-behaviour.spec.ts', 'test/throw-behaviour.spec.ts', 'test/type-narrowing.spec.ts'],
    oracle: (file, tests) => ({ cwd: '.', ...node(['node_modules/jest/bin/jest.js', '--ci', ...tests]) }),
  },
  {
    dir: 'tiny-invariant',
    name: 'tiny-invariant (fresh clone)',
    source: 'github:alexreardon/tiny-invariant',
    layout: 'the same package without node_modules: correct code only, no oracle',
    language: 'typescript',
    deps: 'none',
    files: () => ['src/tiny-invariant.ts'],
  },
  {
    dir: 'nanoid',
    source: 'github:ai/nanoid',
    layout: 'held out: plain-JS ESM package, node:test (better-node-test), benchmarks and build scripts in test/',
    language: 'javascript',
    deps: 'own',
    files: () => ['index.js', 'non-secure/index.js'],
    tests: (file) => [file === 'index.js' ? 'test/index.test.js' : 'test/non-secure.test.js'],
    oracle: (file, tests) => ({ cwd: '.', ...node(['--test', ...tests]) }),
  },
  {
    dir: 'dequal',
    source: 'github:lukeed/dequal',
    layout: 'held out: uvu (`uvu -r esm test`), suites bound to variables, helpers between tests and the function',
    language: 'javascript',
    deps: 'own',
    files: () => ['src/index.js', 'src/lite.js'],
    tests: (file) => [`test/${stem(file)}.js`],
    oracle: (file, tests) => ({ cwd: '.', ...node(['node_modules/uvu/bin.js', '-r', 'esm', 'test', `^${stem(file)}\\.js$`]) }),
  },
  {
    dir: 'change-case',
    source: 'github:blakeembrey/change-case',
    layout: 'held out: npm workspaces monorepo, vitest 1 hoisted to the root, *.spec.ts next to the sources, no vitest config',
    language: 'typescript',
    deps: 'own',
    files: () => ['packages/change-case/src/index.ts', 'packages/title-case/src/index.ts', 'packages/sponge-case/src/index.ts'],
    tests: (file) => [file.replace(/\.ts$/, '.spec.ts')],
    oracle: (file, tests) => ({ cwd: file.split('/').slice(0, 2).join('/'), ...node(['../../node_modules/vitest/vitest.mjs', 'run', ...tests.map((t) => t.split('/').slice(2).join('/'))]) }),
  },
  {
    dir: 'change-case',
    name: 'change-case (fresh clone)',
    source: 'github:blakeembrey/change-case',
    layout: 'the same monorepo without node_modules: correct code only, no oracle',
    language: 'typescript',
    deps: 'none',
    files: () => ['packages/change-case/src/index.ts', 'packages/title-case/src/index.ts'],
  },
];
