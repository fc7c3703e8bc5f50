/**
 * The extension's one findings store. Every view — the diagnostics (and through them VS Code's
 * commit check), the findings view, the code lenses, the inline hints and the hover — reads the
 * findings shown for a document from here; the per-document runs write them. Each document's
 * findings carry the version they describe (and the content hash when the writer has it).
 *
 * It also remembers what earlier critiques found for a content hash (bounded, least recently used
 * first out), so a version critiqued before — an undo of a fix, a window reload over an unchanged
 * file — shows its findings again at once, before the next check re-verifies them. That history is
 * what is persisted (see findingsPersistence.ts). Pure code: no 'vscode', unit-tested in Node.
 */
import { createHash } from 'node:crypto';
import type { Finding } from '../engine/findings.js';
import type { CodeUnit } from '../engine/syntax/units.js';
import { Lru } from '../engine/lru.js';

/** sha256 of a document's text, hex. */
export function contentHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A finding as shown: the engine's Finding plus what the client knows about its freshness. */
export type ShownFinding = Finding & {
  /** From the previous critique of its unit, shown while the unit is critiqued again. */
  rechecking?: true;
  /** Restored from an earlier check of the same content (a reload, an undo); re-verified at the next check. */
  restored?: true;
};

export interface DocumentFindings {
  uri: string;
  findings: readonly ShownFinding[];
  /** The content hash and version of the text the findings describe, when known. */
  hash?: string;
  version?: number;
}

/** What a finished critique found for one content of one document. */
export interface CheckedContent {
  uri: string;
  hash: string;
  /** The text's length (UTF-16 code units): an edit to another length cannot match, so it is not hashed. */
  length?: number;
  findings: Finding[];
  units: CodeUnit[];
}

/** The persisted form of the history (JSON). */
export interface PersistedFindings {
  format: 1;
  entries: CheckedContent[];
}

export interface StoreLimits {
  /** Remembered contents (all documents together). */
  maxEntries: number;
  /** Serialized size of what is persisted. */
  maxBytes: number;
}

export const defaultStoreLimits: StoreLimits = { maxEntries: 200, maxBytes: 1_000_000 };

type Listener = (uri: string) => void;

const historyKey = (uri: string, hash: string) => `${hash}\u0000${uri}`;

export class FindingsStore {
  private readonly shown = new Map<string, DocumentFindings>();
  /** Most recently checked or recalled last; the oldest is forgotten first. */
  private readonly history: Lru<string, CheckedContent>;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly limits: StoreLimits = defaultStoreLimits) {
    this.history = new Lru(limits.maxEntries);
  }

  /** Replaces what is shown for a document (an empty list removes it). */
  set(uri: string, findings: readonly ShownFinding[], content: { hash?: string; version?: number } = {}): void {
    if (findings.length) this.shown.set(uri, { uri, findings, ...content });
    else this.shown.delete(uri);
    for (const l of this.listeners) l(uri);
  }

  get(uri: string): DocumentFindings | undefined {
    return this.shown.get(uri);
  }

  findings(uri: string): readonly ShownFinding[] {
    return this.shown.get(uri)?.findings ?? [];
  }

  /** Every document with findings shown. */
  all(): DocumentFindings[] {
    return [...this.shown.values()];
  }

  byFingerprint(uri: string, fingerprint: string): ShownFinding | undefined {
    return this.findings(uri).find((f) => f.fingerprint === fingerprint);
  }

  /** Findings whose range contains the position, narrowest first. */
  at(uri: string, position: { line: number; character: number }): ShownFinding[] {
    const before = (a: { line: number; character: number }, b: { line: number; character: number }) => a.line < b.line || (a.line === b.line && a.character <= b.character);
    return this.findings(uri)
      .filter((f) => before(f.range.start, position) && before(position, f.range.end))
      .sort((a, b) => a.range.end.line - a.range.start.line - (b.range.end.line - b.range.start.line));
  }

  /** Called with a document's URI whenever its shown findings were replaced. */
  onDidChange(listener: Listener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** A critique of this content finished: remember what it found (most recent last). */
  remember(entry: CheckedContent): void {
    const length = entry.length === undefined ? {} : { length: entry.length };
    this.history.set(historyKey(entry.uri, entry.hash), { uri: entry.uri, hash: entry.hash, ...length, findings: entry.findings.map(plain), units: entry.units });
  }

  /** What an earlier critique found for exactly this content of this document. */
  recall(uri: string, hash: string): CheckedContent | undefined {
    return this.history.get(historyKey(uri, hash));
  }

  /**
   * Whether a remembered content of this document may be this text of `length` (cheap: checked on
   * every edit, so that the text is hashed only when it could match; an entry saved without its
   * length always may).
   */
  remembers(uri: string, length?: number): boolean {
    for (const entry of this.history.values()) if (entry.uri === uri && (length === undefined || entry.length === undefined || entry.length === length)) return true;
    return false;
  }

  /** Forgets a document's history (it was deleted, or the settings changed what a check finds). */
  forget(uri?: string): void {
    for (const [key, entry] of this.history) if (uri === undefined || entry.uri === uri) this.history.delete(key);
  }

  /** Remembered documents (each once), most recent first. */
  rememberedUris(): string[] {
    return [...new Set([...this.history.values()].reverse().map((e) => e.uri))];
  }

  /** The history to persist: most recent first, as many entries as fit in `maxBytes`. */
  serialize(): PersistedFindings {
    const entries: CheckedContent[] = [];
    let bytes = 32;
    for (const entry of [...this.history.values()].reverse()) {
      const size = Buffer.byteLength(JSON.stringify(entry), 'utf8') + 1;
      if (bytes + size > this.limits.maxBytes) continue;
      bytes += size;
      entries.push(entry);
    }
    return { format: 1, entries };
  }

  /**
   * Loads a persisted history (read from the extension's storage, so it may be damaged or from
   * another version): malformed entries are skipped. Returns how many entries were loaded.
   */
  load(data: unknown): number {
    if (!isRecord(data) || data.format !== 1 || !Array.isArray(data.entries)) return 0;
    const valid = data.entries.filter(isCheckedContent).slice(0, this.limits.maxEntries);
    // Stored most recent first; the history keeps the most recent last.
    for (const entry of valid.reverse()) if (!this.history.has(historyKey(entry.uri, entry.hash))) this.history.set(historyKey(entry.uri, entry.hash), entry);
    return valid.length;
  }
}

/** Drops the client's marks: the history holds what the engine found. */
function plain(f: ShownFinding): Finding {
  const { rechecking: _r, restored: _s, ...finding } = f;
  return finding;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isPosition(v: unknown): boolean {
  return isRecord(v) && Number.isInteger(v.line) && Number.isInteger(v.character) && (v.line as number) >= 0 && (v.character as number) >= 0;
}

function isRange(v: unknown): boolean {
  return isRecord(v) && isPosition(v.start) && isPosition(v.end);
}

function isFinding(v: unknown): boolean {
  return (
    isRecord(v) &&
    typeof v.rule === 'string' &&
    (v.level === 'error' || v.level === 'warning' || v.level === 'note') &&
    typeof v.message === 'string' &&
    typeof v.file === 'string' &&
    isRange(v.range) &&
    typeof v.unit === 'string' &&
    (v.tier === 'executed' || v.tier === 'tool' || v.tier === 'model') &&
    typeof v.confidence === 'number' &&
    typeof v.source === 'string' &&
    typeof v.fingerprint === 'string' &&
    Array.isArray(v.related) &&
    v.related.every((r) => isRecord(r) && typeof r.file === 'string' && isRange(r.range) && typeof r.message === 'string')
  );
}

function isCheckedContent(v: unknown): v is CheckedContent {
  return (
    isRecord(v) &&
    typeof v.uri === 'string' &&
    typeof v.hash === 'string' &&
    /^[0-9a-f]{64}$/.test(v.hash) &&
    (v.length === undefined || (Number.isInteger(v.length) && (v.length as number) >= 0)) &&
    Array.isArray(v.findings) &&
    v.findings.every(isFinding) &&
    Array.isArray(v.units) &&
    v.units.every((u) => isRecord(u) && typeof u.name === 'string' && typeof u.kind === 'string' && isRange(u.range) && isRange(u.nameRange))
  );
}
