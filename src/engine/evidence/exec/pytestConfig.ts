/**
 * The project's pytest configuration, read the way pytest finds it: from the file's folder up to
 * the project root, the first of `pytest.ini`, `.pytest.ini`, `pyproject.toml` (with
 * `[tool.pytest.ini_options]` or `[tool.pytest]`), `tox.ini` (`[pytest]`), `setup.cfg`
 * (`[tool:pytest]`) decides the rootdir and the options. Only literal values are read; nothing of
 * the project runs here.
 */
import { dirname, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { FileSystemPort } from '../../types.js';
import { ancestors } from '../../findUp.js';
import { pytestInvocations } from './pytestInvocations.js';

export interface PytestConfig {
  /** The folder pytest would use as rootdir (the config file's folder, else a setup.py folder, else the project root). */
  rootdir: string;
  /** The file the options came from; undefined when the project has none. */
  file?: string;
  testpaths: string[];
  pythonFiles: string[];
  pythonClasses: string[];
  pythonFunctions: string[];
  norecursedirs: string[];
  pythonpath: string[];
  doctestOptionflags: string[];
  addopts: string[];
}

/** pytest's own defaults (pytest 8/9). */
export const pytestDefaults = {
  pythonFiles: ['test_*.py', '*_test.py'],
  pythonClasses: ['Test'],
  pythonFunctions: ['test'],
  norecursedirs: ['*.egg', '.*', '_darcs', 'build', 'CVS', 'dist', 'node_modules', 'venv', '{arch}'],
} as const;

type Section = Record<string, string>;

/** An INI section's keys (configparser style: `key = value` or `key: value`, indented continuation lines). */
export function iniSection(text: string, section: string): Section | undefined {
  let current: string | undefined;
  let found: Section | undefined;
  let lastKey: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*[#;]/.test(raw) || !raw.trim()) continue;
    const head = /^\[([^\]]+)\]\s*$/.exec(raw.trim());
    if (head && !/^\s/.test(raw)) {
      current = head[1]!.trim();
      if (current === section) found ??= {};
      lastKey = undefined;
      continue;
    }
    if (current !== section || !found) continue;
    if (/^\s/.test(raw) && lastKey) {
      found[lastKey] = `${found[lastKey]}\n${raw.trim()}`;
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
    if (kv) {
      lastKey = kv[1]!.trim();
      found[lastKey] = kv[2]!.trim();
    }
  }
  return found;
}

/** An ini `args`/`linelist` value as a list (whitespace-separated, quotes kept together). */
function words(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (typeof v !== 'string') return [];
  return [...v.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

function fromValues(rootdir: string, file: string, get: (key: string) => unknown): PytestConfig {
  const list = (key: string, fallback: readonly string[]) => {
    const v = get(key);
    return v === undefined ? [...fallback] : words(v);
  };
  const addopts = list('addopts', []);
  // pytest's own default is ELLIPSIS, but it only applies when pytest runs the doctests
  // (`--doctest-modules`); otherwise the project's examples are plain stdlib doctests.
  const doctests = addopts.some((a) => a === '--doctest-modules' || a.startsWith('--doctest-glob'));
  return {
    rootdir,
    file,
    testpaths: list('testpaths', []),
    pythonFiles: list('python_files', pytestDefaults.pythonFiles),
    pythonClasses: list('python_classes', pytestDefaults.pythonClasses),
    pythonFunctions: list('python_functions', pytestDefaults.pythonFunctions),
    norecursedirs: list('norecursedirs', pytestDefaults.norecursedirs),
    pythonpath: list('pythonpath', []),
    doctestOptionflags: list('doctest_optionflags', doctests ? ['ELLIPSIS'] : []),
    addopts,
  };
}

/** The options in one candidate file, or undefined when it holds no pytest section. */
function optionsIn(name: string, text: string): ((key: string) => unknown) | undefined {
  if (name === 'pyproject.toml') {
    let doc: Record<string, unknown>;
    try {
      doc = parseToml(text) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    const pytest = (doc.tool as Record<string, unknown> | undefined)?.pytest as Record<string, unknown> | undefined;
    if (!pytest || typeof pytest !== 'object') return undefined;
    const ini = pytest.ini_options as Record<string, unknown> | undefined;
    const table = ini && typeof ini === 'object' ? ini : pytest;
    return (key) => table[key];
  }
  const section = name === 'tox.ini' ? 'pytest' : name === 'setup.cfg' ? 'tool:pytest' : 'pytest';
  const s = iniSection(text, section);
  // pytest.ini counts even without a [pytest] section.
  if (!s && name !== 'pytest.ini' && name !== '.pytest.ini') return undefined;
  return (key) => s?.[key];
}

const candidates = ['pytest.ini', '.pytest.ini', 'pyproject.toml', 'tox.ini', 'setup.cfg'];

/** Finds and reads the pytest configuration that applies to `file`; `log` hears each decision. */
export async function pytestConfigFor(file: string, projectRoot: string, fs: FileSystemPort, log?: (msg: string) => void): Promise<PytestConfig> {
  let setupPy: string | undefined;
  for (const dir of ancestors(dirname(file), { root: projectRoot })) {
    for (const name of candidates) {
      const path = join(dir, name);
      if (!(await fs.exists(path))) continue;
      let text: string;
      try {
        text = await fs.readFile(path);
      } catch {
        continue;
      }
      const get = optionsIn(name, text);
      if (!get) continue;
      log?.(`pytest configuration: ${path}`);
      return withInvokedPaths(fromValues(dir, path, get), fs, log);
    }
    if (!setupPy && (await fs.exists(join(dir, 'setup.py')))) setupPy = dir;
  }
  log?.(`pytest configuration: none found between ${dirname(file)} and ${projectRoot}; pytest's defaults apply`);
  return withInvokedPaths({ ...fromValues(setupPy ?? projectRoot, '', () => undefined), file: undefined }, fs, log);
}

/** Without `testpaths`, the paths the project's own pytest commands name (pytestInvocations.ts) stand for them. */
async function withInvokedPaths(cfg: PytestConfig, fs: FileSystemPort, log?: (msg: string) => void): Promise<PytestConfig> {
  if (cfg.testpaths.length) return cfg;
  const invoked = await pytestInvocations(cfg.rootdir, fs);
  if (!invoked?.paths.length) return cfg;
  log?.(`pytest runs only ${invoked.paths.join(', ')} in the project's own commands (${invoked.example})`);
  return { ...cfg, testpaths: invoked.paths };
}

/** Compiled globs: discovery tests every file of the project against the same few patterns, for every file checked. */
const compiledGlobs = new Map<string, RegExp>();

/** pytest's fnmatch-style glob (`*`, `?`, `[seq]`) as a RegExp over a whole name. */
export function globRegExp(pattern: string): RegExp {
  let found = compiledGlobs.get(pattern);
  if (!found) {
    if (compiledGlobs.size > 256) compiledGlobs.clear();
    compiledGlobs.set(pattern, (found = compileGlob(pattern)));
  }
  return found;
}

function compileGlob(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        const body = pattern.slice(i + 1, end);
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether a file name matches one of pytest's `python_files` patterns (a pattern with `/` matches the path). */
export function matchesPythonFiles(path: string, patterns: readonly string[]): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return patterns.some((p) => (p.includes('/') ? globRegExp(`*${p}`).test(path) : globRegExp(p).test(name)));
}

/** Whether pytest would not descend into a folder of this name. */
export function isNorecurse(dirName: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => globRegExp(p).test(dirName));
}
