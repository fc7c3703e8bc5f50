/**
 * A failing test says the code is wrong somewhere along its path; when the change under critique
 * is known (a diff's hunks, a freshly accepted suggestion, the file's uncommitted lines), the
 * function it edited on that path is the first suspect. Coverage alone often cannot tell: a
 * parser every test of a helper runs, or a closure each test passes through, scores no higher
 * than the correct code around it. This moves such a failure onto the edited line, and keeps
 * where the evidence alone pointed as a related location.
 */
import type { LineRange, RawFinding, RelatedLocation } from './findings.js';
import { enclosingUnit, type CodeUnit } from './syntax/units.js';

/** Edited ranges longer than this (a new file, a rewrite) say nothing about where a fault is. */
const maxChangeLines = 200;

interface Edited {
  unit: CodeUnit;
  /** 0-based. */
  line: number;
  /** The failing run executed this very line (not only its function: a removed statement leaves a line nothing runs). */
  ran: boolean;
}

function lineRangeOf(lines: readonly string[], line: number): RawFinding['range'] {
  const content = (lines[line] ?? '').replace(/\r$/, '');
  const start = content.length - content.trimStart().length;
  return { start: { line, character: start }, end: { line, character: Math.max(start, content.trimEnd().length) } };
}

/** The edited line in a function the failing run entered: one the run executed first, else the first edited line. */
function editedOnPath(executed: readonly number[], units: readonly CodeUnit[], changed: readonly LineRange[], lineCount: number): Edited | undefined {
  const ran = new Set(executed);
  let best: Edited | undefined;
  for (const c of changed) {
    if (c.end - c.start >= maxChangeLines) continue;
    for (let line = Math.max(0, c.start); line <= Math.min(c.end, lineCount - 1); line++) {
      const unit = enclosingUnit(units, { start: { line, character: 0 }, end: { line, character: 0 } });
      if (unit.kind === 'module' || unit.kind === 'class') continue;
      if (!executed.some((l) => l - 1 >= unit.range.start.line && l - 1 <= unit.range.end.line)) continue;
      const hit = ran.has(line + 1);
      if (!best || (hit && !best.ran)) best = { unit, line, ran: hit };
      if (best.ran) return best;
    }
  }
  return best;
}

/**
 * `finding` placed on the change when its failing run went through an edited function, else as
 * it was. A note (the test calls nothing this file defines) becomes an error there: the run
 * executed code this change edited. A placed finding no longer carries `executed`.
 */
export function placeOnChange(finding: RawFinding, units: readonly CodeUnit[], changed: readonly LineRange[], lines: readonly string[]): RawFinding {
  const executed = finding.executed;
  if (!executed || finding.tier !== 'executed' || !changed.length) return finding;
  const edited = editedOnPath(executed.lines, units, changed, lines.length);
  if (!edited) return finding;
  const current = units.find((u) => u.name === executed.unit);
  const onEdit = changed.some((c) => finding.range.start.line >= c.start && finding.range.start.line <= c.end);
  if (current === edited.unit && (onEdit || !edited.ran) && finding.level !== 'note') return finding;
  const name = `\`${edited.unit.name}\``;
  // "It": the test or example the message starts with.
  const why = edited.ran ? `it ran line ${edited.line + 1}, which this change edited` : `it ran ${name}, and this change edited its line ${edited.line + 1}`;
  const before: RelatedLocation[] = !current
    ? []
    : [{ file: finding.file, range: finding.range, message: current === edited.unit ? 'suspicious line (by coverage alone)' : `where coverage alone points: \`${current.name}\`` }];
  const kept = (finding.related ?? []).filter((r) => r.file !== finding.file || !r.message.startsWith('suspicious line') || current === edited.unit);
  const { executed: _, ...rest } = finding;
  return {
    ...rest,
    level: 'error',
    message: `${executed.message} (in ${name}: ${why})`,
    range: lineRangeOf(lines, edited.line),
    related: [...kept, ...before],
  };
}
