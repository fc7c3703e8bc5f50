/**
 * The per-document life cycle of critiques, without VS Code: one debounce per document, a new
 * edit cancels the run in flight, a unit's findings vanish the moment it is edited and come back
 * after the idle delay, and the findings of other units move with the text. A unit's model findings
 * stay, marked re-checking, while the unit is critiqued again (the model's round trip is the slow
 * part), and are replaced when its answer arrives. The controller feeds it edits and shows what it
 * publishes; the memory benchmark drives it the same way.
 */
import { isAbortError } from '../engine/abort.js';
import { rangeContains, type Finding, type RelatedLocation } from '../engine/findings.js';
import type { LanguageId } from '../engine/languages.js';
import type { CheckResult, LineRange } from '../engine/pipeline.js';
import type { Logger } from '../engine/types.js';
import { unitsTouchingLines, type CodeUnit } from '../engine/syntax/units.js';
import type { ShownFinding } from './findingsStore.js';
import { editTouches, isMultiLineInsertion, linesAfterEdit, mergeLines, resizeRange, shiftLines, shiftRange, type TextEdit } from './rangeEdits.js';

export const autoCheckModes = ['off', 'insertions', 'save', 'open'] as const;
export type AutoCheck = (typeof autoCheckModes)[number];

export type RunReason = 'file' | 'selection' | 'auto' | 'recheck' | 'save' | 'changes' | 'open';

/** What one run critiques. */
export interface RunScope {
  reason: RunReason;
  /** Lines (0-based, inclusive) to report on; absent: the whole file. */
  lines?: LineRange[];
  /** The diff hunks shown to the model when critiquing changes. */
  diffHunk?: string;
  /** Ask the critic model (default: when one is configured). */
  model?: boolean;
}

/** The document as it is now. */
export interface DocSnapshot {
  key: string;
  path: string;
  version: number;
  text: string;
  language: LanguageId;
}

export interface RunHost {
  /** The current content of a document, or undefined when it is closed. */
  snapshot(key: string): DocSnapshot | undefined;
  /** Critiques the snapshot; `onPartial` gets the tool findings before the model's. */
  check(doc: DocSnapshot, scope: RunScope, signal: AbortSignal, onPartial: (partial: CheckResult) => void): Promise<CheckResult>;
  /** The code units of the snapshot (a parse, cached by the engine). */
  units(doc: DocSnapshot, signal: AbortSignal): Promise<CodeUnit[]>;
  /** Shows these findings for the document (replacing what was shown). */
  publish(key: string, findings: readonly ShownFinding[]): void;
  /** A run finished on `doc` and nothing changed since: these findings describe exactly that text. */
  checked?(key: string, doc: DocSnapshot, findings: readonly ShownFinding[], units: readonly CodeUnit[]): void;
  /** A run ended (not called for cancelled runs). */
  finished?(key: string, scope: RunScope, outcome: { result?: CheckResult; error?: unknown; ms: number }): void;
  log: Logger;
}

export interface EditOptions {
  autoCheck: AutoCheck;
  delayMs: number;
}

interface DocState {
  findings: ShownFinding[];
  /** Units of the last run, moved with later edits. */
  units: CodeUnit[];
  /** Lines edited since the last run. */
  dirty: LineRange[];
  /** The next run must cover the whole file (a cancelled file run). */
  wholeFile: boolean;
  timer?: ReturnType<typeof setTimeout>;
  inFlight?: { controller: AbortController; scope: RunScope; done: Promise<CheckResult | undefined> };
}

function inLines(line: number, lines: readonly LineRange[]): boolean {
  return lines.some((l) => l.start <= line && line <= l.end);
}

export class DocumentRuns {
  private readonly docs = new Map<string, DocState>();
  private disposed = false;

  constructor(private readonly host: RunHost) {}

  private state(key: string): DocState {
    let s = this.docs.get(key);
    if (!s) {
      s = { findings: [], units: [], dirty: [], wholeFile: false };
      this.docs.set(key, s);
    }
    return s;
  }

  /** Findings shown for a document now. */
  findings(key: string): readonly ShownFinding[] {
    return this.docs.get(key)?.findings ?? [];
  }

  /** Units of the document's last run, in current coordinates. */
  units(key: string): readonly CodeUnit[] {
    return this.docs.get(key)?.units ?? [];
  }

  /** Whether any document has a run scheduled or in flight. */
  busy(): boolean {
    for (const s of this.docs.values()) if (s.timer || s.inFlight) return true;
    return false;
  }

  /**
   * Applies a document's content changes (in the order VS Code reports them). Clears the findings
   * of each edited unit, moves the others, cancels the run in flight, and schedules the next one.
   */
  edit(key: string, edits: readonly TextEdit[], opts: EditOptions): void {
    const s = this.docs.get(key);
    if (!s) {
      // Never critiqued: only a pasted or accepted block starts a run.
      if (opts.autoCheck === 'insertions' && edits.some(isMultiLineInsertion)) {
        const fresh = this.state(key);
        for (const e of edits) fresh.dirty.push(linesAfterEdit(e));
        this.schedule(key, opts.delayMs);
      } else if (opts.autoCheck === 'save') {
        const fresh = this.state(key);
        for (const e of edits) this.markDirty(fresh, e);
      }
      return;
    }
    // Every edit restarts the idle delay of a run already waiting for it.
    const waiting = s.timer !== undefined;
    const hadFindings = s.findings.length > 0;
    let rerun = this.cancel(s) || waiting;
    // With `insertions` the edited unit is critiqued again after the delay: its model findings
    // stay until the new answer (unless the edit changed their own text), marked re-checking.
    const keepModel = opts.autoCheck === 'insertions';
    for (const edit of edits) {
      const unit = this.editedUnit(s.units, edit);
      const editLines = linesAfterEdit(edit);
      let cleared = false;
      s.findings = s.findings.flatMap((f) => {
        const touched = editTouches(f.range, edit);
        const edited = unit ? rangeContains(unit.range, f.range) : touched || (f.range.start.line <= edit.range.end.line && edit.range.start.line <= f.range.end.line);
        if (!edited) return [f];
        cleared = true;
        return keepModel && f.tier === 'model' && !touched ? [{ ...f, rechecking: true as const }] : [];
      });
      s.findings = s.findings.flatMap((f) => {
        const range = shiftRange(f.range, edit);
        return range ? [{ ...f, range, related: this.shiftRelated(f, edit) }] : [];
      });
      s.units = s.units.flatMap((u) => {
        const range = resizeRange(u.range, edit);
        const nameRange = shiftRange(u.nameRange, edit) ?? u.nameRange;
        return range ? [{ ...u, range, nameRange }] : [];
      });
      this.markDirty(s, edit);
      if (cleared) s.dirty.push(unit ? { start: unit.range.start.line, end: unit.range.end.line } : editLines);
      if (opts.autoCheck === 'insertions' && (cleared || isMultiLineInsertion(edit))) rerun = true;
    }
    s.dirty = mergeLines(s.dirty);
    // Nothing shown before and nothing now: no need to touch the diagnostics on every keystroke.
    if (hadFindings) this.host.publish(key, s.findings);
    // A cancelled run always runs again; otherwise only `insertions` re-critiques on its own.
    if (rerun) this.schedule(key, opts.delayMs);
  }

  /**
   * Shows the findings an earlier check found for exactly the current text (an undo back to a
   * critiqued version, a reload over an unchanged file), marked restored. A scheduled run still
   * runs and re-verifies them.
   */
  restore(key: string, findings: readonly ShownFinding[], units: readonly CodeUnit[]): void {
    const s = this.state(key);
    s.findings = findings.map((f) => ({ ...f, restored: true as const }));
    s.units = [...units];
    this.host.publish(key, s.findings);
  }

  /** Adds findings found for this text elsewhere (the staged version's, mapped onto the working file). */
  adopt(key: string, findings: readonly ShownFinding[]): void {
    const s = this.state(key);
    const seen = new Set(findings.map((f) => f.fingerprint));
    s.findings = [...s.findings.filter((f) => !seen.has(f.fingerprint)), ...findings].sort(byPosition);
    this.host.publish(key, s.findings);
  }

  /** `critic.autoCheck: save`: critique what was edited since the last run. */
  saved(key: string, delayMs = 0): void {
    const s = this.docs.get(key);
    if (s && (s.dirty.length || s.wholeFile)) this.schedule(key, delayMs);
  }

  /** Runs now (a command), superseding any scheduled or running critique of the document. */
  request(key: string, scope: RunScope): Promise<CheckResult | undefined> {
    const s = this.state(key);
    this.cancel(s);
    s.wholeFile = false;
    // A file run covers every edited line; a narrower one leaves the rest for the next scheduled run.
    if (!scope.lines) s.dirty = [];
    return this.run(key, s, scope);
  }

  /** The document was closed: forget it. */
  close(key: string): void {
    const s = this.docs.get(key);
    if (!s) return;
    this.cancel(s);
    this.docs.delete(key);
    this.host.publish(key, []);
  }

  /**
   * The document was closed unchanged: stop its runs but keep its findings (they still describe
   * the file on disk, and the commit check reads them).
   */
  release(key: string): void {
    const s = this.docs.get(key);
    if (!s) return;
    if (s.timer) clearTimeout(s.timer);
    s.timer = undefined;
    s.inFlight?.controller.abort();
    s.inFlight = undefined;
    s.dirty = [];
    s.wholeFile = false;
  }

  /** Removes findings (e.g. after a suppression comment was inserted) until the next run. */
  forget(key: string, keep: (f: Finding) => boolean): void {
    const s = this.docs.get(key);
    if (!s) return;
    const before = s.findings.length;
    s.findings = s.findings.filter(keep);
    if (s.findings.length !== before) this.host.publish(key, s.findings);
  }

  /** Removes matching findings from every document. */
  forgetEverywhere(keep: (f: Finding) => boolean): void {
    for (const key of this.docs.keys()) this.forget(key, keep);
  }

  /** Clears every document's findings (settings changed, trust granted). */
  clearAll(): void {
    for (const key of [...this.docs.keys()]) this.close(key);
  }

  dispose(): void {
    this.disposed = true;
    for (const s of this.docs.values()) this.cancel(s);
    this.docs.clear();
  }

  private markDirty(s: DocState, edit: TextEdit): void {
    s.dirty = s.dirty.map((l) => shiftLines(l, edit));
    s.dirty.push(linesAfterEdit(edit));
  }

  /** The smallest function or class of the last run that contains the edit. */
  private editedUnit(units: readonly CodeUnit[], edit: TextEdit): CodeUnit | undefined {
    let best: CodeUnit | undefined;
    for (const u of units) {
      if (u.kind === 'module' || !rangeContains(u.range, edit.range)) continue;
      if (!best || rangeContains(best.range, u.range)) best = u;
    }
    return best;
  }

  private shiftRelated(f: Finding, edit: TextEdit): RelatedLocation[] {
    if (!f.related.length) return f.related;
    return f.related.map((r) => (r.file === f.file ? { ...r, range: shiftRange(r.range, edit) ?? r.range } : r));
  }

  /** Aborts the run in flight and the timer; true when a run was aborted (its scope must run again). */
  private cancel(s: DocState): boolean {
    if (s.timer) clearTimeout(s.timer);
    s.timer = undefined;
    const running = s.inFlight;
    if (!running) return false;
    running.controller.abort();
    s.inFlight = undefined;
    if (!running.scope.lines) s.wholeFile = true;
    else s.dirty.push(...running.scope.lines);
    return true;
  }

  private schedule(key: string, delayMs: number): void {
    const s = this.state(key);
    if (s.timer) clearTimeout(s.timer);
    s.timer = setTimeout(() => {
      s.timer = undefined;
      this.runPending(key, s).catch((err: unknown) => this.host.log.error(`the scheduled critique of ${key} failed`, err));
    }, delayMs);
  }

  /** The scheduled run: the whole file after a cancelled file run, else the units around the edited lines. */
  private async runPending(key: string, s: DocState): Promise<void> {
    if (this.disposed || this.docs.get(key) !== s) return;
    const doc = this.host.snapshot(key);
    if (!doc) return;
    if (s.wholeFile) {
      s.wholeFile = false;
      s.dirty = [];
      await this.run(key, s, { reason: 'recheck' });
      return;
    }
    if (!s.dirty.length) return;
    const dirty = mergeLines(s.dirty);
    s.dirty = [];
    let units: CodeUnit[];
    const probe = new AbortController();
    try {
      units = await this.host.units(doc, probe.signal);
    } catch (err) {
      this.host.log.error(`parsing ${doc.path} failed`, err);
      return;
    }
    const lines: LineRange[] = [];
    for (const d of dirty) {
      const touching = unitsTouchingLines(units, [d]);
      // The outermost function or class around the edit: a method edit re-critiques the method, not the class.
      const outer = touching.filter((u) => u.kind !== 'class' || !touching.some((o) => o !== u && o.kind !== 'class' && rangeContains(u.range, o.range)));
      if (outer.length) for (const u of outer) lines.push({ start: u.range.start.line, end: u.range.end.line });
      else lines.push(d);
    }
    // The text the line ranges were computed from is the text that is critiqued.
    await this.run(key, s, { reason: 'auto', lines: mergeLines(lines) }, doc);
  }

  private run(key: string, s: DocState, scope: RunScope, snapshot?: DocSnapshot): Promise<CheckResult | undefined> {
    const doc = snapshot ?? this.host.snapshot(key);
    if (!doc) return Promise.resolve(undefined);
    const controller = new AbortController();
    const started = performance.now();
    const replace = (findings: readonly Finding[], final: boolean) => {
      if (controller.signal.aborted || this.docs.get(key) !== s) return;
      s.findings = this.merged(s.findings, findings, scope, final);
      this.host.publish(key, s.findings);
    };
    const done = (async () => {
      try {
        const result = await this.host.check(doc, scope, controller.signal, (partial) => replace(partial.findings, false));
        if (controller.signal.aborted) return undefined;
        replace(result.findings, true);
        s.units = result.units;
        if (this.docs.get(key) === s) this.host.checked?.(key, doc, s.findings, s.units);
        this.host.finished?.(key, scope, { result, ms: performance.now() - started });
        return result;
      } catch (err) {
        if (controller.signal.aborted || isAbortError(err)) return undefined;
        // No answer is coming for the findings kept while re-checking.
        if (this.docs.get(key) === s && s.findings.some((f) => f.rechecking)) {
          s.findings = s.findings.filter((f) => !f.rechecking);
          this.host.publish(key, s.findings);
        }
        this.host.finished?.(key, scope, { error: err, ms: performance.now() - started });
        throw err;
      } finally {
        if (s.inFlight?.controller === controller) s.inFlight = undefined;
      }
    })();
    s.inFlight = { controller, scope, done };
    // A scheduled run has no caller to report to: the host heard about the error in `finished`.
    done.catch(() => {});
    return done;
  }

  /**
   * New findings replace the old ones in the run's scope (and old copies of the same findings).
   * Before the final answer (`final` false: the tools' findings) the old model findings in scope
   * stay, marked re-checking: the model has not answered yet.
   */
  private merged(old: readonly ShownFinding[], fresh: readonly Finding[], scope: RunScope, final: boolean): ShownFinding[] {
    const lines = scope.lines;
    const seen = new Set(fresh.map((f) => f.fingerprint));
    const kept: ShownFinding[] = [];
    for (const f of old) {
      if (seen.has(f.fingerprint)) continue;
      const inScope = !lines || inLines(f.range.start.line, lines);
      if (!inScope) kept.push(f);
      else if (!final && f.tier === 'model' && scope.model !== false) kept.push(f.rechecking ? f : { ...f, rechecking: true });
    }
    return [...kept, ...fresh].sort(byPosition);
  }
}

function byPosition(a: Finding, b: Finding): number {
  return a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character;
}
