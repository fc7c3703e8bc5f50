/**
 * The end-of-line hint for `critic.inlineHints` (Error Lens style): which finding of a line is
 * shown, and its short text — for an executed failure what was expected and what happened
 * (`expected 4, got 5`), else the first clause of the message. Pure code, unit-tested.
 */
import { compareImportance, type CriticFinding } from './diagnosticData.js';

export const maxHintLength = 72;

function clip(text: string, max = maxHintLength): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length <= max ? one : `${one.slice(0, max - 1).trimEnd()}…`;
}

/** `returned 5` → `got 5`; `raised X` / `threw X` stay as they are (they say what happened). */
function actualPhrase(verb: string, rest: string): string {
  return verb === 'returned' ? `got ${rest}` : `${verb} ${rest}`;
}

// "Example `add(2, 2)` returned 5, expected 4" (examples), "`f(1)` returned 3, expected 2 — why" (probes).
const callOutcome = /^(?:Example )?`[^\n]*?` (returned|raised|threw) ([\s\S]*), (expected [\s\S]*?)(?: — [\s\S]*)?$/;
// "Test `t` failed: 5 != 4 (expected 4, actual 5)"
const testOutcome = /^Test `([^\n]*?)` (failed|errored): ([\s\S]*?)(?: \(expected ([\s\S]*), actual ([\s\S]*)\))?$/;
// "… did not finish within 5 s (possible infinite loop)"
const timeoutOutcome = /(did not finish within [\d.]+ m?s)/;

// " (in `add`; line 17 is its most suspicious line, …)" / " (in `div`, raised at line 28)": where
// a located failure sits is what the hint's position already shows.
const locatedSuffix = /\s\(in `[^`]+`[,;][^()]*(?:\([^()]*\)[^()]*)*\)$/;

/** The short text of one finding. */
export function hintText(f: Pick<CriticFinding, 'message' | 'tier' | 'rule'>): string {
  const message = (f.message.split('\n')[0] ?? '').replace(locatedSuffix, '');
  if (f.tier === 'executed' || f.rule.startsWith('probe-')) {
    const call = callOutcome.exec(message);
    if (call) return clip(`${call[3]}, ${actualPhrase(call[1]!, call[2]!)}`);
    const test = testOutcome.exec(message);
    if (test) {
      if (test[4] !== undefined) return clip(`expected ${test[4]}, got ${test[5]}`);
      // `TestCalc::test_add` → `test_add failed: 5 != 4`
      const name = test[1]!.split(/::|\./).pop();
      return clip(`${name} ${test[2]}: ${test[3]}`);
    }
    const timeout = timeoutOutcome.exec(message);
    if (timeout) return clip(timeout[1]!);
  }
  return clip(firstClause(message));
}

/** Up to the first sentence or clause break (`. `, `; `, ` — `), keeping code like `a.b` whole. */
export function firstClause(message: string): string {
  const m = /^([\s\S]*?[^.\s])(?:\.\s|;\s|\s—\s|\.$)/.exec(message);
  return (m ? m[1]! : message).trim();
}

/** The finding shown on each line that has any: the most severe, then the best evidence. */
export function worstPerLine<T extends CriticFinding>(findings: readonly T[]): Map<number, T> {
  const out = new Map<number, T>();
  for (const f of findings) {
    const line = f.range.start.line;
    const current = out.get(line);
    if (!current || compareImportance(f, current) < 0) out.set(line, f);
  }
  return out;
}

/**
 * Runs `fn` at most once per `ms`: the first call schedules it, later calls within the window
 * only add their keys. Diagnostics change on every keystroke while a file is re-critiqued; the
 * decorations need not.
 */
export class KeyedThrottle<K> {
  private readonly pending = new Set<K>();
  private timer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly ms: number,
    private readonly fn: (keys: ReadonlySet<K>) => void,
  ) {}

  add(keys: Iterable<K>): void {
    for (const k of keys) this.pending.add(k);
    if (this.timer || !this.pending.size) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const keys = new Set(this.pending);
      this.pending.clear();
      this.fn(keys);
    }, this.ms);
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
