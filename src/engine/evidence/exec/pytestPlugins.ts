/**
 * Which installed pytest plugins a project needs, so a run loads those and not every plugin the
 * interpreter happens to have (each costs its import on every run: hypothesis alone about 0.6 s).
 * The runner disables pytest's autoloading and loads, from the interpreter's own `pytest11` entry
 * points (listed inside the sandbox), the plugins whose distribution the project declares as a
 * dependency anywhere (pyproject dependencies, optional dependencies and dependency groups,
 * requirements files, tox / setup.cfg / setup.py / Pipfile), or whose name matches an option key
 * of its pytest configuration (`asyncio_mode` → pytest-asyncio). `-p` in `addopts` and a
 * conftest's `pytest_plugins` keep working as pytest itself loads those.
 *
 * Only literal text is read. Over-matching only loads a plugin (what pytest does today), so the
 * words are collected generously; a missed plugin shows as a missing fixture or marker, and the
 * run is then repeated with autoloading (relatedTests.ts).
 */
import { basename, join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { FileSystemPort } from '../../types.js';
import { iniSection, type PytestConfig } from './pytestConfig.js';

export interface PytestPluginHints {
  autoload: boolean;
  /** Normalised (PEP 503) names the project's manifests mention. */
  declared: string[];
  /** Option keys of the project's pytest configuration that pytest itself does not define. */
  ini: string[];
}

/** pytest's own ini keys (and prefixes of families): never a hint of a plugin. */
const ownKeys = /^(addopts|minversion|required_plugins|testpaths|python_(files|classes|functions)|norecursedirs|pythonpath|markers|filterwarnings|usefixtures|xfail_strict|empty_parameter_set_mark|cache_dir|console_output_style|consider_namespace_packages|doctest_\w+|faulthandler_\w+|junit_\w+|log_\w+|tmp_path_\w+|verbosity_\w+|truncation_\w+|disable_test_id_escaping\w*|enable_assertion_pass_hook|collect_imported_tests|strict\w*|tox_\w+|ini_options)$/;

const manifestNames = ['pyproject.toml', 'setup.cfg', 'setup.py', 'tox.ini', 'Pipfile', 'environment.yml', 'environment.yaml', 'noxfile.py'];
const maxWords = 5000;

/** PEP 503 normalisation: `Pytest_Asyncio` → `pytest-asyncio`. */
export function normaliseDistName(name: string): string {
  return name.replace(/[-_.]+/g, '-').toLowerCase();
}

/** `requirements*.txt`, `dev-requirements.in`, `constraints.txt` and whatever is in a `requirements/` folder. */
async function requirementFiles(dir: string, fs: FileSystemPort): Promise<string[]> {
  const names = async (d: string) => ((await fs.readdir(d).catch(() => undefined)) ?? []).map((e) => e.name);
  const top = (await names(dir)).filter((n) => /req[^/]*\.(txt|in)$|^constraints[^/]*\.txt$/i.test(n)).map((n) => join(dir, n));
  const folder = (await names(join(dir, 'requirements'))).filter((n) => /\.(txt|in)$/.test(n)).map((n) => join(dir, 'requirements', n));
  return [...top, ...folder];
}

function iniKeysOf(cfg: PytestConfig, text: string): string[] {
  if (!cfg.file) return [];
  const name = basename(cfg.file);
  if (name === 'pyproject.toml') {
    try {
      const doc = parseToml(text) as { tool?: { pytest?: Record<string, unknown> } };
      const pytest = doc.tool?.pytest ?? {};
      const ini = pytest.ini_options;
      return Object.keys(ini && typeof ini === 'object' ? ini : pytest);
    } catch {
      return [];
    }
  }
  return Object.keys(iniSection(text, name === 'setup.cfg' ? 'tool:pytest' : 'pytest') ?? {});
}

/** The hints for a project whose pytest configuration is `cfg` (the project root and the rootdir are both searched). */
export async function pytestPluginHints(projectRoot: string, cfg: PytestConfig, fs: FileSystemPort): Promise<PytestPluginHints> {
  const words = new Set<string>();
  const dirs = [...new Set([cfg.rootdir, projectRoot])];
  const files = new Set<string>();
  for (const d of dirs) {
    for (const n of manifestNames) files.add(join(d, n));
    for (const r of await requirementFiles(d, fs)) files.add(r);
  }
  let configText = '';
  for (const f of files) {
    if (!(await fs.exists(f))) continue;
    const text = await fs.readFile(f).catch(() => '');
    if (f === cfg.file) configText = text;
    for (const m of text.matchAll(/[A-Za-z0-9][A-Za-z0-9._-]*/g)) {
      if (words.size >= maxWords) break;
      words.add(normaliseDistName(m[0]));
    }
  }
  if (cfg.file && !configText) configText = await fs.readFile(cfg.file).catch(() => '');
  const ini = iniKeysOf(cfg, configText).filter((k) => !ownKeys.test(k));
  return { autoload: false, declared: [...words].sort(), ini: ini.sort() };
}

/** Whether a run's failures look like a plugin that was not loaded (a missing fixture or marker). */
export function missingPluginSymptom(messages: Iterable<string | undefined>): boolean {
  for (const m of messages) if (m && /fixture '[^']+' not found|not found in `markers` configuration option|Missing required plugins|unrecognized arguments: /.test(m)) return true;
  return false;
}
