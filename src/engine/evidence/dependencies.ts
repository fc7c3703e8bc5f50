/**
 * Whether a project's declared dependencies are installed. A fresh clone without `node_modules`
 * (or a Python environment without the project's requirements) makes every import of a package
 * fail; those failures are one notice with the fix, not hundreds of errors on correct code.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { findUp, gitBoundary } from '../findUp.js';

/** The declared JS dependencies that cannot be resolved from a file, and how to install them. */
export interface JsDependencyState {
  packageJson: string;
  declared: ReadonlySet<string>;
  missing: ReadonlySet<string>;
  /** `npm install`, `pnpm install`, `yarn install` or `bun install`, after the lockfile. */
  installCommand: string;
}

interface Cached<T> {
  stamp: string;
  value: T;
}

const jsCache = new Map<string, Cached<JsDependencyState | undefined>>();

function stampOf(path: string): string {
  try {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return 'missing';
  }
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The nearest package.json at or above `dir`, no higher than `stopAt`'s parent chain end. */
function nearestPackageJson(dir: string): string | undefined {
  return findUp(['package.json'], dir);
}

/** Whether `name` resolves as a package from `dir` the way Node and TypeScript look (every ancestor's node_modules). */
function installedFrom(dir: string, name: string): boolean {
  return findUp([join('node_modules', name, 'package.json')], dir) !== undefined;
}

/** The install command of the package manager the nearest lock file names (`npm install` without one). */
export function installCommandFor(dir: string): string {
  // The nearest lock file names the package manager; the repository's top ends the search.
  const lock = findUp(['pnpm-lock.yaml', 'yarn.lock', 'bun.lockb', 'bun.lock', 'package-lock.json'], dir, { boundary: gitBoundary });
  const name = lock ? basename(lock) : '';
  return name === 'pnpm-lock.yaml' ? 'pnpm install' : name === 'yarn.lock' ? 'yarn install' : name.startsWith('bun.') ? 'bun install' : 'npm install';
}

/** The dependency state of the package a file belongs to; undefined when it declares none. */
export function jsDependencyState(file: string): JsDependencyState | undefined {
  const packageJson = nearestPackageJson(dirname(resolve(file)));
  if (!packageJson) return undefined;
  const dir = dirname(packageJson);
  // node_modules appearing (an install) changes the answer as much as editing package.json.
  const stamp = `${stampOf(packageJson)}|${stampOf(join(dir, 'node_modules'))}`;
  const hit = jsCache.get(packageJson);
  if (hit && hit.stamp === stamp) return hit.value;
  const pkg = readJson(packageJson);
  const declared = new Set<string>();
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
    const deps = pkg?.[field];
    if (typeof deps === 'object' && deps !== null) for (const name of Object.keys(deps)) declared.add(name);
  }
  const missing = new Set([...declared].filter((name) => !installedFrom(dir, name)));
  // A workspace package that declares nothing (npm/yarn workspaces hoist every dependency to the
  // root's manifest): the workspace root's state is the package's.
  const value = declared.size ? { packageJson, declared, missing, installCommand: installCommandFor(dir) } : workspaceRootState(dir);
  jsCache.set(packageJson, { stamp, value });
  return value;
}

/** The dependency state of the workspace root above the package in `dir`, if there is one. */
function workspaceRootState(dir: string): JsDependencyState | undefined {
  const up = dirname(dir);
  if (up === dir) return undefined;
  const rootJson = nearestPackageJson(up);
  if (!rootJson) return undefined;
  const root = readJson(rootJson);
  const isWorkspace = root?.workspaces !== undefined || existsSync(join(dirname(rootJson), 'pnpm-workspace.yaml'));
  return isWorkspace ? jsDependencyState(join(dirname(rootJson), 'package.json')) : undefined;
}

/** The package a bare module specifier names (`lodash/fp` → `lodash`, `@a/b/c` → `@a/b`); undefined for relative paths. */
export function packageOfSpecifier(spec: string): string | undefined {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.includes(':') && !spec.startsWith('node:')) return undefined;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * The declared-but-missing package that explains a failed import of `spec`, if one does: the
 * package itself, its `@types/` twin, or `@types/node` for a Node built-in.
 */
export function missingPackageFor(spec: string, state: JsDependencyState): string | undefined {
  const bare = spec.replace(/^node:/, '');
  if (spec.startsWith('node:') || builtinModules.includes(bare)) return state.missing.has('@types/node') ? '@types/node' : undefined;
  const pkg = packageOfSpecifier(spec);
  if (!pkg) return undefined;
  if (state.missing.has(pkg)) return pkg;
  const typesName = `@types/${pkg.startsWith('@') ? pkg.slice(1).replace('/', '__') : pkg}`;
  return state.missing.has(typesName) ? typesName : undefined;
}

/** The one line shown for a package whose dependencies are not installed. */
export function jsMissingNotice(state: JsDependencyState): string {
  const n = state.missing.size;
  const all = n === state.declared.size;
  const what = all ? `none of the ${n} dependencies ${state.packageJson} declares are installed` : `${n} of the ${state.declared.size} dependencies ${state.packageJson} declares are not installed`;
  return `${what[0]!.toUpperCase()}${what.slice(1)}: errors caused by them (unresolved imports, missing types) are not reported and other type errors are provisional warnings; run \`${state.installCommand}\` in ${dirname(state.packageJson)}`;
}

/** Python: the distributions a project declares, by normalised name, and how to install them. */
export interface PythonDeclared {
  names: ReadonlySet<string>;
  installCommand: string;
}

/** `PyYAML` and `pyyaml`, `typing_extensions` and `typing-extensions` are one distribution. */
export function normalizeDistribution(name: string): string {
  return name.trim().toLowerCase().replace(/[-_.]+/g, '-');
}

/** Import names that differ from the distribution that provides them (the common cases). */
const importToDistribution: Record<string, string> = {
  yaml: 'pyyaml', bs4: 'beautifulsoup4', sklearn: 'scikit-learn', cv2: 'opencv-python', pil: 'pillow', dateutil: 'python-dateutil',
  dotenv: 'python-dotenv', jwt: 'pyjwt', attr: 'attrs', google: 'protobuf', serial: 'pyserial', magic: 'python-magic', usb: 'pyusb',
  jose: 'python-jose', multipart: 'python-multipart', docx: 'python-docx', pptx: 'python-pptx', crypto: 'pycryptodome', zmq: 'pyzmq',
  gi: 'pygobject', git: 'gitpython', skimage: 'scikit-image', fitz: 'pymupdf', mpl_toolkits: 'matplotlib', pkg_resources: 'setuptools',
};

const requirementName = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/;

/** The declared distributions of a Python project: requirements*.txt, pyproject.toml, setup.cfg, setup.py. */
export function pythonDeclaredDependencies(projectRoot: string): PythonDeclared | undefined {
  const names = new Set<string>();
  let installCommand: string | undefined;
  const add = (line: string) => {
    const m = requirementName.exec(line.replace(/#.*/, ''));
    if (m && !line.trim().startsWith('-')) names.add(normalizeDistribution(m[1]!));
  };
  for (const file of ['requirements.txt', 'requirements-dev.txt', 'requirements_dev.txt', 'requirements-test.txt', 'dev-requirements.txt', 'test-requirements.txt']) {
    const path = join(projectRoot, file);
    if (!existsSync(path)) continue;
    for (const line of readFileSync(path, 'utf8').split('\n')) add(line);
    installCommand ??= `pip install -r ${file}`;
  }
  const pyproject = join(projectRoot, 'pyproject.toml');
  if (existsSync(pyproject)) {
    const text = readFileSync(pyproject, 'utf8');
    // The dependency arrays of PEP 621 and PEP 735 (strings), and Poetry's tables (keys).
    for (const m of text.matchAll(/^\s*(?:dependencies|[\w-]+)\s*=\s*\[([^\]]*)\]/gm)) for (const s of m[1]!.matchAll(/["']([^"']+)["']/g)) add(s[1]!);
    for (const m of text.matchAll(/^\[tool\.poetry\.(?:dev-)?(?:group\.[\w-]+\.)?dependencies\]\s*\n([\s\S]*?)(?=^\[|$(?![\s\S]))/gm)) {
      for (const line of m[1]!.split('\n')) if (/^\s*[A-Za-z0-9][\w.-]*\s*=/.test(line) && !/^\s*python\s*=/.test(line)) add(line);
    }
    installCommand ??= 'pip install -e .';
  }
  const setupCfg = join(projectRoot, 'setup.cfg');
  if (existsSync(setupCfg)) {
    const m = /install_requires\s*=\s*\n((?:[ \t]+\S.*\n?)*)/.exec(readFileSync(setupCfg, 'utf8'));
    for (const line of m?.[1]?.split('\n') ?? []) add(line);
    installCommand ??= 'pip install -e .';
  }
  const setupPy = join(projectRoot, 'setup.py');
  if (existsSync(setupPy)) {
    const m = /install_requires\s*=\s*\[([^\]]*)\]/.exec(readFileSync(setupPy, 'utf8'));
    for (const s of m?.[1]?.matchAll(/["']([^"']+)["']/g) ?? []) add(s[1]!);
    installCommand ??= 'pip install -e .';
  }
  return names.size ? { names, installCommand: installCommand ?? 'pip install -e .' } : undefined;
}

/** The declared distribution that provides top-level module `module`, if the project declares it. */
export function declaredDistributionOf(module: string, declared: PythonDeclared): string | undefined {
  const top = module.split('.')[0]!;
  const candidates = [normalizeDistribution(top), importToDistribution[top.toLowerCase()], `python-${normalizeDistribution(top)}`, `py${normalizeDistribution(top)}`];
  return candidates.find((c): c is string => c !== undefined && declared.names.has(c));
}

/** The module in `No module named 'numpy.linalg'` (ModuleNotFoundError's message). */
export function missingModuleOf(message: string | undefined): string | undefined {
  return message ? /No module named ['"]?([\w.]+)['"]?/.exec(message)?.[1] : undefined;
}

/**
 * The one line shown for a Python project whose declared dependencies are not installed. The
 * same for every file and tool of the project, so a run shows it once (the modules go to the log).
 */
export function pythonMissingNotice(declared: PythonDeclared, projectRoot: string): string {
  return `The Python that runs the code lacks dependencies ${projectRoot} declares: examples and tests that fail only because they cannot import them are not reported as errors; run \`${declared.installCommand}\` in ${projectRoot}`;
}

/** The tool name of dependency notices, shared by every tool so a host shows each once. */
export const dependencyNoticeTool = 'dependencies';

/** The parts of an execution tool's output that matter here (a structural subset of ToolOutput). */
interface ExecOutput {
  findings: Array<{ message: string; tier: string; level: string }>;
  records?: Array<{ status: string; actual?: string }>;
  notices?: Array<{ tool: string; message: string }>;
}

/**
 * Python executed findings that only say a declared dependency is not installed for the
 * interpreter (`ModuleNotFoundError: No module named 'numpy'` while the project declares numpy)
 * become one notice naming the fix; a module nobody declares stays an error on the code.
 */
export function explainMissingPythonDependencies<T extends ExecOutput>(output: T, projectRoot: string): T {
  // Every module a message names: `try: import unidecode / except ImportError: import text_unidecode`
  // fails with both in the chain, and the declared one (text-unidecode) is the cause.
  const missingOf = (text: string | undefined) => (text && /ModuleNotFoundError|No module named/.test(text) ? [...text.matchAll(/No module named ['"]?([\w.]+)['"]?/g)].map((m) => m[1]!) : []);
  const suspects = output.findings.map((f) => (f.tier === 'executed' ? missingOf(f.message) : []));
  // `importlib.metadata.version('toolz')` in a clone that was never installed: the project's own
  // runner fails the same way, and it says nothing about the code.
  const unmetered = (text: string | undefined) => /PackageNotFoundError: No package metadata was found for ([\w.-]+)/.exec(text ?? '')?.[1];
  const own = output.findings.some((f) => f.tier === 'executed' && unmetered(f.message)) ? ownDistribution(projectRoot) : undefined;
  const isOwn = (text: string | undefined) => Boolean(own && unmetered(text) && normalizeDistribution(unmetered(text)!) === own);
  if (own && output.findings.some((f) => f.tier === 'executed' && isOwn(f.message))) {
    const rest = explainMissingPythonDependencies({ ...output, findings: output.findings.filter((f) => !(f.tier === 'executed' && isOwn(f.message))) }, projectRoot);
    const records = rest.records?.filter((r) => !isOwn(r.actual));
    const notice = { tool: dependencyNoticeTool, message: `The project is not installed: importlib.metadata finds no distribution named ${own}, so tests that read its version or entry points fail and are not reported as errors; run \`pip install -e .\` in ${projectRoot}` };
    return { ...rest, ...(records ? { records } : {}), notices: [...(rest.notices ?? []), notice] };
  }
  if (!suspects.some((s) => s.length)) return output;
  const declared = pythonDeclaredDependencies(projectRoot);
  const generated = generatedPythonModules(projectRoot);
  if (!declared && !generated.size) return output;
  const isGenerated = (module: string) => [...generated.keys()].some((g) => module === g || g.startsWith(`${module}.`));
  const isDeclared = (module: string) => Boolean(declared && declaredDistributionOf(module, declared));
  const modules: string[] = [];
  const built: string[] = [];
  const findings = output.findings.filter((f, i) => {
    const names = suspects[i]!;
    const gen = names.filter(isGenerated);
    const dec = names.filter(isDeclared);
    built.push(...gen);
    modules.push(...dec.map((m) => m.split('.')[0]!));
    return !gen.length && !dec.length;
  });
  if (!modules.length && !built.length) return output;
  const explained = new Set(modules);
  const records = output.records?.filter((r) => {
    const names = r.status === 'error' || r.status === 'failed' ? missingOf(r.actual) : [];
    return !names.some((module) => explained.has(module.split('.')[0]!) || isGenerated(module));
  });
  const notices = [...(output.notices ?? [])];
  if (modules.length && declared) notices.push({ tool: dependencyNoticeTool, message: pythonMissingNotice(declared, projectRoot) });
  if (built.length) {
    const [module, via] = [...generated].find(([g]) => built.some((b) => b === g || g.startsWith(`${b}.`)))!;
    notices.push({ tool: dependencyNoticeTool, message: `The project is not installed: ${module} is written by its build (${via}) and is missing, so tests that import it cannot run and are not reported as errors; run \`pip install -e .\` in ${projectRoot}` });
  }
  return { ...output, findings, ...(records ? { records } : {}), notices };
}

/** The project's own distribution name (pyproject `[project]` / Poetry, setup.cfg, setup.py), normalised. */
export function ownDistribution(projectRoot: string): string | undefined {
  const read = (file: string) => {
    try {
      return readFileSync(join(projectRoot, file), 'utf8').slice(0, 200_000);
    } catch {
      return undefined;
    }
  };
  const pyproject = read('pyproject.toml');
  const cfg = read('setup.cfg');
  const setup = read('setup.py');
  const name =
    (pyproject && /^\[(?:project|tool\.poetry)\][^[]*?^name\s*=\s*["']([A-Za-z0-9][\w.-]*)["']/ms.exec(pyproject)?.[1]) ||
    (cfg && /^\[metadata\][^[]*?^name\s*=\s*([A-Za-z0-9][\w.-]*)\s*$/ms.exec(cfg)?.[1]) ||
    (setup && /\bname\s*=\s*["']([A-Za-z0-9][\w.-]*)["']/.exec(setup)?.[1]);
  return name ? normalizeDistribution(name) : undefined;
}

/**
 * Modules the project's build writes (setuptools_scm `write_to` / `version_file`, hatch-vcs
 * `version-file`), by dotted name, with the setting that names them: a fresh clone lacks them
 * until `pip install -e .`, and `No module named 'isodate.version'` is then not a bug in the code.
 */
export function generatedPythonModules(projectRoot: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [file, tool] of [['pyproject.toml', ''], ['setup.py', 'setuptools_scm'], ['setup.cfg', '']] as const) {
    const path = join(projectRoot, file);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8').slice(0, 200_000);
    for (const m of text.matchAll(/["']?(write_to|version_file|version-file)["']?\s*[:=]\s*["']([\w./-]+\.py)["']/g)) {
      const dotted = m[2]!.replace(/^\.\//, '').replace(/^src\//, '').replace(/\.py$/, '').split('/').join('.');
      const by = tool || (m[1] === 'version-file' ? 'hatch-vcs' : 'setuptools_scm');
      if (/^[\w.]+$/.test(dotted)) out.set(dotted, `${by} ${m[1]} in ${file}`);
    }
  }
  return out;
}
