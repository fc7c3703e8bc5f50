/**
 * Lints Python with ruff compiled to WebAssembly: no Python packages needed, one warm Workspace
 * per effective configuration. By default it reports likely defects (syntax, pyflakes, bugbear,
 * pylint errors, a few clear-bug rules) and leaves style alone; a project that selects its own
 * rules gets exactly those.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type * as RuffWasm from '@astral-sh/ruff-wasm-nodejs';
import ignore from 'ignore';
import { parse as parseToml } from 'smol-toml';
import { throwIfAborted } from '../abort.js';
import type { CriticConfig } from '../config.js';
import type { Level, Range, RawFinding, RelatedLocation } from '../findings.js';
import type { ParsedFile } from '../syntax/syntaxService.js';
import type { EngineContext } from '../types.js';
import { ToolUnavailableError, type EvidenceTool, type SourceDocument, type ToolOutput } from './tool.js';
import { firstLine } from '../text.js';
import { Lru } from '../lru.js';
import { ancestors } from '../findUp.js';

type RuffModule = typeof RuffWasm;
type Table = Record<string, unknown>;

/** Rules that find defects rather than style. Each code was checked to exist (and fire) in ruff 0.17.4. */
export const defaultSelect = [
  'E9', // syntax and IO errors
  'F', // pyflakes: undefined names, unused variables, broken format strings, …
  'B', // bugbear: mutable defaults, useless expressions, …
  'PLE', // pylint errors
  'PLW0120', // `else` on a loop without `break`
  'PLW0127', // self-assignment
  'PLW0129', // assert on a non-empty string literal (always passes)
  'PLW0131', // named expression without context
  'PLW0177', // comparison with NaN
  'PLW0711', // `except A or B:`
  'PLW1501', // invalid `open()` mode
  'PLW1508', // non-string environment variable default
  'PLW2101', // lock created in a `with` statement has no effect
  'RUF006', // dangling asyncio task (may be garbage-collected)
  'RUF016', // indexing a sequence with a non-integer
  'RUF018', // assignment expression inside assert (vanishes under -O)
  'RUF024', // mutable value shared by `dict.fromkeys`
  'RUF026', // `default_factory` passed as a keyword
  'RUF034', // `if`/`else` with identical branches
];

/** Bugbear rules that are opinion or framework noise (FastAPI `Depends()` defaults, `zip(strict=)`). */
export const defaultIgnore = ['B008', 'B009', 'B010', 'B024', 'B027', 'B028', 'B904', 'B905'];

/*
 * Level mapping (the user's `rules` setting can still override any of these):
 * - error: syntax errors; E9; PLE*; pyflakes codes that are certain runtime failures or
 *   always-true tests (undefined names F821/F822/F823, `is` with a literal F632, broken %-/format()
 *   strings, break/continue/return/yield outside their context, late __future__ imports, …).
 * - note: unused imports and star-import noise (F401, F403, F405), f-strings without
 *   placeholders (F541), unused annotated locals (F842), unused loop variables (B007), and the
 *   style families a project may select itself (pycodestyle E1–E7/W, isort, naming, docstrings,
 *   pyupgrade, simplify, …).
 * - warning: everything else: F841 unused variable, F811 redefinition, bugbear, PLW, RUF, security.
 */
const errorCodes = new Set([
  'F404', 'F406', 'F407', 'F501', 'F502', 'F503', 'F505', 'F506', 'F507', 'F508', 'F509', 'F521', 'F524', 'F525',
  'F621', 'F622', 'F631', 'F632', 'F633', 'F634', 'F701', 'F702', 'F704', 'F706', 'F707', 'F722', 'F821', 'F822', 'F823', 'F901',
]);
const noteCodes = new Set(['F401', 'F403', 'F405', 'F541', 'F842', 'B007']);
const styleFamilies = new Set([
  'W', 'I', 'N', 'D', 'Q', 'COM', 'UP', 'ANN', 'ERA', 'C', 'SIM', 'RET', 'EM', 'FBT', 'ISC', 'ICN', 'T', 'TD', 'FIX', 'CPY',
  'PTH', 'FURB', 'PLR', 'PLC', 'TRY', 'FLY', 'INP', 'RSE', 'PIE', 'PD', 'NPY', 'PERF', 'G', 'LOG', 'SLF', 'TID', 'EXE', 'PGH', 'PYI', 'TC', 'TCH',
]);

/** The level of a ruff rule code (`syntax` for syntax errors). */
export function ruffLevel(code: string): Level {
  if (code === 'syntax' || code.startsWith('E9') || code.startsWith('PLE') || errorCodes.has(code)) return 'error';
  if (noteCodes.has(code)) return 'note';
  const family = /^[A-Z]+/.exec(code)?.[0] ?? '';
  if (family === 'E' || styleFamilies.has(family)) return 'note';
  return 'warning';
}

let loaded: RuffModule | undefined;

function loadRuff(): RuffModule {
  if (loaded) return loaded;
  try {
    loaded = require('@astral-sh/ruff-wasm-nodejs') as RuffModule;
  } catch (err) {
    throw new ToolUnavailableError('ruff', `ruff (@astral-sh/ruff-wasm-nodejs) could not be loaded (${firstLine(err)}); Python lint findings are not reported; reinstall Critic`);
  }
  return loaded;
}


function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

/** A ruff configuration file and the settings it holds (already merged with what it extends). */
export interface RuffConfig {
  path: string;
  settings: Table;
  /** `project.requires-python` of a pyproject.toml, used when no target-version is set. */
  requiresPython?: string;
}

function readToml(path: string): Table {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ToolUnavailableError('ruff', `${path} could not be read (${firstLine(err)}); ruff findings are not reported; check the file`);
  }
  try {
    return parseToml(text) as Table;
  } catch (err) {
    const where = err instanceof Error && 'line' in err ? ` at line ${(err as { line: number }).line}` : '';
    throw new ToolUnavailableError('ruff', `${path} is not valid TOML${where} (${firstLine(err)}); ruff findings are not reported; fix the file`);
  }
}

/** Nested tables merge; anything else in `over` replaces `base` (ruff's `extend` semantics, simplified). */
function merge(base: Table, over: Table): Table {
  const out: Table = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isTable(v) && isTable(out[k]) ? merge(out[k] as Table, v) : v;
  return out;
}

/** Reads a ruff.toml / pyproject.toml `[tool.ruff]`, following `extend` chains. */
function loadConfigFile(path: string, depth = 0): Table {
  const doc = readToml(path);
  const isPyproject = path.endsWith('pyproject.toml');
  const tool = isPyproject ? (doc.tool as Table | undefined)?.ruff : doc;
  if (!isTable(tool)) return {};
  const { extend, ...own } = tool;
  if (typeof extend !== 'string') return own;
  if (depth >= 8) throw new ToolUnavailableError('ruff', `${path} extends too deeply (a cycle?); ruff findings are not reported; fix the "extend" chain`);
  const home = process.env.HOME ?? '';
  const target = resolve(dirname(path), extend.startsWith('~') ? join(home, extend.slice(1)) : extend);
  return merge(loadConfigFile(target, depth + 1), own);
}

/**
 * The ruff configuration for a file: the nearest `.ruff.toml`, `ruff.toml` or pyproject.toml
 * with `[tool.ruff]`, looking no higher than the folder holding `.git` or the filesystem root.
 */
export function findRuffConfig(file: string): RuffConfig | undefined {
  let requiresPython: string | undefined;
  for (const dir of ancestors(dirname(resolve(file)), { boundary: (d) => mtimeOf(join(d, '.git')) >= 0 })) {
    for (const name of ['.ruff.toml', 'ruff.toml', 'pyproject.toml']) {
      const path = join(dir, name);
      if (mtimeOf(path) < 0) continue;
      if (name !== 'pyproject.toml') return { path, settings: loadConfigFile(path), ...(requiresPython ? { requiresPython } : {}) };
      const text = readFileSync(path, 'utf8');
      if (!/^\s*\[\s*tool\s*\.\s*ruff\b|^\s*tool\s*\.\s*ruff\b/m.test(text)) {
        requiresPython ??= /^\s*requires-python\s*=\s*["']([^"']+)["']/m.exec(text)?.[1];
        continue;
      }
      const project = readToml(path).project;
      const own = isTable(project) && typeof project['requires-python'] === 'string' ? project['requires-python'] : undefined;
      const rp = own ?? requiresPython;
      return { path, settings: loadConfigFile(path), ...(rp ? { requiresPython: rp } : {}) };
    }
  }
  return requiresPython ? { path: '', settings: {}, requiresPython } : undefined;
}

/** `>=3.10` → `py310`; undefined when the specifier has no lower bound ruff knows. */
function targetFromRequiresPython(spec: string): string | undefined {
  const m = /(?:>=|~=|==|>)\s*3\.(\d+)/.exec(spec);
  const minor = m ? Number(m[1]) : NaN;
  return minor >= 7 && minor <= 14 ? `py3${minor}` : undefined;
}

const selectionKeys = ['select', 'extend-select', 'ignore', 'extend-ignore', 'per-file-ignores', 'extend-per-file-ignores'];

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

/**
 * The settings the Workspace gets for one file: the project's settings with Critic's default
 * selection when the project selects nothing itself, and per-file ignores resolved for this file
 * (the wasm build sees no paths, so it cannot match their patterns).
 */
export function effectiveSettings(config: RuffConfig | undefined, file: string): Table {
  const top: Table = structuredClone(config?.settings ?? {});
  const lint: Table = isTable(top.lint) ? top.lint : {};
  // Deprecated top-level selection keys mean the same as their `[lint]` twins; keep one place.
  for (const k of selectionKeys) {
    if (top[k] !== undefined) {
      lint[k] ??= top[k];
      delete top[k];
    }
  }
  const perFile = { ...(isTable(lint['per-file-ignores']) ? lint['per-file-ignores'] : {}), ...(isTable(lint['extend-per-file-ignores']) ? lint['extend-per-file-ignores'] : {}) };
  delete lint['per-file-ignores'];
  delete lint['extend-per-file-ignores'];
  const ignored = strings(lint.ignore);
  if (lint.select === undefined) {
    // The user's choice wins: our defaults only fill in when the project selects nothing.
    const extend = strings(lint['extend-select']);
    lint.select = defaultSelect;
    ignored.unshift(...defaultIgnore.filter((code) => !extend.some((s) => code.startsWith(s))));
  }
  const root = config?.path ? dirname(config.path) : undefined;
  const rel = root ? relative(root, resolve(file)) : '';
  if (rel && !rel.startsWith('..') && !isAbsolute(rel)) {
    const posix = rel.split(sep).join('/');
    for (const [pattern, codes] of Object.entries(perFile)) {
      const negated = pattern.startsWith('!');
      let matches = false;
      try {
        matches = ignore().add(negated ? pattern.slice(1) : pattern).ignores(posix);
      } catch {
        // A pattern `ignore` cannot express (absolute paths) simply does not apply.
      }
      if (matches !== negated) ignored.push(...strings(codes));
    }
  }
  if (ignored.length > 0) lint.ignore = [...new Set(ignored)];
  top.lint = lint;
  if (top['target-version'] === undefined && config?.requiresPython) {
    const target = targetFromRequiresPython(config.requiresPython);
    if (target) top['target-version'] = target;
  }
  return top;
}

/** Most recently used Workspaces kept warm; each holds its own wasm-side settings. */
const maxWorkspaces = 8;

/** Reports ruff diagnostics for Python documents. */
export class RuffTool implements EvidenceTool {
  readonly id = 'ruff';
  readonly parsesLanguage = true;
  /** ruff Workspaces by settings; one that leaves the cache is freed (wasm memory is manual). */
  private readonly workspaces = new Lru<string, RuffWasm.Workspace>(maxWorkspaces, (w) => {
    try {
      w.free();
    } catch {
      // Already broken by the panic that made us drop it.
    }
  });
  private created = 0;

  constructor(private readonly ctx: EngineContext) {}

  /** How many ruff Workspaces this tool has created (warm reuse keeps this flat). */
  get workspacesCreated(): number {
    return this.created;
  }

  appliesTo(doc: SourceDocument, config: CriticConfig): boolean {
    return config.tools.ruff && doc.language === 'python';
  }

  async run(doc: SourceDocument, _parsed: ParsedFile, signal: AbortSignal): Promise<ToolOutput> {
    throwIfAborted(signal);
    const ruff = loadRuff();
    const config = findRuffConfig(doc.path);
    const settings = effectiveSettings(config, doc.path);
    const origin = config?.path || 'Critic’s default ruff settings';
    const workspace = this.workspaceFor(ruff, settings, origin);
    throwIfAborted(signal);
    let diagnostics: RuffWasm.Diagnostic[];
    try {
      diagnostics = workspace.check(doc.text) as RuffWasm.Diagnostic[];
    } catch (err) {
      // A wasm panic can leave the instance unusable; never reuse it.
      this.drop(settings);
      throw new ToolUnavailableError('ruff', `ruff failed on ${doc.path} (${firstLine(err)}); Python lint findings are not reported for this file; report it with the file attached`);
    }
    const stub = doc.path.toLowerCase().endsWith('.pyi') ? stubNames(doc.text, _parsed) : undefined;
    // ruff's wasm build sees no file name, so it checks a stub as a module. In a stub every
    // annotation and base class is deferred: a name the file defines anywhere is not undefined.
    // In a package's __init__.py, importing a submodule (`from .exceptions import merge`) binds
    // its name in the package, which is this module: `del exceptions` is then fine (toolz.curried).
    const submodules = /(^|[\\/])__init__\.pyi?$/.test(doc.path) ? boundSubmodules(_parsed) : undefined;
    const undefinedName = (d: RuffWasm.Diagnostic) => (d.code === 'F821' ? (/`([^`]+)`/.exec(d.message)?.[1] ?? '') : undefined);
    const kept = diagnostics.filter((d) => {
      const name = undefinedName(d);
      return name === undefined || !(stub?.has(name) || submodules?.has(name));
    });
    return { findings: kept.map((d) => this.toFinding(d, doc.path)), parsedByLanguage: true };
  }

  private toFinding(d: RuffWasm.Diagnostic, file: string): RawFinding {
    const code = d.code === null || d.code === 'invalid-syntax' || d.code === 'SyntaxError' || d.code === 'E999' ? 'syntax' : d.code;
    const related: RelatedLocation[] = [];
    for (const a of d.annotations ?? []) {
      if (a.primary || !a.location) continue;
      related.push({ file, range: rangeOf(a.location.start_location, a.location.end_location), message: a.message ?? d.message });
    }
    return {
      rule: `ruff-${code}`,
      level: ruffLevel(code),
      message: d.message,
      file,
      range: rangeOf(d.start_location, d.end_location),
      tier: 'tool',
      confidence: 1,
      source: this.id,
      ...(related.length > 0 ? { related } : {}),
    };
  }

  private workspaceFor(ruff: RuffModule, settings: Table, origin: string): RuffWasm.Workspace {
    const key = JSON.stringify(settings);
    const cached = this.workspaces.get(key);
    if (cached) return cached;
    let workspace: RuffWasm.Workspace;
    try {
      // UTF-16 positions: the same units as our ranges (and VS Code's), no byte conversion.
      workspace = new ruff.Workspace(settings, ruff.PositionEncoding.Utf16);
    } catch (err) {
      throw new ToolUnavailableError('ruff', `ruff rejected the settings from ${origin} (${firstLine(err).replace(/^(?:Error: )+/, '').replace(/ from the CLI/, '')}); ruff findings are not reported; fix the configuration`);
    }
    this.created++;
    this.ctx.log.debug(`ruff: created a Workspace for ${origin}`);
    this.workspaces.set(key, workspace);
    return workspace;
  }

  private drop(settings: Table): void {
    this.workspaces.delete(JSON.stringify(settings));
  }

  dispose(): void {
    this.workspaces.clear();
  }
}

/** The submodules a package's `__init__` imports relatively (`from .x import y`, `from .x.z import y`): each binds `x`. */
function boundSubmodules(parsed: ParsedFile): Set<string> {
  const names = new Set<string>();
  for (const i of parsed.imports) {
    const m = /^\s*from\s+\.([A-Za-z_]\w*)(?:\.[\w.]+)?\s+import\b/.exec(i.text);
    if (m) names.add(m[1]!);
  }
  return names;
}

/** Every name a stub defines: its classes and functions at any depth, and module-level assignments and annotations. */
function stubNames(text: string, parsed: ParsedFile): Set<string> {
  const names = new Set(parsed.units.filter((u) => u.kind !== 'module').map((u) => u.name.split('.').pop()!));
  for (const m of text.matchAll(/^([A-Za-z_]\w*)\s*(?::|=(?!=))/gm)) names.add(m[1]!);
  for (const m of text.matchAll(/^type\s+([A-Za-z_]\w*)/gm)) names.add(m[1]!);
  return names;
}

/** ruff (with UTF-16 encoding) reports 1-based rows and 1-based UTF-16 columns, end exclusive. */
function rangeOf(start: { row: number; column: number }, end: { row: number; column: number }): Range {
  return {
    start: { line: Math.max(start.row - 1, 0), character: Math.max(start.column - 1, 0) },
    end: { line: Math.max(end.row - 1, 0), character: Math.max(end.column - 1, 0) },
  };
}

/** Factory in the shape of EvidenceToolFactory. */
export function createRuffTool(ctx: EngineContext): RuffTool {
  return new RuffTool(ctx);
}
