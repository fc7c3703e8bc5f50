/**
 * Whether a Python project runs its own doctests. A failing example is an error when the example
 * is part of what the project (or a pasted snippet with no project around it) claims to hold; a
 * project with a pytest configuration that never runs doctests has not made that claim: its
 * examples may be illustrations that drifted (markupsafe's `Markup.escape` docstring), so a
 * failing one is a warning that says so.
 */
import { basename, join } from 'node:path';
import type { FileSystemPort } from '../../types.js';
import type { PytestConfig } from './pytestConfig.js';

/** Text that runs doctests: pytest options, the doctest module's runners, Sphinx's and xdoctest. */
const runsDoctests = /--doctest-modules|--doctest-glob|doctest\.testmod|doctest\.testfile|DocTestSuite|DocFileSuite|sphinx\.ext\.doctest|xdoctest|doctest_optionflags/;
const projectFiles = ['tox.ini', 'setup.cfg', 'pyproject.toml', 'pytest.ini', 'noxfile.py', 'Makefile', 'conftest.py', 'docs/conf.py', 'doc/conf.py'];
const maxTestFiles = 300;

export interface DoctestPolicy {
  /** true: the project runs doctests; false: it has a test configuration that does not; undefined: no configuration to judge by. */
  runs: boolean | undefined;
  /** The configuration file judged by (for the message). */
  config?: string;
}

async function read(fs: FileSystemPort, path: string): Promise<string | undefined> {
  try {
    return (await fs.exists(path)) ? (await fs.readFile(path)).slice(0, 200_000) : undefined;
  } catch {
    return undefined;
  }
}

/** `*.py` files under `dir` (bounded), for the tests that load doctests themselves. */
async function pythonFiles(dir: string, out: string[], fs: FileSystemPort, depth = 0): Promise<void> {
  if (out.length >= maxTestFiles || depth > 4) return;
  const entries = await fs.readdir(dir).catch(() => undefined);
  if (!entries) return;
  for (const e of entries) {
    if (out.length >= maxTestFiles) return;
    if (e.isDirectory && !e.name.startsWith('.') && e.name !== 'node_modules' && e.name !== '__pycache__') await pythonFiles(join(dir, e.name), out, fs, depth + 1);
    else if (e.isFile && e.name.endsWith('.py')) out.push(join(dir, e.name));
  }
}

/** Whether the project around `cfg` runs its doctests (see DoctestPolicy). */
export async function doctestPolicy(cfg: PytestConfig, projectRoot: string, fs: FileSystemPort): Promise<DoctestPolicy> {
  if (!cfg.file) return { runs: undefined };
  const config = basename(cfg.file);
  if (cfg.doctestOptionflags.length || cfg.addopts.some((a) => runsDoctests.test(a))) return { runs: true, config };
  const roots = [...new Set([cfg.rootdir, projectRoot])];
  const files = roots.flatMap((r) => projectFiles.map((f) => join(r, f)));
  for (const r of roots) {
    const workflows = join(r, '.github', 'workflows');
    for (const w of (await fs.readdir(workflows).catch(() => undefined)) ?? []) if (/\.ya?ml$/.test(w.name)) files.push(join(workflows, w.name));
  }
  const tests: string[] = [];
  for (const t of cfg.testpaths.length ? cfg.testpaths.map((p) => join(cfg.rootdir, p)) : [join(cfg.rootdir, 'tests'), join(cfg.rootdir, 'test')]) await pythonFiles(t, tests, fs);
  for (const f of [...files, ...tests]) {
    const text = await read(fs, f);
    if (text !== undefined && runsDoctests.test(text)) return { runs: true, config };
  }
  return { runs: false, config };
}
