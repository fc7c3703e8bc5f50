/**
 * One line per run saying how many model findings were dropped and why, so that "no findings"
 * never hides findings the model did give (a quote not in the code, a field no mapping covers).
 * Budget and confidence-floor drops are by design and stay out of it.
 */
import { plural } from '../text.js';
import type { ModelStats } from './types.js';

const reasonText: Record<string, string> = {
  hallucinated: 'quote not in the code',
  outsideUnit: 'quote outside the code under critique',
  'not-an-object': 'not an object',
  'no-quote': 'no quote',
  'no-message': 'no message',
  'unknown-severity': 'unknown severity',
  'bad-confidence': 'unreadable confidence',
};

/** The notice text for the run's model statistics, or undefined when nothing was dropped. */
export function droppedFindingsSummary(stats: ReadonlyArray<ModelStats | undefined>): string | undefined {
  const counts = new Map<string, number>();
  const add = (reason: string, n: number) => n > 0 && counts.set(reason, (counts.get(reason) ?? 0) + n);
  for (const s of stats) {
    if (!s) continue;
    add('hallucinated', s.hallucinated);
    add('outsideUnit', s.outsideUnit);
    for (const [reason, n] of Object.entries(s.invalid ?? {})) add(reason, n);
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return undefined;
  const why = [...counts].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${n} ${reasonText[r] ?? r}`);
  return `${plural(total, 'model finding')} dropped (${why.join(', ')})`;
}
