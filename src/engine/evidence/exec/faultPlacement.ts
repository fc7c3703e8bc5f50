/**
 * Moves an executed finding from a function's name to the line that is most likely wrong: the
 * raising line when the failure is an exception raised inside the function, else the top line of
 * the spectrum ranking (faultLocalisation.ts) over the line coverage of the runs of one tool.
 * The function stays named in the message, so the finding still reads as being about the function.
 */
import type { Range, RelatedLocation } from '../../findings.js';
import { enclosingUnit, type CodeUnit } from '../../syntax/units.js';
import { localise, rankLines, type RankedLine, type Spectrum } from '../faultLocalisation.js';
import { lineRange } from './executedFindings.js';
import type { Frame } from './protocol.js';

/** Where a finding about `unit` goes, the words added to its message, and the next suspects. */
export interface FaultPlacement {
  range: Range;
  /** Appended to the finding's message, starting with a space; '' when nothing was located. */
  note: string;
  related: RelatedLocation[];
}

/** How many further suspicious lines go into related locations. */
const moreSuspects = 3;

const score = (s: number) => s.toFixed(2);
const runs = (n: number, what: string) => `${n} ${what} run${n === 1 ? '' : 's'}`;

/** The innermost frame of `frames` (innermost last) in `file` and inside `unit`; 1-based line. */
export function raisingLine(frames: readonly Frame[], file: string, unit: CodeUnit): number | undefined {
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i]!;
    if (f.file === file && f.line - 1 >= unit.range.start.line && f.line - 1 <= unit.range.end.line) return f.line;
  }
  return undefined;
}

/**
 * The placement of a failure in `unit` of `file` (whose text is `text`). `raisedAt` is the raising
 * line (1-based) when the failure is an exception raised in the unit; `spectra` are the coverage
 * runs of the same tool, the failing one included. Without either, the unit's name keeps it.
 */
export function placeFault(unit: CodeUnit, file: string, text: string, raisedAt: number | undefined, spectra: readonly Spectrum[]): FaultPlacement {
  const keep: FaultPlacement = { range: unit.nameRange, note: '', related: [] };
  if (unit.kind === 'module') return keep;
  const loc = localise(spectra, unit.range.start.line + 1, unit.range.end.line + 1);
  const suspects = (ranked: readonly RankedLine[]) => ranked.slice(0, moreSuspects).map((r) => ({ file, range: lineRange(text, r.line - 1), message: `suspicious line ${r.line} (Ochiai ${score(r.score)})` }));
  if (raisedAt !== undefined) {
    // The raising line is where the failure shows, not always where the fault is (a wrong branch
    // taken earlier): the spectrum's other suspects come along as related locations.
    const others = loc.kind === 'line' ? suspects(loc.ranked.filter((r) => r.line !== raisedAt)) : [];
    return { range: lineRange(text, raisedAt - 1), note: ` (in \`${unit.name}\`, raised at line ${raisedAt})`, related: others };
  }
  if (loc.kind === 'none') return keep;
  const evidence = `${runs(loc.failingRuns, 'failing')} and ${runs(loc.passingRuns, 'passing')}`;
  if (loc.kind === 'inseparable') return { ...keep, note: ` (in \`${unit.name}\`; the ${evidence} executed its ${loc.lines} lines alike, so they cannot single out a line)` };
  const [top, ...rest] = loc.ranked;
  if (rest.length === 0) return { range: lineRange(text, top!.line - 1), note: ` (in \`${unit.name}\`; line ${top!.line} is the only line of it that ran)`, related: [] };
  const related = suspects(rest);
  return { range: lineRange(text, top!.line - 1), note: ` (in \`${unit.name}\`; line ${top!.line} is its most suspicious line, Ochiai ${score(top!.score)} from ${evidence})`, related };
}

/**
 * The function the file-wide spectrum points at, for a failure with no traceback into the file
 * (a test of the public `loads` that fails because the private `skip_until` took a wrong branch):
 * the one function holding every top-scored line of the file, with that score. Undefined when the
 * top lines span several units, lie outside a function, or no failing run has coverage.
 */
export function spectrumSuspect(units: readonly CodeUnit[], spectra: readonly Spectrum[]): { unit: CodeUnit; score: number; everyFailing: boolean } | undefined {
  if (!spectra.some((s) => !s.passed)) return undefined;
  const ranked = rankLines(spectra, 1, Number.MAX_SAFE_INTEGER);
  const top = ranked[0];
  if (!top || top.score <= 0) return undefined;
  const holders = new Set(ranked.filter((r) => r.score === top.score).map((r) => enclosingUnit(units, { start: { line: r.line - 1, character: 0 }, end: { line: r.line - 1, character: 0 } })));
  const [unit] = holders;
  if (holders.size !== 1 || !unit || unit.kind === 'module' || unit.kind === 'class') return undefined;
  return { unit, score: top.score, everyFailing: top.failed === spectra.filter((s) => !s.passed).length };
}

