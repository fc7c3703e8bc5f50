/**
 * Turns example outcomes (Python doctests and JSDoc examples alike) into findings on the unit
 * that owns the example, and into evidence records.
 */
import type { ExecutionConfig } from '../../config.js';
import type { Range, RawFinding } from '../../findings.js';
import { enclosingUnit, moduleUnitName, type CodeUnit } from '../../syntax/units.js';
import type { EvidenceRecord, SourceDocument } from '../tool.js';
import type { BatchesResult, ExampleOutcome } from './exampleBatches.js';
import { execRules, executedError, limitDescription, lineRange, seconds, tracebackSummary } from './executedFindings.js';
import { oneLine } from '../../text.js';
import type { Spectrum } from '../faultLocalisation.js';
import { placeFault, raisingLine, type FaultPlacement } from './faultPlacement.js';
import { raisedSymptom } from './testFindings.js';

/** Where one example lives and what it says. */
export interface PlacedExample {
  unit: CodeUnit;
  /** 0-based line of the example's code. */
  line: number;
  src: string;
  want?: string;
  /** The phrase after the actual result, e.g. `expected 4`; none for setup code. */
  expected?: string;
}

export interface ExampleReportOptions {
  source: string;
  doc: SourceDocument;
  execution: ExecutionConfig;
  /** Finds the unit and line of an outcome; undefined drops it (e.g. a docstring of an imported object). */
  place(outcome: ExampleOutcome): PlacedExample | undefined;
  /** Where module-level problems (at import) are reported. */
  moduleRange: Range;
  /** Words for outcomes: `returned` / `raised` (Python) or `returned` / `threw` (JS). */
  verbs: { value: string; raise: string };
  /** The file's units: an example that raised inside another function of the file is placed there. */
  units?: readonly CodeUnit[];
}

function unitRange(unit: CodeUnit, exampleRange: Range): Range {
  // A module has no name to point at; the example line itself is the best place.
  return unit.name === moduleUnitName ? exampleRange : unit.nameRange;
}

function actualText(o: ExampleOutcome, verbs: ExampleReportOptions['verbs']): string {
  if (o.status === 'error') return `${verbs.raise} ${oneLine(o.msg ?? o.exc ?? 'an exception', 160)}`;
  const tb = o.got ? tracebackSummary(o.got) : undefined;
  if (tb) return `${verbs.raise} ${oneLine(tb, 160)}`;
  if (!o.got) return `${verbs.value} nothing`;
  return `${verbs.value} ${oneLine(o.got, 120)}`;
}

/** Text with its whitespace made visible (`a·b⏎`), cut to a readable length. */
export function visibleWhitespace(text: string, max = 120): string {
  const shown = text.replace(/ /g, '·').replace(/\t/g, '→').replace(/\r?\n/g, '⏎');
  return shown.length > max ? `${shown.slice(0, max - 1)}…` : shown;
}

/** How a doctest's expected output reads in a message. */
export function doctestExpectation(want: string | undefined): string {
  if (!want) return 'expected no output';
  const tb = tracebackSummary(want);
  if (tb) return `expected ${oneLine(tb, 120)}`;
  return `expected ${oneLine(want, 120)}`;
}

/** The name in `name 'x' is not defined` (Python) or `x is not defined` (JS). */
function undefinedName(msg: string | undefined): string | undefined {
  return msg ? /^(?:\w+:\s*)?(?:name\s+)?'?([\p{L}_$][\p{L}\p{N}_$]*)'?\s+is not defined/u.exec(msg.trim())?.[1] : undefined;
}

/**
 * Why an example cannot judge the code, when it cannot: it uses a name nothing defines (raised in
 * the example's own code, not in the module), or it prints its value where `// =>` expects it
 * returned. Such an example says something about the documentation, not about the code.
 */
export function notSelfContained(o: ExampleOutcome, src: string, raisedInModule: boolean): string | undefined {
  if (o.status === 'error' && !raisedInModule && (o.exc === 'NameError' || o.exc === 'ReferenceError')) {
    const name = undefinedName(o.msg);
    return `uses ${name ? `\`${name}\`` : 'a name'}, which neither the module nor the example defines`;
  }
  if (o.status === 'failed' && o.got === 'undefined' && /^\s*console\.(?:log|info|debug|dir|warn|error)\s*\(/.test(src)) {
    return 'prints its value instead of returning it, so `// =>` sees undefined; write the expression alone before `// =>`';
  }
  return undefined;
}

/**
 * The function of the file a raise at `line` (1-based) is in when that is not the example's own
 * unit nor inside it (a nested function of the unit is the unit's own code): none for module-level
 * code or a class body.
 */
function elsewhereRaiser(units: readonly CodeUnit[], own: CodeUnit, line: number): CodeUnit | undefined {
  if (line - 1 >= own.range.start.line && line - 1 <= own.range.end.line && own.name !== moduleUnitName) return undefined;
  const unit = enclosingUnit(units, { start: { line: line - 1, character: 0 }, end: { line: line - 1, character: 0 } });
  return unit === own || unit.kind === 'module' || unit.kind === 'class' ? undefined : unit;
}

/** Findings and records for one file's examples. */
export function exampleReport(result: BatchesResult, opts: ExampleReportOptions): { findings: RawFinding[]; records: EvidenceRecord[] } {
  const { doc, source } = opts;
  const findings: RawFinding[] = [];
  const records: EvidenceRecord[] = [];
  const timeout = seconds(opts.execution.exampleTimeoutMs);
  const docLines = doc.text.split('\n');
  const lineCount = docLines.length;
  if (result.moduleProblem) {
    const p = result.moduleProblem;
    const where = p.frames.filter((f) => f.file === doc.path && f.line <= lineCount).pop();
    const range = where ? lineRange(doc.text, where.line - 1) : opts.moduleRange;
    const what =
      p.kind === 'import'
        ? `Importing the module raised ${oneLine(p.msg ?? p.exc ?? 'an exception', 200)}, so its examples could not run`
        : p.kind === 'timeout'
          ? `Importing the module did not finish within ${timeout} (possible infinite loop at import time)`
          : p.kind === 'limit'
            ? `Importing the module ${limitDescription(p.limit!, opts.execution)}`
            : `The interpreter ${p.exit ?? 'stopped'} while importing the module`;
    const rule = p.kind === 'import' ? execRules.importFailed : p.kind === 'timeout' ? execRules.timeout : p.kind === 'limit' ? execRules.limit : execRules.crashed;
    findings.push(executedError(source, rule, what, doc.path, range));
    return { findings, records };
  }
  // Every example that ran to an outcome with coverage is one spectrum for fault localisation.
  const spectra: Spectrum[] = result.outcomes
    .filter((o) => o.lines && (o.status === 'passed' || o.status === 'failed' || o.status === 'error'))
    .map((o) => ({ passed: o.status === 'passed', lines: o.lines! }));
  for (const o of result.outcomes) {
    const placed = opts.place(o);
    if (!placed) continue;
    const exampleRange = lineRange(doc.text, placed.line);
    const call = `\`${oneLine(placed.src, 80)}\``;
    // Frames past the end of the text are in code the engine appended (JS example blocks).
    const raisedAt = o.frames.filter((f) => f.file === doc.path && f.line <= lineCount).pop();
    const unjudged = notSelfContained(o, placed.src, raisedAt !== undefined);
    if (unjudged) {
      // Not a record either: a run that could not judge the code is no evidence for or against it.
      findings.push({
        rule: 'example-not-self-contained',
        level: 'note',
        message: `Example ${call} of ${placed.unit.name} is not self-contained: it ${unjudged} (${actualText(o, opts.verbs)}), so it says nothing about the code`,
        file: doc.path,
        range: exampleRange,
        tier: 'tool',
        confidence: 1,
        source,
      });
      continue;
    }
    const status = o.status === 'crashed' ? 'error' : o.status;
    records.push({
      kind: 'example',
      unit: placed.unit.name,
      status,
      subject: placed.src,
      expected: placed.want,
      actual: o.status === 'failed' ? o.got : o.status === 'error' ? (o.msg ?? o.exc) : undefined,
      file: doc.path,
      range: exampleRange,
    });
    if (o.status === 'passed') continue;
    const related = [{ file: doc.path, range: exampleRange, message: 'the example' }];
    const inUnit = raisingLine(o.frames, doc.path, placed.unit);
    let fault: FaultPlacement | undefined;
    // Raised inside another function of the file (a private helper the documented one calls):
    // the error goes where it raised, as a test's does (testFindings.ts placeTestResult), a
    // deliberate `raise` there being the symptom when the coverage points elsewhere.
    const raiser = o.status === 'error' && raisedAt && opts.units ? elsewhereRaiser(opts.units, placed.unit, raisedAt.line) : undefined;
    if (raiser && raisedAt) {
      const symptom = o.lines ? raisedSymptom(doc.path, doc.text, docLines, opts.units!, raiser, raisedAt.line, o.lines, spectra, 'the example') : undefined;
      fault = symptom ? { range: symptom.range, note: symptom.note ?? '', related: symptom.related } : placeFault(raiser, doc.path, doc.text, raisedAt.line, o.lines ? spectra : []);
      // Where the example's own function called into it (the innermost frame of it outside the raiser).
      const inside = (l: number, u: CodeUnit) => l - 1 >= u.range.start.line && l - 1 <= u.range.end.line;
      const caller = [...o.frames].reverse().find((f) => f.file === doc.path && f.line <= lineCount && inside(f.line, placed.unit) && !inside(f.line, raiser));
      if (caller && placed.unit.name !== moduleUnitName) related.push({ file: doc.path, range: lineRange(doc.text, caller.line - 1), message: `called from line ${caller.line} in \`${placed.unit.name}\`` });
      related.push(...fault.related);
    } else if (raisedAt && raisedAt.line - 1 !== placed.line && raisedAt.line !== inUnit) related.push({ file: doc.path, range: lineRange(doc.text, raisedAt.line - 1), message: 'raised here' });
    if (!fault && (o.status === 'failed' || o.status === 'error') && placed.unit.name !== moduleUnitName) {
      fault = placeFault(placed.unit, doc.path, doc.text, inUnit, o.lines ? spectra : []);
      related.push(...fault.related);
    }
    const range = fault?.range ?? unitRange(placed.unit, exampleRange);
    let rule: string;
    let message: string;
    switch (o.status) {
      case 'failed':
      case 'error':
        rule = execRules.doctestFailed;
        message = o.whitespace
          ? `Example ${call} ${opts.verbs.value} ${visibleWhitespace(o.whitespace.got)}, expected ${visibleWhitespace(o.whitespace.want)}: they differ only in whitespace (· is a space, → a tab, ⏎ a line break)${fault?.note ?? ''}`
          : `Example ${call} ${actualText(o, opts.verbs)}${placed.expected ? `, ${placed.expected}` : ''}${fault?.note ?? ''}`;
        break;
      case 'timeout':
        rule = execRules.timeout;
        message = `Example ${call} did not finish within ${timeout} (possible infinite loop)`;
        break;
      case 'limit':
        rule = execRules.limit;
        message = `Example ${call} ${limitDescription(o.limit!, opts.execution)}`;
        break;
      case 'crashed':
        rule = execRules.crashed;
        message = `Example ${call} stopped the interpreter: it ${oneLine(o.exit ?? 'exited', 160)}`;
        break;
    }
    const finding = executedError(source, rule, message, doc.path, range, related);
    if (o.status === 'failed' || o.status === 'error') {
      const actual = o.status === 'failed' ? o.got : (o.msg ?? o.exc);
      finding.evidence = { call: placed.src, ...(placed.want !== undefined ? { expected: placed.want } : {}), ...(actual !== undefined ? { actual } : {}) };
      // A helper the example runs may be what the change edited (see changePlacement.ts).
      const plain = fault?.note && message.endsWith(fault.note) ? message.slice(0, -fault.note.length) : message;
      if (o.lines?.length) finding.executed = { lines: o.lines, message: plain, unit: placed.unit.name, test: placed.src };
    }
    findings.push(finding);
  }
  return { findings, records };
}
