/**
 * The warm half of the TypeScript tool: one language service with its host, serving the editor's
 * text for the document under critique and the disk for everything else.
 */
import { statSync } from 'node:fs';
import type ts from 'typescript';
import { throwIfAborted } from '../abort.js';

export type Ts = typeof ts;

/** A file's modification stamp (mtime and size), or undefined when it does not exist. */
export function stampOf(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return undefined;
  }
}

/**
 * A snapshot that tells the service what changed since the previous one, so an edit re-parses
 * incrementally (TypeScript's own string snapshots report no change range: a full re-parse).
 */
class TextSnapshot implements ts.IScriptSnapshot {
  constructor(readonly text: string) {}
  getText(start: number, end: number): string {
    return this.text.substring(start, end);
  }
  getLength(): number {
    return this.text.length;
  }
  getChangeRange(old: ts.IScriptSnapshot): ts.TextChangeRange | undefined {
    if (!(old instanceof TextSnapshot)) return undefined;
    const a = old.text;
    const b = this.text;
    const min = Math.min(a.length, b.length);
    let start = 0;
    while (start < min && a.charCodeAt(start) === b.charCodeAt(start)) start++;
    let endA = a.length;
    let endB = b.length;
    while (endA > start && endB > start && a.charCodeAt(endA - 1) === b.charCodeAt(endB - 1)) {
      endA--;
      endB--;
    }
    return { span: { start, length: endA - start }, newLength: endB - start };
  }
}

/**
 * The region check tsserver uses (`regionSemanticCheck`) is on the language service object but
 * marked internal, so not in the public type; optional in case a TypeScript build lacks it.
 */
type RegionService = ts.LanguageService & {
  getRegionSemanticDiagnostics?(fileName: string, ranges: ts.TextRange[]): { diagnostics: ts.Diagnostic[]; spans: ts.TextSpan[] } | undefined;
};

const documentRegistries = new WeakMap<Ts, ts.DocumentRegistry>();

/** One warm language service (per tsconfig, or per folder of lone files) and the files it sees. */
export class Project {
  readonly service: ts.LanguageService;
  /** The files the config itself lists (extra roots come on top). */
  readonly listed: ReadonlySet<string>;
  readonly hasReferences: boolean;
  private readonly roots: Set<string>;
  private overlay: { path: string; text: string; version: number; snapshot: ts.IScriptSnapshot } | undefined;
  private overlayVersions = 0;
  private projectVersion = 0;
  private readonly snapshots = new Map<string, { stamp: string; snapshot: ts.IScriptSnapshot }>();
  /** Stamps of disk files, memoised for one run so the service's sync costs one stat per file. */
  private runStamps = new Map<string, string | undefined>();
  private signal: AbortSignal | undefined;

  /** `roots`: the files the config lists; `stamps`: config files to watch for edits. */
  constructor(
    private readonly ts: Ts,
    readonly key: string,
    readonly directory: string,
    readonly options: ts.CompilerOptions,
    roots: string[],
    readonly stamps: Map<string, string | undefined>,
    references: readonly ts.ProjectReference[] | undefined,
  ) {
    this.roots = new Set(roots);
    this.listed = new Set(roots);
    this.hasReferences = (references?.length ?? 0) > 0;
    let registry = documentRegistries.get(ts);
    // JSDoc in TypeScript files is parsed only where it can matter to type errors (`@see`/`@link`),
    // as `tsc` itself does (its hosts all use ParseForTypeErrors): the diagnostics are the same, and
    // lib.dom.d.ts's comments were about a third of parsing the libraries on a cold start. This
    // service is only ever asked for diagnostics, never quick info.
    const jsDocParsingMode = ts.JSDocParsingMode.ParseForTypeErrors;
    if (!registry) documentRegistries.set(ts, (registry = ts.createDocumentRegistry(ts.sys.useCaseSensitiveFileNames, ts.sys.getCurrentDirectory(), jsDocParsingMode)));
    const sys = ts.sys;
    const token: ts.CancellationToken = {
      isCancellationRequested: () => this.signal?.aborted === true,
      throwIfCancellationRequested: () => {
        if (this.signal?.aborted) throw new ts.OperationCanceledException();
      },
    };
    // `useSourceOfProjectReferenceRedirect` is not in the public host type, but the service reads it
    // (tsserver sets it) so imports between referenced projects resolve to sources, not to
    // declaration outputs that may not be built.
    const host: ts.LanguageServiceHost & { useSourceOfProjectReferenceRedirect(): boolean } = {
      getCompilationSettings: () => this.options,
      getProjectVersion: () => String(this.projectVersion),
      getScriptFileNames: () => [...this.roots],
      getScriptVersion: (file) => (this.isOverlay(file) ? `o${this.overlay!.version}` : (this.stamp(file) ?? 'missing')),
      getScriptSnapshot: (file) => this.snapshot(file),
      getCurrentDirectory: () => this.directory,
      getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
      getProjectReferences: () => references,
      useSourceOfProjectReferenceRedirect: () => true,
      getCancellationToken: () => token,
      jsDocParsingMode,
      useCaseSensitiveFileNames: () => sys.useCaseSensitiveFileNames,
      fileExists: (file) => this.isOverlay(file) || sys.fileExists(file),
      readFile: (file, encoding) => (this.isOverlay(file) ? this.overlay!.text : sys.readFile(file, encoding)),
      readDirectory: (...args) => sys.readDirectory(...args),
      directoryExists: (dir) => sys.directoryExists(dir),
      getDirectories: (dir) => sys.getDirectories(dir),
      realpath: sys.realpath ? (p) => sys.realpath!(p) : undefined,
    };
    this.service = ts.createLanguageService(host, registry);
  }

  private same(a: string, b: string): boolean {
    return this.ts.sys.useCaseSensitiveFileNames ? a === b : a.toLowerCase() === b.toLowerCase();
  }

  private isOverlay(file: string): boolean {
    return this.overlay !== undefined && this.same(this.overlay.path, file);
  }

  private stamp(file: string): string | undefined {
    if (!this.runStamps.has(file)) this.runStamps.set(file, stampOf(file));
    return this.runStamps.get(file);
  }

  private snapshot(file: string): ts.IScriptSnapshot | undefined {
    if (this.isOverlay(file)) return this.overlay!.snapshot;
    const stamp = this.stamp(file);
    if (stamp === undefined) return undefined;
    const cached = this.snapshots.get(file);
    if (cached?.stamp === stamp) return cached.snapshot;
    const text = this.ts.sys.readFile(file);
    if (text === undefined) return undefined;
    const snapshot = new TextSnapshot(text);
    this.snapshots.set(file, { stamp, snapshot });
    return snapshot;
  }

  /** Makes `text` the content of `path` (the editor buffer wins over the disk) for this run. */
  open(path: string, text: string): void {
    if (!this.roots.has(path)) this.roots.add(path);
    if (!this.overlay || !this.same(this.overlay.path, path) || this.overlay.text !== text) {
      this.overlay = { path, text, version: ++this.overlayVersions, snapshot: new TextSnapshot(text) };
    }
    // Other files may have changed on disk since the last run: let the service re-check stamps.
    this.runStamps = new Map();
    this.projectVersion++;
  }

  /** Syntactic diagnostics always; semantic ones unless the file is JavaScript nobody asked to check. */
  diagnostics(path: string, checkSemantics: boolean, signal: AbortSignal): ts.Diagnostic[] {
    this.signal = signal;
    try {
      const syntactic = this.service.getSyntacticDiagnostics(path);
      throwIfAborted(signal);
      if (!checkSemantics) return syntactic;
      return [...syntactic, ...this.service.getSemanticDiagnostics(path)];
    } finally {
      this.signal = undefined;
    }
  }

  /**
   * Syntactic diagnostics of the whole file and semantic ones of the statements and members that
   * overlap `ranges` only (what tsserver sends first for large files, `regionSemanticDiag`), with
   * the spans that were checked. Undefined when TypeScript declines (nothing changed since the last
   * whole-file check, a file it does not type-check, a region that is the whole file).
   */
  regionDiagnostics(path: string, ranges: readonly ts.TextRange[], signal: AbortSignal): { diagnostics: ts.Diagnostic[]; spans: ts.TextSpan[] } | undefined {
    this.signal = signal;
    try {
      const region = (this.service as RegionService).getRegionSemanticDiagnostics?.(path, [...ranges]);
      if (!region) return undefined;
      throwIfAborted(signal);
      return { diagnostics: [...this.service.getSyntacticDiagnostics(path), ...region.diagnostics], spans: region.spans };
    } finally {
      this.signal = undefined;
    }
  }

  /** Whether `path` is open with exactly `text` (another document's run may have opened its own since). */
  holds(path: string, text: string): boolean {
    return this.overlay !== undefined && this.same(this.overlay.path, path) && this.overlay.text === text;
  }

  /** Whether the program holds `path` (a file type the options exclude is never part of it). */
  hasSourceFile(path: string): boolean {
    return this.service.getProgram()?.getSourceFile(path) !== undefined;
  }

  /** Whether the config or a file it extends changed since the service was built. */
  stale(): boolean {
    for (const [file, stamp] of this.stamps) if (stampOf(file) !== stamp) return true;
    return false;
  }

  /** Releases the service's source files from the shared document registry. */
  dispose(): void {
    this.service.dispose();
    this.snapshots.clear();
  }
}

