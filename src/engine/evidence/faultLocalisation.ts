/**
 * Spectrum-based fault localisation: which line of a failing function is most likely wrong,
 * from the line coverage of every run the evidence already made (examples, tests, probes).
 * A line executed by many failing runs and few passing ones is suspicious; Ochiai's coefficient
 * (ef / sqrt(F · (ef + ep))) ranks them, the measure that does best in the SBFL literature for
 * single-fault programs (Abreu et al.; Wong et al.'s survey). Pure: no I/O, no engine types.
 */

/** One run's outcome and the 1-based lines of the file under critique it executed. */
export interface Spectrum {
  passed: boolean;
  lines: readonly number[];
}

/** A line with its suspiciousness and the counts behind it. */
export interface RankedLine {
  /** 1-based. */
  line: number;
  score: number;
  /** Failing runs that executed the line. */
  failed: number;
  /** Passing runs that executed the line. */
  passed: number;
}

export type Localisation =
  /** `ranked[0]` is the most suspicious line (ties broken by earlier line); all have score > 0. */
  | { kind: 'line'; ranked: RankedLine[]; failingRuns: number; passingRuns: number }
  /** The runs cover the unit's lines alike: no line stands out. */
  | { kind: 'inseparable'; lines: number; failingRuns: number; passingRuns: number }
  /** No failing run has coverage inside the unit (coverage off, or the failure is elsewhere). */
  | { kind: 'none' };

/** Ochiai's coefficient; 0 when the line was never executed by a failing run. */
export function ochiai(failedCovering: number, passedCovering: number, totalFailed: number): number {
  if (failedCovering === 0 || totalFailed === 0) return 0;
  return failedCovering / Math.sqrt(totalFailed * (failedCovering + passedCovering));
}

/**
 * Ranks the lines in `[first, last]` (1-based, inclusive) that any failing run executed, most
 * suspicious first; equal scores keep line order.
 */
export function rankLines(spectra: readonly Spectrum[], first: number, last: number): RankedLine[] {
  return memo(rankMemo, spectra, `${first}:${last}`, () => rankLinesNow(spectra, first, last));
}

// A run's findings all rank the same spectra (each failing test of a suite over the same file):
// computed once per spectra array and range, not once per finding. Callers never mutate either.
const rankMemo = new WeakMap<readonly Spectrum[], Map<string, RankedLine[]>>();
const localiseMemo = new WeakMap<readonly Spectrum[], Map<string, Localisation>>();
function memo<T>(table: WeakMap<readonly Spectrum[], Map<string, T>>, spectra: readonly Spectrum[], key: string, make: () => T): T {
  let byKey = table.get(spectra);
  if (!byKey) table.set(spectra, (byKey = new Map()));
  let v = byKey.get(key);
  if (v === undefined) byKey.set(key, (v = make()));
  return v;
}

function rankLinesNow(spectra: readonly Spectrum[], first: number, last: number): RankedLine[] {
  const failing = spectra.filter((s) => !s.passed);
  const counts = new Map<number, { failed: number; passed: number }>();
  const count = (s: Spectrum, key: 'failed' | 'passed') => {
    for (const line of new Set(s.lines)) {
      if (line < first || line > last) continue;
      if (key === 'passed' && !counts.has(line)) continue;
      const c = counts.get(line) ?? { failed: 0, passed: 0 };
      c[key]++;
      counts.set(line, c);
    }
  };
  for (const s of failing) count(s, 'failed');
  for (const s of spectra) if (s.passed) count(s, 'passed');
  return [...counts.entries()]
    .map(([line, c]) => ({ line, score: ochiai(c.failed, c.passed, failing.length), failed: c.failed, passed: c.passed }))
    .sort((a, b) => b.score - a.score || a.line - b.line);
}

/**
 * Where in the unit spanning lines `[first, last]` the failure most likely is. When every line
 * the failing runs executed scores the same (one failing run and no passing run that differs,
 * or a function without branches), the evidence cannot tell them apart: `inseparable`.
 */
export function localise(spectra: readonly Spectrum[], first: number, last: number): Localisation {
  return memo(localiseMemo, spectra, `${first}:${last}`, () => localiseNow(spectra, first, last));
}

function localiseNow(spectra: readonly Spectrum[], first: number, last: number): Localisation {
  // Runs that never entered the unit say nothing about its lines; leaving them out keeps the
  // counts in the message about this unit (the ranking inside it is the same either way).
  const touching = spectra.filter((s) => s.lines.some((l) => l >= first && l <= last));
  const ranked = rankLines(touching, first, last);
  if (ranked.length === 0) return { kind: 'none' };
  const failingRuns = touching.filter((s) => !s.passed).length;
  const passingRuns = touching.length - failingRuns;
  const top = ranked[0]!.score;
  if (ranked.every((r) => r.score === top) && ranked.length > 1) return { kind: 'inseparable', lines: ranked.length, failingRuns, passingRuns };
  return { kind: 'line', ranked, failingRuns, passingRuns };
}
