// The public repositories bench/realworld.mjs measures Critic on, and how each one's own test
// runner (the oracle) runs the tests of a file. Their code is never committed here: fetch each
// one (github:OWNER/NAME) and `git clone` it into the folder the bench reads (see realworld.mjs).
//
// Each entry: dir (folder name), source (where to get it), layout (what it exercises), language,
// files (source files, relative to the repo), tests(file) (test files the project's runner would
// run for it, relative to the repo), oracle ({ cwd, cmd, args }) and deps: 'none' (run as a fresh
// clone, no oracle, correct code only) or 'node' (node_modules hard-linked from the deps folder).
import { join } from 'node:path';
import { heldOutPython } from './heldOutPython.mjs';
import { list, pytest } from './oracles.mjs';

export const repos = [
  {
    dir: 'QuixBugs',
    source: 'github:jkoppel/QuixBugs',
    layout: 'tests outside tests/ (python_testcases), pytest conftest, real bugs',
    language: 'python',
    // Its buggy programs are the mutants: each python_programs/X.py has one real bug, and
    // correct_python_programs/X.py is the fix (the correct variant is critiqued at the same path).
    quixbugs: true,
    files: (root) => list(join(root, 'python_testcases'), /^test_\w+\.py$/).map((t) => `python_programs/${t.slice(5)}`),
    tests: (file) => [`python_testcases/test_${file.split('/').pop()}`],
    oracle: (file, tests) => ({ cwd: '.', ...pytest(tests) }),
  },
  {
    dir: 'toolz',
    source: 'github:pytoolz/toolz',
    layout: 'tests inside the package (toolz/tests), pytest testpaths in pyproject.toml, doctests',
    language: 'python',
    files: () => ['toolz/itertoolz.py', 'toolz/dicttoolz.py', 'toolz/functoolz.py'],
    tests: (file) => [`toolz/tests/test_${file.split('/').pop()}`],
    oracle: (file, tests) => ({ cwd: '.', ...pytest(tests) }),
  },
  {
    dir: 'more-itertools',
    source: 'github:more-itertools/more-itertools',
    layout: 'doctest-heavy library, tests/ with unittest classes',
    language: 'python',
    // more.py's own tests (tests/test_more.py, 6,000 lines) take minutes here: recipes only keeps the bench bounded.
    files: () => ['more_itertools/recipes.py'],
    tests: (file) => [`tests/test_${file.split('/').pop()}`],
    oracle: (file, tests) => ({ cwd: '.', ...pytest(tests) }),
  },
  {
    dir: 'boltons',
    source: 'github:mahmoud/boltons',
    layout: 'doctest-heavy, doctest_optionflags in pyproject.toml, pytest --doctest-modules (tox.ini)',
    language: 'python',
    files: () => ['boltons/strutils.py', 'boltons/iterutils.py', 'boltons/mathutils.py'],
    tests: (file) => [`tests/test_${file.split('/').pop()}`],
    // tox.ini runs `pytest --doctest-modules boltons tests`: the module's doctests are part of its tests.
    oracle: (file, tests) => ({ cwd: '.', ...pytest(['--doctest-modules', file, ...tests]) }),
  },
  {
    dir: 'markupsafe',
    source: 'github:pallets/markupsafe',
    layout: 'src layout (src/markupsafe), pytest configuration in pyproject.toml',
    language: 'python',
    files: () => ['src/markupsafe/__init__.py', 'src/markupsafe/_native.py'],
    tests: () => ['tests/test_markupsafe.py', 'tests/test_escape.py'],
    oracle: (file, tests) => ({ cwd: '.', ...pytest(tests), env: { PYTHONPATH: 'src' } }),
  },
  {
    dir: 'ufo',
    source: 'github:unjs/ufo',
    layout: 'TypeScript package tested with vitest',
    language: 'typescript',
    deps: 'node',
    files: () => ['src/utils.ts', 'src/parse.ts', 'src/query.ts'],
    tests: (file, root) => list(join(root, 'test'), /\.test\.ts$/).map((t) => `test/${t}`),
    oracle: (file, tests) => ({ cwd: '.', cmd: 'vitest', args: ['run', ...tests] }),
  },
  {
    dir: 'ufo',
    name: 'ufo (fresh clone)',
    source: 'github:unjs/ufo',
    layout: 'the same package without node_modules: correct code only, no oracle',
    language: 'typescript',
    deps: 'none',
    files: () => ['src/utils.ts', 'src/parse.ts', 'src/query.ts'],
  },
  {
    // Held out: added after the discovery and runner fixes, to check they were not fitted to the repositories above.
    dir: 'jmespath',
    source: 'github:jmespath/jmespath.py',
    layout: 'held out: unittest classes in a tests package (tests/__init__.py), no pytest configuration, another copy installed in site-packages',
    language: 'python',
    files: () => ['jmespath/lexer.py', 'jmespath/functions.py', 'jmespath/visitor.py'],
    tests: (file) => ({ 'jmespath/lexer.py': ['tests/test_lexer.py', 'tests/test_parser.py'], 'jmespath/functions.py': ['tests/test_functions.py', 'tests/test_compliance.py'], 'jmespath/visitor.py': ['tests/test_search.py', 'tests/test_compliance.py'] })[file],
    oracle: (file, tests) => ({ cwd: '.', ...pytest(tests) }),
  },
  {
    dir: 'pathe',
    source: 'github:unjs/pathe',
    layout: 'held out: TypeScript package, vitest via vite.config.ts, test/*.spec.ts importing "../src" (index re-exports _path.ts)',
    language: 'typescript',
    deps: 'node',
    files: () => ['src/_path.ts', 'src/utils.ts'],
    tests: (file, root) => list(join(root, 'test'), /\.spec\.ts$/).map((t) => `test/${t}`),
    oracle: (file, tests) => ({ cwd: '.', cmd: 'vitest', args: ['run', ...tests] }),
  },
  {
    dir: 'tanstack-store',
    source: 'github:TanStack/store',
    layout: 'pnpm monorepo package (packages/store), vitest config with jsdom',
    language: 'typescript',
    deps: 'node',
    files: () => ['packages/store/src/store.ts', 'packages/store/src/atom.ts'],
    tests: (file, root) => list(join(root, 'packages/store/tests'), /\.test\.ts$/).map((t) => `packages/store/tests/${t}`),
    oracle: (file, tests) => ({ cwd: 'packages/store', cmd: 'vitest', args: ['run', ...tests.map((t) => t.replace(/^packages\/store\//, ''))] }),
  },
  // Held-out Python repositories (bench/realworld/heldOutPython.mjs).
  ...heldOutPython,
];
