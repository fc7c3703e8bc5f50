// Held-out Python repositories for bench/realworld.mjs: fetched and run for the first time after
// issue 9's discovery and runner work, with layouts unlike the first ones (see repos.mjs for the
// entry format). `prepare(root)` does to the temp copy what installing the project would (never
// to the clone itself).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { list, pytest } from './oracles.mjs';

export const heldOutPython = [
  {
    dir: 'isodate',
    source: 'github:gweis/isodate',
    layout: 'held out: src layout, pytest testpaths + filterwarnings=error in pyproject.toml, every test imports the package, installed by `pip install -e .` (its version.py is written then)',
    language: 'python',
    // What `pip install -e .` writes (setuptools_scm write_to); the fresh-clone entry below has none.
    prepare: (root) => writeFileSync(join(root, 'src/isodate/version.py'), 'version = "0.0.0.dev0"\n'),
    files: () => ['src/isodate/isodates.py', 'src/isodate/isotime.py', 'src/isodate/isoduration.py', 'src/isodate/duration.py'],
    // The project runs `pytest` (tox.ini): every test file, and each imports the package.
    tests: (file, root) => list(join(root, 'tests'), /^test_\w+\.py$/).map((t) => `tests/${t}`),
    oracle: (file, tests) => ({ cwd: '.', ...pytest(tests), env: { PYTHONPATH: 'src' } }),
  },
  {
    dir: 'isodate',
    name: 'isodate (fresh clone)',
    source: 'github:gweis/isodate',
    layout: 'held out: the same, not installed: src/isodate/version.py (setuptools_scm) is missing, so every test fails to import; correct code only',
    language: 'python',
    deps: 'none',
    files: () => ['src/isodate/isodates.py', 'src/isodate/duration.py'],
  },
  {
    dir: 'tomli',
    source: 'github:hukkin/tomli',
    layout: 'held out: src layout, unittest only (CI: python -m unittest), tests reach the package only through tests/__init__.py (`from . import tomllib`), a private _re.py only _parser.py imports',
    language: 'python',
    files: () => ['src/tomli/_parser.py', 'src/tomli/_re.py'],
    tests: (file, root) => list(join(root, 'tests'), /^test_\w+\.py$/).map((t) => `tests/${t}`),
    oracle: () => ({ cwd: '.', cmd: 'python', args: ['-m', 'unittest', '-q'], env: { PYTHONPATH: 'src' } }),
  },
  {
    dir: 'sortedcontainers',
    source: 'github:grantjenks/python-sortedcontainers',
    layout: 'held out: tox.ini [pytest] with --doctest-modules, --ignore list and testpaths docs/src/tests, slow stress tests, another copy installed in site-packages',
    language: 'python',
    files: () => ['src/sortedcontainers/sortedlist.py', 'src/sortedcontainers/sorteddict.py'],
    tests: (file, root) => list(join(root, 'tests'), /^test_\w+\.py$/).map((t) => `tests/${t}`),
    // tox sets PY_IGNORE_IMPORTMISMATCH for the doctests of src/ next to the installed copy.
    oracle: (file, tests) => ({ cwd: '.', ...pytest([file, ...tests]), env: { PYTHONPATH: 'src', PY_IGNORE_IMPORTMISMATCH: '1' } }),
  },
  {
    dir: 'inflection',
    source: 'github:jpvanhal/inflection',
    layout: 'held out: one package module, test_inflection.py at the root with pytest.mark.parametrize, tox.ini [pytest] addopts --doctest-modules',
    language: 'python',
    files: () => ['inflection/__init__.py'],
    tests: () => ['test_inflection.py'],
    oracle: (file, tests) => ({ cwd: '.', ...pytest([file, ...tests]) }),
  },
  {
    dir: 'dateutil',
    name: 'dateutil (missing deps)',
    source: 'github:dateutil/dateutil',
    layout: 'held out: src layout, setup.cfg [tool:pytest] (python_files with *_solution.py, filterwarnings=error), conftest hooks needing pytest-cov, tests needing freezegun (neither installed); correct code only',
    language: 'python',
    deps: 'none',
    files: () => ['src/dateutil/easter.py', 'src/dateutil/relativedelta.py', 'src/dateutil/utils.py'],
  },
];
