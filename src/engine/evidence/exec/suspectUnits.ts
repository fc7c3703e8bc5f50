/**
 * Which function a failing test's fault is in, from the per-test line coverage of the whole run
 * (Ochiai, faultLocalisation.ts): a test that calls `isEqual` fails because of `withLeadingSlash`,
 * which it ran and the passing tests mostly did not. With coverage of every project file a test
 * ran (vitest, vitestCoverage.ts), one failing test that runs code of many modules counts against
 * the module holding the most suspicious line only; the others get a note pointing there.
 */
import type { RelatedLocation } from '../../findings.js';
import { enclosingUnit, type CodeUnit } from '../../syntax/units.js';
import { ochiai, rankLines, type Spectrum } from '../faultLocalisation.js';

/** A unit's most suspicious line a failing test ran. */
export interface SuspectUnit {
  unit: CodeUnit;
  /** 1-based. */
  line: number;
  score: number;
}

const unitOfLine = (units: readonly CodeUnit[], line: number) => enclosingUnit(units, { start: { line: line - 1, character: 0 }, end: { line: line - 1, character: 0 } });

/** The names a call of `unit` is written with: its own, and a constructor's class (`new Store(`, `Store(`). */
function callNames(unit: CodeUnit): string[] {
  const parts = unit.name.split('.');
  const leaf = parts[parts.length - 1]!;
  if ((leaf === 'constructor' || leaf === '__init__') && parts.length > 1) return [parts[parts.length - 2]!];
  return [leaf];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether the text of `caller` (lines of the file) calls `callee` by name. */
export function calls(caller: CodeUnit, callee: CodeUnit, lines: readonly string[]): boolean {
  const body = lines.slice(caller.range.start.line, caller.range.end.line + 1).join('\n');
  return callNames(callee).some((n) => new RegExp(`(^|[^\\w$])${escape(n)}\\s*\\(`).test(body));
}

/**
 * The function (or method) holding the most suspicious line of the file among the lines the
 * failing test ran. When several functions hold equally top-scored lines the spectrum cannot tell
 * them apart: `preferred` (the function the test calls) wins, else the tied function from which
 * the others are reached through calls (with `lines`, the file's text), else the earliest line's.
 * Undefined without coverage or when no such line is in a function.
 */
export function suspectUnit(ran: readonly number[] | undefined, spectra: readonly Spectrum[], units: readonly CodeUnit[], lineCount: number, preferred?: CodeUnit, lines?: readonly string[]): SuspectUnit | undefined {
  if (!ran?.length || !spectra.some((s) => !s.passed)) return undefined;
  const mine = new Set(ran);
  const tied: SuspectUnit[] = [];
  for (const r of rankLines(spectra, 1, lineCount)) {
    if (!mine.has(r.line) || r.score <= 0) continue;
    if (tied.length && r.score < tied[0]!.score) break;
    const unit = unitOfLine(units, r.line);
    if (unit.kind === 'module') continue;
    if (preferred && unit === preferred) return { unit, line: r.line, score: r.score };
    if (!tied.some((t) => t.unit === unit)) tied.push({ unit, line: r.line, score: r.score });
  }
  if (tied.length > 1 && lines) {
    // E.g. `loads` and the `skip_until` it calls, run by the same failing tests only: the caller
    // is where the test's path enters, the rest are reached from it.
    const reaches = (from: SuspectUnit): boolean => {
      const seen = new Set<CodeUnit>([from.unit]);
      const queue = [from.unit];
      while (queue.length) {
        const u = queue.shift()!;
        for (const t of tied) if (!seen.has(t.unit) && calls(u, t.unit, lines)) (seen.add(t.unit), queue.push(t.unit));
      }
      return seen.size === tied.length;
    };
    const root = tied.find(reaches);
    if (root) return root;
  }
  return tied[0];
}

/** The most suspicious line a failing run executed in a file other than `doc`. */
export interface ElsewhereSuspect {
  file: string;
  line: number;
  score: number;
}

/** Per-file spectra of a run, for comparing suspicion across files. */
export interface RunCoverage {
  passed: boolean;
  files: ReadonlyMap<string, readonly number[]>;
}

/**
 * The line outside `doc` that the failing run `ran` executed with the highest Ochiai score over
 * all `runs` (each with every project file's lines), when it is at least twice `here` (this file's best).
 */
export function moreSuspectElsewhere(ran: ReadonlyMap<string, readonly number[]> | undefined, runs: readonly RunCoverage[], doc: string, here: number): ElsewhereSuspect | undefined {
  if (!ran) return undefined;
  const failing = runs.filter((r) => !r.passed).length;
  if (failing === 0) return undefined;
  let best: ElsewhereSuspect | undefined;
  for (const [file, lines] of ran) {
    if (file === doc) continue;
    const counts = new Map<number, { failed: number; passed: number }>();
    for (const l of lines) counts.set(l, { failed: 0, passed: 0 });
    for (const run of runs) {
      const other = run.files.get(file);
      if (!other) continue;
      for (const l of new Set(other)) {
        const c = counts.get(l);
        if (c) c[run.passed ? 'passed' : 'failed']++;
      }
    }
    for (const [line, c] of counts) {
      const score = ochiai(c.failed, c.passed, failing);
      if (!best || score > best.score || (score === best.score && line < best.line && file === best.file)) best = { file, line, score };
    }
  }
  // Only a clearly more suspicious line moves the error: SBFL often ranks a line just downstream
  // of the fault (a decoder the faulty parser feeds) above the faulty line itself, a little above,
  // and a miss costs more than a second error. Twice the score, or a file whose lines it never ran.
  return best && best.score > 0 && best.score >= 2 * here + 1e-9 ? best : undefined;
}

/** A related location pointing at a line of another file (its text is not at hand: column 0). */
export function elsewhereLocation(s: ElsewhereSuspect, rel: (file: string) => string): RelatedLocation {
  return { file: s.file, range: { start: { line: s.line - 1, character: 0 }, end: { line: s.line - 1, character: 0 } }, message: `more suspicious: ${rel(s.file)} line ${s.line} (Ochiai ${s.score.toFixed(2)})` };
}
