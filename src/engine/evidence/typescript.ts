/**
 * Type-checks JavaScript and TypeScript with a warm TypeScript language service: one service per
 * tsconfig/jsconfig (or per folder for lone files), reused across files and calls, so a re-check
 * after a one-line edit costs tens of milliseconds instead of a cold program build.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type ts from 'typescript';
import { AbortError, throwIfAborted } from '../abort.js';
import type { CriticConfig } from '../config.js';
import type { Level, Range, RawFinding, RelatedLocation } from '../findings.js';
import { isJsFamily } from '../languages.js';
import type { ParsedFile } from '../syntax/syntaxService.js';
import type { EngineContext } from '../types.js';
import { ToolUnavailableError, type EvidenceTool, type RegionOutput, type RunHints, type SourceDocument, type ToolOutput } from './tool.js';
import { enclosingUnit } from '../syntax/units.js';
import { Project, stampOf, type Ts } from './typescriptProject.js';
import { dependencyNoticeTool, installCommandFor, jsDependencyState, packageOfSpecifier } from './dependencies.js';
import { filterMissingDependencyErrors } from './missingJsDependencies.js';
import { Lru } from '../lru.js';
import { findUp } from '../findUp.js';


let loaded: Ts | undefined;

/** Loads TypeScript lazily so a missing package disables this tool instead of the whole engine. */
function loadTypeScript(): Ts {
  if (loaded) return loaded;
  try {
    loaded = require('typescript') as Ts;
  } catch (err) {
    const why = ((err as Error).message ?? String(err)).split('\n')[0];
    throw new ToolUnavailableError('typescript', `TypeScript is not installed next to Critic (${why}); type errors are not reported; reinstall Critic or run npm install typescript@6.0.3`);
  }
  return loaded;
}

const tsExtensions = /\.(?:ts|tsx|mts|cts)$/i;
const jsExtensions = /\.(?:js|jsx|mjs|cjs)$/i;
/** tsserver's `regionDiagLineCountThreshold`: below it a whole-file check is about as fast as a region one. */
const regionLineThreshold = 500;
/** At most this many warm services; the least recently used one is disposed beyond it. */
const maxProjects = 8;

/** Config parse problems that do not make a tsconfig unusable (we add the file as a root anyway). */
const harmlessConfigCodes = new Set([18002, 18003]);

function toTsPath(p: string): string {
  return resolve(p).replace(/\\/g, '/');
}

/** The nearest config for a file: tsconfig.json for TypeScript, jsconfig.json or tsconfig.json for JS. */
export function findTsConfig(file: string): string | undefined {
  const names = tsExtensions.test(file) ? ['tsconfig.json'] : ['tsconfig.json', 'jsconfig.json'];
  return findUp(names, dirname(resolve(file)));
}

/** The major version of the TypeScript the project itself installs, if any. */
function projectTypeScriptMajor(dir: string): number | undefined {
  try {
    const pkg = createRequire(join(dir, 'noop.js'))('typescript/package.json') as { version?: string };
    return Number.parseInt(pkg.version ?? '', 10) || undefined;
  } catch {
    return undefined;
  }
}

interface ParsedConfig {
  options: ts.CompilerOptions;
  fileNames: string[];
  references: readonly ts.ProjectReference[] | undefined;
  /** The config file and every file it extends, with their stamps, to notice edits. */
  stamps: Map<string, string | undefined>;
}

function brokenConfig(ts: Ts, configPath: string, diag: ts.Diagnostic): ToolUnavailableError {
  const why = ts.flattenDiagnosticMessageText(diag.messageText, ' ');
  // `"extends": "@scope/configs/tsconfig.json"` in a fresh clone: the configuration is fine, the
  // package it extends is not installed (TS6053 "File '…' not found").
  const extended = diag.code === 6053 ? /'([^']+)'/.exec(why)?.[1] : undefined;
  const pkg = extended ? packageOfSpecifier(extended) : undefined;
  if (pkg && !isAbsolute(extended!)) {
    return new ToolUnavailableError('typescript', `${configPath} extends ${extended} from the package ${pkg}, which is not installed: type errors are not reported for files it covers; run \`${installCommandFor(dirname(configPath))}\` to install the project's dependencies`);
  }
  return new ToolUnavailableError('typescript', `${configPath} is invalid (TS${diag.code}: ${why}); type errors are not reported for files it covers; fix the configuration`);
}

function parseConfig(ts: Ts, configPath: string): ParsedConfig {
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) throw brokenConfig(ts, configPath, read.error);
  const extended = new Map<string, ts.ExtendedConfigCacheEntry>();
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(configPath), undefined, configPath, undefined, undefined, extended);
  const broken = parsed.errors.find((d) => d.category === ts.DiagnosticCategory.Error && !harmlessConfigCodes.has(d.code));
  if (broken) throw brokenConfig(ts, configPath, broken);
  const options = { ...parsed.options, noEmit: true };
  // TypeScript 6 changed defaults (strict on, no automatic @types, unchecked side-effect
  // imports are errors). A project built with TypeScript 5 or none never opted into those, so
  // checking it with the new defaults would report errors its own compiler never shows.
  const major = projectTypeScriptMajor(dirname(configPath));
  if (major === undefined || major < 6) {
    options.types ??= ['*'];
    options.strict ??= false;
    options.noUncheckedSideEffectImports ??= false;
  }
  const stamps = new Map<string, string | undefined>([[configPath, stampOf(configPath)]]);
  for (const file of extended.keys()) stamps.set(file, stampOf(file));
  return { options, fileNames: parsed.fileNames.map(toTsPath), references: parsed.projectReferences, stamps };
}

/** Compiler options for files no tsconfig/jsconfig covers. */
function loneFileOptions(ts: Ts): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    // Lone files without imports would otherwise share one global scope and report each other's
    // top-level declarations as duplicates.
    moduleDetection: ts.ModuleDetectionKind.Force,
    strict: true,
    jsx: ts.JsxEmit.ReactJSX,
    allowJs: true,
    checkJs: false,
    skipLibCheck: true,
    noEmit: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    // Harmless with noEmit, and bundler-style code imports `./x.ts` directly.
    allowImportingTsExtensions: true,
    // TypeScript 6 no longer loads every @types package by default; lone scripts rely on it.
    types: ['*'],
  };
}

/** Whether a JS file opts into type checking with a leading `// @ts-check` (last pragma wins). */
function hasTsCheckPragma(ts: Ts, text: string): boolean | undefined {
  let result: boolean | undefined;
  for (const range of ts.getLeadingCommentRanges(text, 0) ?? []) {
    const m = /@ts-(no)?check\b/.exec(text.slice(range.pos, range.end));
    if (m) result = m[1] === undefined;
  }
  return result;
}

function levelOf(ts: Ts, category: ts.DiagnosticCategory): Level {
  if (category === ts.DiagnosticCategory.Error) return 'error';
  if (category === ts.DiagnosticCategory.Warning) return 'warning';
  return 'note';
}

function rangeOf(file: ts.SourceFile, start: number, length: number): Range {
  const s = file.getLineAndCharacterOfPosition(start);
  const e = file.getLineAndCharacterOfPosition(Math.min(start + length, file.text.length));
  return { start: { line: s.line, character: s.character }, end: { line: e.line, character: e.character } };
}

/** Flattened message chains can be dozens of lines on complex types; keep the readable head. */
function messageOf(ts: Ts, text: string | ts.DiagnosticMessageChain): string {
  const lines = ts.flattenDiagnosticMessageText(text, '\n').split('\n').map((l) => l.trimEnd());
  return (lines.length > 8 ? [...lines.slice(0, 8), '  …'] : lines).join('\n');
}

/** Reports TypeScript's syntactic and semantic diagnostics for JS/TS documents. */
export class TypeScriptTool implements EvidenceTool {
  readonly id = 'typescript';
  readonly parsesLanguage = true;
  /** Warm language services; one that leaves (evicted or rebuilt) is disposed. */
  private readonly projects = new Lru<string, Project>(maxProjects, (p) => p.dispose());
  /** Which project checked a file last, and through which nearest config it was found. */
  private readonly byFile = new Map<string, { found: string; key: string }>();
  private created = 0;
  /** Files whose warm-up is queued. */
  private readonly warming = new Set<string>();

  constructor(private readonly ctx: EngineContext) {}

  /** How many language services this tool has created (warm reuse keeps this flat). */
  get servicesCreated(): number {
    return this.created;
  }

  appliesTo(doc: SourceDocument, config: CriticConfig): boolean {
    return config.tools.typescript && isJsFamily(doc.language);
  }

  async run(doc: SourceDocument, parsed: ParsedFile, signal: AbortSignal, hints?: RunHints): Promise<ToolOutput> {
    throwIfAborted(signal);
    const ts = loadTypeScript();
    const path = toTsPath(doc.path);
    const isJs = jsExtensions.test(path) || (!tsExtensions.test(path) && (doc.language === 'javascript' || doc.language === 'javascriptreact'));
    const project = this.projectFor(ts, path, isJs);
    throwIfAborted(signal);
    project.open(path, doc.text);
    const pragma = isJs ? hasTsCheckPragma(ts, doc.text) : undefined;
    const checkSemantics = !isJs || (pragma ?? project.options.checkJs === true);
    let diagnostics: ts.Diagnostic[];
    try {
      if (!project.hasSourceFile(path)) {
        this.ctx.log.debug(`typescript: ${doc.path} is not part of the program of ${project.key}; skipped`);
        return { findings: [] };
      }
      if (checkSemantics && hints?.partial && hints.edited?.length) {
        const region = this.regionFirst(ts, project, doc, parsed, hints.edited, signal);
        if (region) {
          hints.partial(region);
          // Let the region answer reach the editor before the whole-file check takes the thread.
          await new Promise<void>((resolve) => setImmediate(resolve));
          throwIfAborted(signal);
          // Another document of this project may have been opened while this run waited.
          if (!project.holds(path, doc.text)) project.open(path, doc.text);
        }
      }
      diagnostics = project.diagnostics(path, checkSemantics, signal);
    } catch (err) {
      if (err instanceof ts.OperationCanceledException || signal.aborted) throw new AbortError();
      throw err;
    }
    const { findings, notice } = this.findingsOf(ts, doc, path, diagnostics);
    return { findings, parsedByLanguage: true, ...(notice ? { notices: [{ tool: dependencyNoticeTool, message: notice }] } : {}) };
  }

  /**
   * On the first check of a file, loads TypeScript and builds its program (the libraries' parse
   * and most of a cold start) on the next turn of the event loop, which the engine spends waiting
   * for tree-sitter's wasm; `run` then finds the program built. Later checks skip this.
   */
  warmUp(doc: SourceDocument): void {
    const path = toTsPath(doc.path);
    if (this.byFile.has(path) || this.warming.has(path)) return;
    this.warming.add(path);
    setImmediate(() => {
      try {
        if (this.byFile.has(path)) return;
        const ts = loadTypeScript();
        const isJs = jsExtensions.test(path) || (!tsExtensions.test(path) && (doc.language === 'javascript' || doc.language === 'javascriptreact'));
        const project = this.projectFor(ts, path, isJs);
        project.open(path, doc.text);
        project.service.getProgram();
      } catch {
        // `run` meets the same failure and reports it.
      } finally {
        this.warming.delete(path);
      }
    });
  }

  /**
   * The region answer for an edit of a large file, as tsserver gives it (its `regionSemanticDiag`
   * for files of at least 500 lines; smaller ones check whole about as fast): the edited lines, each
   * widened to the function or class member it is in, so an error the edit makes inside the unit
   * shows before the whole file is checked. Undefined when TypeScript declines.
   */
  private regionFirst(ts: Ts, project: Project, doc: SourceDocument, parsed: ParsedFile, edited: NonNullable<RunHints['edited']>, signal: AbortSignal): RegionOutput | undefined {
    const file = project.service.getProgram()?.getSourceFile(toTsPath(doc.path));
    if (!file || file.getLineStarts().length < regionLineThreshold) return undefined;
    const lines = file.getLineStarts();
    // Through the line break, so an edit that leaves a line empty still names a region.
    const lineEnd = (line: number) => (line + 1 < lines.length ? lines[line + 1]! : file.text.length);
    const ranges: ts.TextRange[] = [];
    for (const e of edited) {
      const start = Math.max(0, Math.min(e.start, lines.length - 1));
      const end = Math.max(start, Math.min(e.end, lines.length - 1));
      const unit = enclosingUnit(parsed.units, { start: { line: start, character: 0 }, end: { line: end, character: Math.max(0, lineEnd(end) - lines[end]! - 1) } });
      const from = unit.kind === 'module' ? start : Math.min(start, unit.range.start.line);
      const to = unit.kind === 'module' ? end : Math.max(end, unit.range.end.line);
      ranges.push({ pos: lines[Math.min(from, lines.length - 1)]!, end: lineEnd(Math.min(to, lines.length - 1)) });
    }
    const region = project.regionDiagnostics(toTsPath(doc.path), ranges, signal);
    if (!region) return undefined;
    const { findings } = this.findingsOf(ts, doc, toTsPath(doc.path), region.diagnostics);
    return { findings, ranges: region.spans.map((s) => rangeOf(file, s.start, s.length)) };
  }

  /** This file's diagnostics as findings (without those an uninstalled dependency causes). */
  private findingsOf(ts: Ts, doc: SourceDocument, path: string, diagnostics: readonly ts.Diagnostic[]): { findings: RawFinding[]; notice?: string } {
    const findings: RawFinding[] = [];
    const codes = new Map<RawFinding, number>();
    for (const d of diagnostics) {
      // Only this file's problems: global and other files' diagnostics belong to other runs.
      if (!d.file || toTsPath(d.file.fileName) !== path || d.start === undefined) continue;
      const related: RelatedLocation[] = [];
      for (const r of d.relatedInformation ?? []) {
        if (!r.file || r.start === undefined) continue;
        related.push({ file: resolve(r.file.fileName), range: rangeOf(r.file, r.start, r.length ?? 0), message: messageOf(ts, r.messageText) });
      }
      const finding: RawFinding = {
        rule: `ts-${d.code}`,
        level: levelOf(ts, d.category),
        message: messageOf(ts, d.messageText),
        file: doc.path,
        range: rangeOf(d.file, d.start, d.length ?? 0),
        tier: 'tool',
        confidence: 1,
        source: this.id,
        ...(related.length > 0 ? { related } : {}),
      };
      findings.push(finding);
      codes.set(finding, d.code);
    }
    const deps = jsDependencyState(doc.path);
    if (!deps?.missing.size) return { findings };
    const filtered = filterMissingDependencyErrors(ts, doc.text, path, findings, codes, deps);
    if (filtered.hidden) this.ctx.log.debug(`typescript: ${doc.path}: ${filtered.hidden} error(s) caused by uninstalled dependencies not reported`);
    return { findings: filtered.kept, notice: filtered.notice };
  }

  /** The warm project for a file, creating (or rebuilding after a config edit) as needed. */
  private projectFor(ts: Ts, path: string, isJs: boolean): Project {
    const nearest = findTsConfig(path);
    const found = nearest ? toTsPath(nearest) : '';
    const known = this.byFile.get(path);
    const cached = known?.found === found ? this.projects.peek(known.key) : undefined;
    if (cached && !cached.stale()) return this.touch(cached);
    if (found) {
      const direct = this.projects.peek(found);
      if (direct && !direct.stale() && (direct.listed.has(path) || !direct.hasReferences) && (!isJs || direct.options.allowJs)) {
        return this.remember(path, found, direct);
      }
      const chosen = this.preferReferencedConfig(ts, found, parseConfig(ts, found), path);
      // JS under a tsconfig that does not allow JS is handled like a lone file, as editors do.
      if (!isJs || chosen.parsed.options.allowJs) {
        const key = chosen.configPath;
        let project = this.projects.peek(key);
        if (!project || project.stale()) {
          const { options, fileNames, stamps, references } = chosen.parsed;
          project = this.add(new Project(ts, key, dirname(key), options, fileNames, stamps, references));
        }
        return this.remember(path, found, project);
      }
    }
    const dir = dirname(path);
    const key = `inferred:${dir}`;
    const project = this.projects.peek(key) ?? this.add(new Project(ts, key, dir, loneFileOptions(ts), [], new Map(), undefined));
    return this.remember(path, found, project);
  }

  private remember(path: string, found: string, project: Project): Project {
    this.byFile.set(path, { found, key: project.key });
    return this.touch(project);
  }

  /**
   * A solution-style tsconfig (`files: []` plus `references`) does not list the file itself; the
   * referenced project that does carries the options the file is really compiled with.
   */
  private preferReferencedConfig(ts: Ts, configPath: string, parsed: ParsedConfig, path: string): { configPath: string; parsed: ParsedConfig } {
    if (parsed.fileNames.includes(path) || !parsed.references?.length) return { configPath, parsed };
    for (const ref of parsed.references) {
      const refPath = toTsPath(ts.resolveProjectReferencePath(ref));
      if (!existsSync(refPath)) continue;
      try {
        const sub = parseConfig(ts, refPath);
        if (sub.fileNames.includes(path)) return { configPath: refPath, parsed: sub };
      } catch (err) {
        this.ctx.log.debug(`typescript: skipped referenced project ${refPath}: ${(err as Error).message}`);
      }
    }
    return { configPath, parsed };
  }

  private touch(project: Project): Project {
    this.projects.get(project.key);
    return project;
  }

  private add(project: Project): Project {
    this.created++;
    this.ctx.log.debug(`typescript: created a language service for ${project.key}`);
    this.projects.set(project.key, project);
    return project;
  }

  dispose(): void {
    this.projects.clear();
    this.byFile.clear();
  }
}

/** Factory in the shape of EvidenceToolFactory. */
export function createTypeScriptTool(ctx: EngineContext): TypeScriptTool {
  return new TypeScriptTool(ctx);
}
