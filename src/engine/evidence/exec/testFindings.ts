/**
 * Reads a test run's marked events and turns each failing, erroring or hanging test into a
 * finding on the function it exercises: the innermost traceback frame in the file under critique
 * first, else the function the test calls (tree-sitter call sites in the test's body, the failing
 * assertion's line first), else the module.
 */
import { basename, dirname } from 'node:path';
import type { ExecutionConfig } from '../../config.js';
import type { Range, RawFinding, RelatedLocation } from '../../findings.js';
import type { LimitHit, SandboxRunResult } from '../../sandbox/types.js';
import { enclosingUnit, moduleUnitName, type CodeUnit } from '../../syntax/units.js';
import type { EvidenceRecord, SourceDocument } from '../tool.js';
import { moduleRange } from './execTool.js';
import { execRules, executedError, limitDescription, lineRange, seconds } from './executedFindings.js';
import { oneLine } from '../../text.js';
import { frames, int, normaliseFramePath, runnerEvents, str, v8Frames, type Frame } from './protocol.js';
import { callsWithin, type CallSite, type TestFileFacts } from './testFacts.js';
import { CoverageTable } from './coverageCollector.js';
import { placeFault, spectrumSuspect } from './faultPlacement.js';
import { calls, elsewhereLocation, moreSuspectElsewhere, suspectUnit, type RunCoverage } from './suspectUnits.js';
import { rankLines, type Spectrum } from '../faultLocalisation.js';

export interface TestResult {
  id: string;
  name: string;
  /** The test file (original path, not a bundle). */
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  outcome: 'passed' | 'failed' | 'error' | 'skipped' | 'timeout';
  exc?: string;
  msg?: string;
  /** Innermost last. */
  frames: Frame[];
  expected?: string;
  actual?: string;
  /** 1-based lines of the file under critique the test ran, when coverage was recorded. */
  lines?: number[];
  /** The lines of every project file the test ran, by path (vitest's per-test coverage records them). */
  fileLines?: Map<string, number[]>;
  /** The test file the runner collected the test from (a shared session's results are split by it). */
  src: string;
  /** When the test started, in ms since the runner started (Python runners report it). */
  startedMs?: number;
  /** The test executed a line of the file under critique (told as it happens, with line coverage on). */
  touched?: boolean;
  /** A subtest's result (unittest `subTest`): the id of the test it belongs to. */
  sub?: string;
  /**
   * Where a test still running after the budget was, sampled by the runner's watchdog (Python):
   * each sample outermost frame first, oldest sample first. `id` tells one call's frame apart
   * from another call of the same function.
   */
  samples?: Array<Array<Frame & { id?: number }>>;
}

export interface TestRun {
  results: TestResult[];
  /** Test files that could not be loaded. */
  collectErrors: Array<{ file: string; msg?: string; frames: Frame[]; crashed?: boolean }>;
  /** The module under critique raised when preloaded. */
  importError?: { exc?: string; msg?: string; frames: Frame[] };
  /** Names the file under critique was imported under, when the runner tracks it (Python). */
  loadedAs?: string[];
  /** The runner tracks whether the file under critique is imported at all. */
  /** The runner reports results only when it ends (vitest's and jest's JSON report): a run cut off by the timeout says nothing about which test was running. */
  reportsAtEnd?: boolean;
  tracksLoading?: boolean;
  /** Tests left unrun because the run's time budget was spent. */
  unrun?: number;
  /** The run was cut short; `current` is the test that was running. */
  stopped?: { kind: 'timeout' | 'limit' | 'crashed'; current?: TestResult; limit?: LimitHit; exit: string };
}

/** In a session shared by several files under critique: which one's view of the run to read. */
export interface RunView {
  /** The file under critique: only its `loaded` events count. */
  target: string;
  /** Its index among the session's files, which picks its line coverage. */
  index: number;
}

/**
 * Parses a run's output; `originalOf` maps a file the runner saw (a bundle) to the user's test
 * file; `view` reads a shared session as one file under critique sees it.
 */
export function parseTestRun(res: SandboxRunResult, marker: string, originalOf: (file: string) => string, view?: RunView): TestRun {
  const run: TestRun = { results: [], collectErrors: [] };
  let current: TestResult | undefined;
  let ended = false;
  const coverage = new CoverageTable();
  for (let ev of runnerEvents(res, marker)) {
    if (coverage.add(ev)) continue;
    if (view && ev.cov && typeof ev.cov === 'object') ev = { ...ev, cov: (ev.cov as Record<string, unknown>)[String(view.index)] };
    const t = str(ev.t);
    const stack = str(ev.stack);
    const base = (): TestResult => ({
      id: str(ev.id) ?? '',
      name: str(ev.name) ?? str(ev.id) ?? 'test',
      file: originalOf(normaliseFramePath(str(ev.file) ?? '')),
      line: int(ev.line) ?? 0,
      outcome: 'failed',
      frames: stack ? v8Frames(stack).reverse() : frames(ev.frames),
      src: originalOf(normaliseFramePath(str(ev.src) ?? str(ev.file) ?? '')),
    });
    if (t === 'start') current = { ...base(), startedMs: int(ev.ms) };
    else if (t === 'result') {
      const r = base();
      const outcome = str(ev.outcome);
      r.outcome = outcome === 'passed' || outcome === 'skipped' || outcome === 'error' || outcome === 'timeout' ? outcome : 'failed';
      r.exc = str(ev.exc);
      r.msg = str(ev.msg);
      r.expected = str(ev.expected);
      r.actual = str(ev.actual);
      r.lines = coverage.linesOf(ev);
      r.fileLines = coverage.filesOf(ev);
      r.frames = r.frames.map((f) => ({ ...f, file: originalOf(f.file) }));
      const sub = str(ev.sub);
      if (sub) r.sub = sub;
      run.results.push(r);
      if (current?.id === r.id) current = undefined;
    } else if (t === 'collect') {
      const found = stack ? v8Frames(stack).reverse() : frames(ev.frames);
      run.collectErrors.push({ file: originalOf(normaliseFramePath(str(ev.file) ?? '')), msg: str(ev.msg), frames: found.map((f) => ({ ...f, file: originalOf(f.file) })), ...(ev.crashed === true ? { crashed: true } : {}) });
    }
    else if (t === 'import') run.importError = { exc: str(ev.exc), msg: str(ev.msg), frames: frames(ev.frames) };
    else if (t === 'loaded') {
      if (!view || (str(ev.file) ?? view.target) === view.target) (run.loadedAs ??= []).push(str(ev.name) ?? '');
    }
    else if (t === 'budget') run.unrun = int(ev.unrun);
    else if (t === 'stack' && current && str(ev.id) === current.id && Array.isArray(ev.frames)) {
      const sample = (ev.frames as unknown[]).flatMap((raw) => {
        const id = typeof raw === 'object' && raw !== null ? int((raw as Record<string, unknown>).id) : undefined;
        return frames([raw]).map((f) => ({ ...f, file: originalOf(f.file), ...(id !== undefined ? { id } : {}) }));
      });
      // The last few are all that is read (hangPlacement).
      if (sample.length) current.samples = [...(current.samples ?? []).slice(-7), sample];
    }
    else if (t === 'touch' && current && (!view || (int(ev.f) ?? 0) === view.index)) current.touched = true;
    else if (t === 'end') ended = true;
  }
  // pytest 9 fails a test whose subtests failed with its own "contains 2 failed subtests": the
  // subtests are reported one by one, so that result would count their failures twice.
  const withSubs = new Set(run.results.flatMap((r) => (r.sub && r.outcome !== 'passed' ? [r.sub] : [])));
  if (withSubs.size) run.results = run.results.filter((r) => r.sub || !withSubs.has(r.id) || !/^contains \d+ failed subtests?$/.test((r.msg ?? '').trim()));
  if (!ended && !run.importError) {
    const kind = res.limitHit === 'timeout' ? 'timeout' : res.limitHit ? 'limit' : 'crashed';
    const exit = res.signal ? `was killed by ${res.signal}` : `exited with code ${res.exitCode ?? 'unknown'}`;
    run.stopped = { kind, current, limit: res.limitHit, exit: `${exit}${res.stderr.trim() ? `: ${oneLine(res.stderr.trim().split('\n').slice(-3).join(' '), 300)}` : ''}` };
  }
  return run;
}

export interface TestFile {
  path: string;
  text: string;
  facts: TestFileFacts;
}

interface Placement {
  unit: CodeUnit;
  range: Range;
  related: RelatedLocation[];
  testRange?: Range;
  /** Where in the unit the fault is, appended to the message (faultPlacement.ts). */
  note?: string;
  /** Nothing ties the result to this file: no traceback frame in it, no call of a function it defines. */
  unplaced?: boolean;
  /** The Ochiai score of the unit's most suspicious line the test ran, when placed by coverage (0: none ran). */
  suspicion?: number;
}

function lastSegment(name: string): string {
  return name.slice(name.lastIndexOf('.') + 1);
}

/**
 * The unit of the file under critique that a test exercises, from the calls in its body: calls on
 * the failed assertion's line first, then calls on lines that assert, then the rest; functions and
 * methods before classes (constructing an object is usually set-up, not the point of the test).
 */
function calledUnit(calls: readonly CallSite[], testText: string, units: readonly CodeUnit[], assertionLine: number | undefined): CodeUnit | undefined {
  const lines = testText.split('\n');
  const asserts = (line: number) => /\bassert|\bexpect\s*\(|\.toBe|\.should\b/.test(lines[line] ?? '');
  const rank = (c: CallSite) => (assertionLine !== undefined && c.line === assertionLine - 1 ? 0 : asserts(c.line) ? 1 : 2);
  let best: { unit: CodeUnit; score: number } | undefined;
  calls.forEach((c, order) => {
    const unit = units.find((u) => u.kind !== 'module' && lastSegment(u.name) === c.name);
    if (!unit) return;
    const score = rank(c) * 2 + (unit.kind === 'class' ? 1 : 0) + order / (calls.length + 1);
    if (!best || score < best.score) best = { unit, score };
  });
  return best?.unit;
}

/** Where in the test file a test is written: Python by its function, JS by its `test('name')` call. */
function testRangeOf(r: TestResult, tf: TestFile | undefined): Range | undefined {
  if (!tf) return undefined;
  if (tf.path.endsWith('.py')) {
    // `TestCart::test_total[2]` (pytest) and `TestCart.test_total (i=2)` (unittest) name a unit.
    const dotted = r.name.split(' ')[0]!.replace(/\[.*$/, '').replace(/::/g, '.');
    const named = tf.facts.units.find((u) => u.name === dotted);
    if (named) return named.range;
    if (r.line <= 0) return undefined;
    const line = r.line - 1;
    const unit = enclosingUnit(tf.facts.units, { start: { line, character: 0 }, end: { line, character: 0 } });
    return unit.name === moduleUnitName ? lineRange(tf.text, line) : unit.range;
  }
  const leaf = r.name.split(' > ').pop()!;
  const named = tf.facts.tests.find((t) => t.name === leaf);
  if (named) return named.range;
  // A computed title (tests generated in a loop): the innermost test call around the line the
  // runner reported, or around the failed assertion.
  const assertion = r.frames.filter((f) => f.file === tf.path).pop();
  const line = r.line > 0 ? r.line - 1 : assertion ? assertion.line - 1 : -1;
  let best: Range | undefined;
  for (const t of tf.facts.tests) {
    if (t.range.start.line > line || t.range.end.line < line) continue;
    if (!best || t.range.start.line > best.start.line || (t.range.start.line === best.start.line && t.range.end.line < best.end.line)) best = t.range;
  }
  return best;
}

/**
 * The unit a test result is about, with the related locations in the test file; with `spectra`
 * (the coverage of the run's tests), the range is the unit's most suspicious line.
 */
export function placeTestResult(r: TestResult, doc: SourceDocument, units: readonly CodeUnit[], testFiles: ReadonlyMap<string, TestFile>, spectra: readonly Spectrum[] = []): Placement {
  const lines = doc.text.split('\n');
  const lineCount = lines.length;
  const moduleUnit = units.find((u) => u.name === moduleUnitName)!;
  const tf = testFiles.get(r.file);
  const testRange = testRangeOf(r, tf);
  const assertion = tf ? r.frames.filter((f) => f.file === tf.path).pop() : undefined;
  const related: RelatedLocation[] = [];
  if (tf && testRange) related.push({ file: tf.path, range: { start: testRange.start, end: { line: testRange.start.line, character: (tf.text.split('\n')[testRange.start.line] ?? '').length } }, message: `the test ${r.name}` });
  if (tf && assertion && assertion.line - 1 !== testRange?.start.line) related.push({ file: tf.path, range: lineRange(tf.text, assertion.line - 1), message: 'the failed assertion' });
  if (tf && tf.path === doc.path && testRange) {
    // Critiquing the test file itself: the failure belongs on the failing test, not on line 1.
    const range = lineRange(doc.text, testRange.start.line);
    return { unit: enclosingUnit(units, range), range, related: related.filter((x) => x.range.start.line !== testRange.start.line), testRange };
  }
  const inDoc = r.frames.filter((f) => f.file === doc.path && f.line <= lineCount).pop();
  if (inDoc) {
    const line = inDoc.line - 1;
    const unit = enclosingUnit(units, { start: { line, character: 0 }, end: { line, character: 0 } });
    if (unit.name !== moduleUnitName) {
      const symptom = r.lines ? raisedSymptom(doc.path, doc.text, lines, units, unit, inDoc.line, r.lines, spectra) : undefined;
      if (symptom) return { ...symptom, related: [...related, ...symptom.related], testRange };
      const fault = placeFault(unit, doc.path, doc.text, inDoc.line, r.lines ? spectra : []);
      return { unit, range: fault.range, related: [...related, ...fault.related], testRange, note: fault.note };
    }
  }
  const calls = tf && testRange ? callsWithin(tf.facts, testRange) : [];
  const called = tf && testRange ? calledUnit(calls, tf.text, units, assertion?.line) : undefined;
  // With per-test coverage, the function whose lines the failing tests ran and the passing ones
  // did not (a helper the called function uses, or a function of this file another module calls).
  let suspect = r.outcome !== 'passed' && r.outcome !== 'skipped' ? suspectUnit(r.lines, spectra, units, lineCount, called, lines) : undefined;
  // A test that calls nothing of this file counts against it only when the coverage is clear:
  // the most suspicious lines are all in one function, every failing run executed them, and no
  // more passing runs than failing ones did (Ochiai at least 1/√2). jmespath's compliance tests
  // call `search`; only the merge tests reach `_func_merge`, 3 failing and 2 passing (0.77). A
  // correct helper that every test passes through is run by the passing tests too and scores lower.
  if (suspect && !called) {
    const clear = spectrumSuspect(units, spectra);
    if (!clear || clear.unit !== suspect.unit || !clear.everyFailing || clear.score < Math.SQRT1_2 - 1e-9) suspect = undefined;
  }
  const unit = suspect?.unit ?? called;
  // How suspicious this file's best line is, to compare with the other files the test ran (0: it ran none of it).
  const suspicion = suspect?.score ?? (r.lines && r.fileLines && unit && !r.lines.some((l) => l - 1 >= unit.range.start.line && l - 1 <= unit.range.end.line) ? 0 : undefined);
  if (unit) {
    // Without a traceback into this file the culprit is a guess (the call on the failing line
    // may only read state another method got wrong), so name the other functions it exercised.
    const others = [...new Set(calls.map((c) => c.name))]
      .map((name) => units.find((u) => u.kind !== 'module' && u.kind !== 'class' && lastSegment(u.name) === name))
      .filter((u): u is CodeUnit => u !== undefined && u !== unit)
      .slice(0, 3);
    const fault = placeFault(unit, doc.path, doc.text, undefined, r.lines ? spectra : []);
    related.push(...fault.related);
    for (const o of others) related.push({ file: doc.path, range: o.nameRange, message: `also exercised by the test: ${o.name}` });
    // Said inside the note's parentheses: `(in \`f\`; …; reached through \`g\`, which the test calls)`.
    const through = `reached through \`${called?.name}\`, which the test calls`;
    const note = !suspect || !called || suspect.unit === called ? fault.note : fault.note ? `${fault.note.slice(0, -1)}; ${through})` : ` (in \`${unit.name}\`, ${through})`;
    return { unit, range: fault.range, related, testRange, note, suspicion };
  }
  return { unit: moduleUnit, range: moduleRange(doc.text, units), related, testRange, unplaced: true };
}

/** How many of the last watchdog samples a frame must be in to count as the call that never returned. */
const loopSamples = 4;

/**
 * Where a test the timeout killed was looping, from the runner's samples of its stack: the
 * innermost frame in the file under critique that is the same call in each of the last samples
 * (the function that loops, not a helper it calls afresh on each turn), at the line of the last
 * sample; else the innermost frame in the file in the last sample. The test, the test's line that
 * led there and the calls in this file around it are the related locations.
 */
export function hangPlacement(r: TestResult, doc: SourceDocument, units: readonly CodeUnit[], testFiles: ReadonlyMap<string, TestFile>): (Placement & { note: string }) | undefined {
  const samples = r.samples ?? [];
  const last = samples[samples.length - 1];
  if (!last) return undefined;
  const lineCount = doc.text.split('\n').length;
  const inDoc = (f: Frame) => f.file === doc.path && f.line > 0 && f.line <= lineCount;
  const recent = samples.slice(-loopSamples);
  const steady = (f: Frame & { id?: number }) => recent.length > 1 && f.id !== undefined && recent.every((s) => s.some((g) => g.id === f.id && g.file === f.file));
  let at = -1;
  for (let i = last.length - 1; i >= 0 && at < 0; i--) if (inDoc(last[i]!) && steady(last[i]!)) at = i;
  for (let i = last.length - 1; i >= 0 && at < 0; i--) if (inDoc(last[i]!)) at = i;
  if (at < 0) return undefined;
  const frame = last[at]!;
  const unitAt = (line: number) => enclosingUnit(units, { start: { line: line - 1, character: 0 }, end: { line: line - 1, character: 0 } });
  const unit = unitAt(frame.line);
  const name = unit.name === moduleUnitName ? 'the module' : `\`${unit.name}\``;
  const base = placeTestResult({ ...r, frames: [] }, doc, units, testFiles);
  const related = base.related.filter((x) => x.message.startsWith('the test '));
  const tf = testFiles.get(r.file);
  const testFrame = tf && tf.path !== doc.path ? last.filter((f) => f.file === tf.path).pop() : undefined;
  if (tf && testFrame && testFrame.line - 1 !== base.testRange?.start.line) related.push({ file: tf.path, range: lineRange(tf.text, testFrame.line - 1), message: 'the test was running this line' });
  const outer = last.slice(0, at).filter(inDoc).reverse().slice(0, 3);
  for (const f of outer) {
    const u = unitAt(f.line);
    related.push({ file: doc.path, range: lineRange(doc.text, f.line - 1), message: `called from line ${f.line}${u.name === moduleUnitName ? '' : ` in \`${u.name}\``}` });
  }
  return { unit, range: lineRange(doc.text, frame.line - 1), related, testRange: base.testRange, note: `: it was still running line ${frame.line} of ${name} when the run was stopped` };
}

/**
 * A deliberate `raise` / `throw` is usually the symptom, not the fault: the validation that raised
 * is right, the helper that returned the wrong value is not. When the failing test stopped at such
 * a line of `unit` and ran a line of another function that ranks above it, or as high and in a
 * function the raising one calls (deeper on the test's path), the placement moves there and the
 * raise is kept as a related location.
 */
export function raisedSymptom(path: string, text: string, lines: readonly string[], units: readonly CodeUnit[], unit: CodeUnit, raisedAt: number, ran: readonly number[], spectra: readonly Spectrum[], run = 'the test'): Omit<Placement, 'testRange'> | undefined {
  if (!/^\s*(raise|throw)\b/.test(lines[raisedAt - 1] ?? '')) return undefined;
  if (!spectra.some((s) => !s.passed)) return undefined;
  const ranked = rankLines(spectra, 1, lines.length);
  const raise = ranked.find((x) => x.line === raisedAt)?.score ?? 0;
  const mine = new Set(ran);
  const callees = unitsCalledBy(unit, units, lines);
  for (const c of ranked) {
    if (c.score < raise - 1e-12 || c.score <= 0) break;
    if (!mine.has(c.line)) continue;
    const other = enclosingUnit(units, { start: { line: c.line - 1, character: 0 }, end: { line: c.line - 1, character: 0 } });
    if (other === unit || other.kind === 'module' || other.kind === 'class') continue;
    if (c.score <= raise + 1e-12 && !callees.has(other)) continue;
    const where = `raised at line ${raisedAt} in \`${unit.name}\``;
    return {
      unit: other,
      range: lineRange(text, c.line - 1),
      note: ` (in \`${other.name}\`; line ${c.line} is the most suspicious line ${run} ran, Ochiai ${c.score.toFixed(2)}; ${where})`,
      related: [{ file: path, range: lineRange(text, raisedAt - 1), message: where }],
    };
  }
  return undefined;
}

/** The functions of the file the text of `unit` calls by name (a constructor through its class: `new Store(`). */
function unitsCalledBy(unit: CodeUnit, units: readonly CodeUnit[], lines: readonly string[]): Set<CodeUnit> {
  return new Set(units.filter((u) => u !== unit && u.kind !== 'module' && u.kind !== 'class' && calls(unit, u, lines)));
}

function failureText(r: TestResult): string {
  let msg = (r.msg ?? r.exc ?? 'failed').replace(/^AssertionError: /, '');
  msg = msg.split('\n').find((l) => l.trim()) ?? msg;
  if (r.expected !== undefined) msg = msg.replace(/:\s*$/, '');
  const detail = r.expected !== undefined && r.actual !== undefined ? ` (expected ${oneLine(r.expected, 60)}, actual ${oneLine(r.actual, 60)})` : '';
  return `${oneLine(msg, 160)}${detail}`;
}

/** Whether an error message names the file under critique (its path, or its module's name). */
function mentionsFile(message: string, path: string): boolean {
  const stem = basename(path).replace(/\.[^.]+$/, '');
  return message.includes(path) || new RegExp(`(^|[^\\w])${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w]|$)`).test(message);
}

/**
 * Whether a test file names the module under critique (a package's `__init__` or a folder's
 * `index` by its folder). One that reaches it only through another module of the project (tests
 * of `calc` that load `util` because `calc` imports it) does not.
 */
function namesModule(test: TestFile | undefined, path: string): boolean {
  if (!test) return true;
  return mentionsFile(test.text, /^(__init__|index)\.\w+$/.test(basename(path)) ? dirname(path) : path);
}

/** What the pipeline needs to place a failing test on the lines a change edited (RawFinding.executed). */
function ranLines(r: TestResult, message: string, unit?: CodeUnit): Pick<RawFinding, 'executed'> {
  return r.lines?.length ? { executed: { lines: r.lines, message, test: r.name, ...(unit && unit.kind !== 'module' ? { unit: unit.name } : {}) } } : {};
}

/** Findings and records for a whole run. */
export function testReport(run: TestRun, doc: SourceDocument, units: readonly CodeUnit[], testFiles: ReadonlyMap<string, TestFile>, execution: ExecutionConfig, source: string): { findings: RawFinding[]; records: EvidenceRecord[] } {
  const findings: RawFinding[] = [];
  const records: EvidenceRecord[] = [];
  const rel = (file: string) => (file.startsWith(doc.projectRoot) ? file.slice(doc.projectRoot.length + 1) : file);
  const moduleUnit = units.find((u) => u.name === moduleUnitName)!;
  if (run.importError) {
    const where = run.importError.frames.filter((f) => f.file === doc.path).pop();
    const range = where ? lineRange(doc.text, where.line - 1) : moduleRange(doc.text, units);
    findings.push(executedError(source, execRules.importFailed, `Importing the module raised ${oneLine(run.importError.msg ?? run.importError.exc ?? 'an exception', 200)}, so its tests could not run`, doc.path, range));
    return { findings, records };
  }
  // The module raising while a test file imports it is one problem, however many files import it.
  const raisedInModule = new Map<string, { line: number; files: string[] }>();
  for (const c of run.collectErrors) {
    const where = c.frames.filter((f) => f.file === doc.path).pop();
    if (!where || testFiles.get(doc.path)) continue;
    const key = `${where.line}\0${c.msg ?? ''}`;
    const seen = raisedInModule.get(key) ?? { line: where.line, files: [] };
    seen.files.push(c.file);
    raisedInModule.set(key, seen);
  }
  for (const [key, { line, files }] of raisedInModule) {
    const msg = key.slice(key.indexOf('\0') + 1);
    const related = files.map((file) => ({ file, range: lineRange(testFiles.get(file)?.text ?? '', 0), message: 'a test file that imports it' }));
    findings.push(executedError(source, execRules.importFailed, `Importing the module raised ${oneLine(msg || 'an exception', 200)}, so its tests could not run`, doc.path, lineRange(doc.text, line - 1), related));
  }
  for (const c of run.collectErrors) {
    const where = c.frames.filter((f) => f.file === doc.path).pop();
    if (where && !testFiles.get(doc.path)) continue;
    const range = where ? lineRange(doc.text, where.line - 1) : moduleRange(doc.text, units);
    const related = [{ file: c.file, range: lineRange(testFiles.get(c.file)?.text ?? '', 0), message: 'the test file' }];
    if (c.crashed && !where) {
      // The test process died while its tests ran (V8 out of memory, an abort): the file's results
      // were lost with it, which loading it in a sandbox does not do to correct code.
      findings.push(executedError(source, execRules.crashed, `Tests in ${rel(c.file)} crashed the test process (${oneLine(c.msg ?? 'it died', 160)}) before they could report${/memory/.test(c.msg ?? '') ? '; a test probably ran away (an endless loop that allocates)' : ''}`, doc.path, range, related));
      continue;
    }
    if (where || mentionsFile(c.msg ?? '', doc.path)) {
      // Raised inside this file, or about it (`cannot import name 'div' from 'shop.calc'` after a rename).
      findings.push(executedError(source, where ? execRules.importFailed : execRules.testFailed, `Test file ${rel(c.file)} could not be loaded: ${oneLine(c.msg ?? 'error', 200)}`, doc.path, range, related));
      continue;
    }
    // The failure is outside this file (a test that finds its fixtures relative to itself, a
    // missing dev dependency…): no evidence about this code, so never an error on it.
    findings.push({
      ...executedError(source, execRules.testLoadFailed, `Tests in ${rel(c.file)} could not run here (${oneLine(c.msg ?? 'error', 160)}), so they say nothing about this file`, doc.path, range, related),
      level: 'note',
    });
  }
  if (run.tracksLoading && !run.loadedAs?.length && run.results.some((r) => r.outcome !== 'skipped')) {
    // E.g. a test that picks one of two copies of a program at run time (`if use_correct: from
    // fixed.x import f else: from buggy.x import f`): its results are about the other copy.
    const files = [...new Set(run.results.map((r) => rel(r.file)))].join(', ');
    findings.push({
      ...executedError(source, execRules.testLoadFailed, `The related tests in ${oneLine(files, 160)} ran but never imported this file (they use another module of the same name), so they say nothing about it`, doc.path, moduleRange(doc.text, units)),
      level: 'note',
    });
    return { findings, records };
  }
  if (run.unrun) {
    findings.push({
      ...executedError(source, execRules.testLoadFailed, `${run.unrun} related test${run.unrun === 1 ? ' was' : 's were'} not run: the run used its time budget (execution.testTimeoutMs is ${seconds(execution.testTimeoutMs)}); raise it to run them all`, doc.path, moduleRange(doc.text, units)),
      level: 'note',
    });
  }
  const spectra: Spectrum[] = run.results.filter((r) => r.lines && r.outcome !== 'skipped' && r.outcome !== 'timeout').map((r) => ({ passed: r.outcome === 'passed', lines: r.lines! }));
  const runs: RunCoverage[] = run.results.filter((r) => r.fileLines && r.outcome !== 'skipped' && r.outcome !== 'timeout').map((r) => ({ passed: r.outcome === 'passed', files: r.fileLines! }));
  for (const r of run.results) {
    if (r.outcome === 'skipped') continue;
    const p = placeTestResult(r, doc, units, testFiles, spectra);
    const status = r.outcome === 'passed' ? 'passed' : r.outcome === 'error' ? 'error' : r.outcome === 'timeout' ? 'timeout' : 'failed';
    records.push({ kind: 'test', unit: p.unit.name, status, subject: r.name, expected: r.expected, actual: r.actual ?? (status === 'passed' ? undefined : r.msg), file: r.file, range: p.testRange ?? { start: { line: Math.max(0, r.line - 1), character: 0 }, end: { line: Math.max(0, r.line - 1), character: 0 } } });
    if (r.outcome === 'passed') continue;
    const message =
      r.outcome === 'timeout' ? `Test \`${oneLine(r.name, 80)}\` did not finish within its own timeout: ${failureText(r)}` : `Test \`${oneLine(r.name, 80)}\` ${r.outcome === 'error' ? 'errored' : 'failed'}: ${failureText(r)}`;
    if (p.unplaced && r.outcome !== 'timeout') {
      // Related only through another module of the project: the failure is that module's (where
      // it is reported), and a note on every module it imports would only be noise.
      if (!namesModule(testFiles.get(r.file), doc.path)) {
        // Unless the change under critique is on its path: then it is this file's (the pipeline drops it otherwise).
        if (r.lines?.length) findings.push({ ...executedError(source, execRules.testFailed, message, doc.path, p.range, p.related), level: 'note', executed: { lines: r.lines, message, onlyOnChange: true, test: r.name } });
        continue;
      }
      // E.g. a package `__init__.py` that re-exports the module the test exercises: the failure is
      // that module's, where it is reported as an error; here it is only worth knowing.
      findings.push({ ...executedError(source, execRules.testFailed, `${message} — the test calls nothing this file defines and its traceback does not pass through it, so it is not counted against this file`, doc.path, p.range, p.related), level: 'note', ...ranLines(r, message) });
      continue;
    }
    const elsewhere = r.outcome !== 'timeout' && p.suspicion !== undefined ? moreSuspectElsewhere(r.fileLines, runs, doc.path, p.suspicion) : undefined;
    if (elsewhere) {
      // One failing test that runs code of many modules: the error goes where its most suspicious line is.
      const why = `the line it ran in ${rel(elsewhere.file)} (line ${elsewhere.line}, Ochiai ${elsewhere.score.toFixed(2)}) is more suspicious than any it ran here (${p.suspicion!.toFixed(2)}), so it is not counted against this file`;
      findings.push({ ...executedError(source, execRules.testFailed, `${message} — ${why}`, doc.path, p.range, [...p.related, elsewhereLocation(elsewhere, rel)]), level: 'note', ...ranLines(r, message, p.unit) });
      continue;
    }
    findings.push({ ...executedError(source, r.outcome === 'timeout' ? execRules.timeout : execRules.testFailed, `${message}${p.note ?? ''}`, doc.path, p.range, p.related), ...ranLines(r, message, p.unit) });
  }
  if (run.stopped) {
    const s = run.stopped;
    const cur = s.current;
    // A test the timeout killed: where the runner last saw it (Python's watchdog), else the function it calls.
    const hang = s.kind === 'timeout' && cur ? hangPlacement(cur, doc, units, testFiles) : undefined;
    const p = hang ?? (cur ? placeTestResult(cur, doc, units, testFiles) : { unit: moduleUnit, range: moduleRange(doc.text, units), related: [], testRange: undefined });
    const who = cur ? `Test \`${oneLine(cur.name, 80)}\`` : 'The test run';
    const message =
      s.kind === 'timeout'
        ? `${who} did not finish within ${seconds(execution.testTimeoutMs)} (possible infinite loop)${hang?.note ?? ''}`
        : s.kind === 'limit'
          ? `${who} ${limitDescription(s.limit!, execution)}`
          : `${who} stopped the test runner: it ${oneLine(s.exit, 200)}`;
    const rule = s.kind === 'timeout' ? execRules.timeout : s.kind === 'limit' ? execRules.limit : execRules.crashed;
    // A test that started late in the run (on a loaded machine, after slow ones) and was still
    // running when the run's time ran out had too little time to say anything about a hang.
    const left = cur?.startedMs !== undefined ? execution.testTimeoutMs - cur.startedMs : undefined;
    // Only known with line coverage on (the runner tells when a test first runs a line of the file).
    if (s.kind === 'timeout' && !cur && run.reportsAtEnd) {
      // E.g. vitest with jsdom on a loaded machine: no result at all is not a hang in this file.
      findings.push({ ...executedError(source, rule, `The project's test runner did not finish within ${seconds(execution.testTimeoutMs)} and reports its results only at the end, so nothing is known about the tests: not evidence of a hang; raise execution.testTimeoutMs to let it finish`, doc.path, p.range, p.related), level: 'note' });
      return { findings, records };
    }
    const unplaced = cur !== undefined && execution.lineCoverage && !cur.touched && 'unplaced' in p && p.unplaced === true;
    if (s.kind === 'timeout' && cur && unplaced) {
      // As for a failure: a test that calls nothing this file defines (and has no frame in it)
      // says nothing about it, and a slow test of another module is not a hang here.
      findings.push({ ...executedError(source, rule, `${message} — the test calls nothing this file defines and never ran a line of it, so it is not counted against this file`, doc.path, p.range, p.related), level: 'note' });
      records.push({ kind: 'test', unit: p.unit.name, status: 'timeout', subject: cur.name, file: cur.file, range: p.testRange ?? lineRange(testFiles.get(cur.file)?.text ?? '', Math.max(0, cur.line - 1)) });
      return { findings, records };
    }
    if (s.kind === 'timeout' && cur && left !== undefined && left < execution.testTimeoutMs / 2) {
      findings.push({
        ...executedError(source, rule, `${who} was still running when the test run's ${seconds(execution.testTimeoutMs)} ran out, but it started ${seconds(cur.startedMs!)} into the run and had only ${seconds(Math.max(0, left))}: not evidence of a hang; raise execution.testTimeoutMs to let it finish`, doc.path, p.range, p.related),
        level: 'note',
      });
      records.push({ kind: 'test', unit: p.unit.name, status: 'timeout', subject: cur.name, file: cur.file, range: p.testRange ?? lineRange(testFiles.get(cur.file)?.text ?? '', Math.max(0, cur.line - 1)) });
      return { findings, records };
    }
    findings.push(executedError(source, rule, message, doc.path, p.range, p.related));
    if (cur) records.push({ kind: 'test', unit: p.unit.name, status: s.kind === 'crashed' ? 'error' : s.kind, subject: cur.name, file: cur.file, range: p.testRange ?? lineRange(testFiles.get(cur.file)?.text ?? '', Math.max(0, cur.line - 1)) });
  }
  return { findings, records };
}
