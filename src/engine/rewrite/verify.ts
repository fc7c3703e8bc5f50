/**
 * Verification of a rewrite by the same tools that found the problems: a candidate is accepted
 * only when it is better and no worse (GUIDE §1) —
 *   - every example and test of the unit that failed now passes, and every one that passed, in the
 *     whole file, still passes (records are matched by kind and subject: an example whose text
 *     changed counts as gone, so a rewrite cannot pass by editing its own examples);
 *   - the tool findings it targeted are gone, and static tools report no new error anywhere in the
 *     file (compared by tool, rule and message, not by position, since a rewrite moves lines);
 *   - no execution error remains in the unit or appears elsewhere, and every tool that ran before
 *     still ran;
 *   - every probe of the unit (a call the model proposed, with its expected value, that the sandbox
 *     ran during the critique) that failed now passes, and every one that passed still passes —
 *     so a finding a probe found can be fixed by a verified rewrite;
 *   - and something the tools can observe got better. Model findings alone cannot be checked, so a
 *     rewrite that only addresses them is never verified (it is `unverified`, with its reasons).
 */
import type { CheckResult } from '../pipeline.js';
import type { EvidenceRecord } from '../evidence/tool.js';
import { oneLine } from '../text.js';
import type { Finding, Level } from '../findings.js';
import { plural } from '../text.js';

/** What happened to one example or test between the original and the candidate. */
export interface EvidenceOutcome {
  kind: 'example' | 'test' | 'probe';
  unit: string;
  subject: string;
  before: EvidenceRecord['status'];
  /** `missing`: it did not run on the candidate (the example changed, the module failed to import). */
  after: EvidenceRecord['status'] | 'missing';
  expected?: string;
  actual?: string;
}

export interface EvidenceTally {
  /** How many the unit had before the rewrite. */
  total: number;
  passing: number;
  fixed: number;
  stillFailing: EvidenceOutcome[];
  /** Passed before, fail (or no longer run) now. */
  broken: EvidenceOutcome[];
}

/** A finding, reduced to what a summary and a comparison need. */
export interface DiagnosticRef {
  source: string;
  rule: string;
  level: Level;
  message: string;
  /** 1-based. */
  line: number;
  unit: string;
}

export interface Verification {
  verified: boolean;
  examples: EvidenceTally;
  tests: EvidenceTally;
  /** The unit's probes re-run on the candidate (total 0 when none were given). */
  probes: EvidenceTally;
  /** Examples and tests of other units that passed before and do not now. */
  brokenElsewhere: EvidenceOutcome[];
  /** Error-level tool findings that were not there before (anywhere in the file). */
  newDiagnostics: DiagnosticRef[];
  /** Warning-level tool findings that were not there before: reported, not blocking. */
  newWarnings: DiagnosticRef[];
  /** The tool findings of the unit the rewrite was asked to fix. */
  targets: { total: number; fixed: number; remaining: DiagnosticRef[] };
  /** Execution errors not tied to an example or test: left in the unit, or new anywhere. */
  executed: DiagnosticRef[];
  /** Tools that ran on the original but not on the candidate. */
  toolsNotRun: string[];
  /** Targets no tool can confirm are fixed (model findings). */
  uncheckable: number;
  /** The unit has no examples, tests or probes: only static tools could judge. */
  staticOnly: boolean;
  /** Improvements minus regressions: how rounds are compared. */
  score: number;
  summary: string;
}

/** What the candidate is compared with: the original's check (model off) and the targeted findings. */
export interface Baseline {
  result: CheckResult;
  unitName: string;
  /** The findings of the unit the rewrite must fix that the tools can re-check (tool and executed tiers). */
  targets: readonly Finding[];
  /** How many targets no tool can re-check (model findings no probe backs). */
  uncheckable: number;
  /**
   * The unit's probe records from the critique (with the model on) that the candidate is re-run
   * against; the candidate's re-run records are merged into its CheckResult's records.
   */
  probes?: readonly EvidenceRecord[];
}

export function inUnit(name: string, unitName: string): boolean {
  return name === unitName || name.startsWith(`${unitName}.`);
}

function recordKey(r: EvidenceRecord): string {
  // An example is what it runs and what it expects; a test is its name (its assertion output varies).
  if (r.kind === 'probe') return `probe\0${r.unit}\0${r.subject}\0${r.expected ?? ''}`;
  return r.kind === 'example' ? `example\0${r.file}\0${r.subject}\0${r.expected ?? ''}` : `${r.kind}\0${r.file}\0${r.subject}`;
}

function findingKey(f: Pick<Finding, 'source' | 'rule' | 'message'>): string {
  return `${f.source}\0${f.rule}\0${f.message}`;
}

function ref(f: Finding): DiagnosticRef {
  return { source: f.source, rule: f.rule, level: f.level, message: f.message, line: f.range.start.line + 1, unit: f.unit };
}

/** A multiset of keys: `take` removes one occurrence and says whether there was one. */
class Bag<T> {
  private readonly items = new Map<string, T[]>();
  constructor(values: Iterable<T>, key: (v: T) => string) {
    for (const v of values) this.items.set(key(v), [...(this.items.get(key(v)) ?? []), v]);
  }
  take(key: string): T | undefined {
    return this.items.get(key)?.shift();
  }
}

/** Rules whose findings an example or test record already describes. */
const recordRules = new Set(['doctest-failed', 'test-failed', 'exec-timeout', 'exec-limit', 'exec-crashed']);

/** Whether an executed finding is the report of a failing record (its message quotes the subject). */
function explainedByRecord(f: Finding, records: readonly EvidenceRecord[]): boolean {
  return recordRules.has(f.rule) && records.some((r) => r.status !== 'passed' && f.message.includes(`\`${oneLine(r.subject, 80)}\``));
}

function emptyTally(): EvidenceTally {
  return { total: 0, passing: 0, fixed: 0, stillFailing: [], broken: [] };
}

function tally(t: EvidenceTally, o: EvidenceOutcome): void {
  const passesNow = o.after === 'passed';
  t.total++;
  if (passesNow) t.passing++;
  if (o.before !== 'passed' && passesNow) t.fixed++;
  if (o.before !== 'passed' && !passesNow) t.stillFailing.push(o);
  if (o.before === 'passed' && !passesNow) t.broken.push(o);
}

/** Compares the candidate's check with the baseline; see the module comment for the rules. */
export function verifyCandidate(baseline: Baseline, candidate: CheckResult): Verification {
  const { unitName } = baseline;
  const before = baseline.result;
  const tallies = { example: emptyTally(), test: emptyTally(), probe: emptyTally() };
  const brokenElsewhere: EvidenceOutcome[] = [];
  const after = new Bag(candidate.records.filter((r) => r.kind !== 'probe'), recordKey);
  const probesAfter = new Bag(candidate.records.filter((r) => r.kind === 'probe'), recordKey);
  for (const r of baseline.probes ?? []) {
    if (!inUnit(r.unit, unitName)) continue;
    const now = probesAfter.take(recordKey(r));
    tally(tallies.probe, { kind: 'probe', unit: r.unit, subject: r.subject, before: r.status, after: now?.status ?? 'missing', expected: r.expected, actual: now?.actual });
  }
  for (const r of before.records) {
    if (r.kind === 'probe') continue;
    const now = after.take(recordKey(r));
    const outcome: EvidenceOutcome = { kind: r.kind, unit: r.unit, subject: r.subject, before: r.status, after: now?.status ?? 'missing', expected: now?.expected ?? r.expected, actual: now?.actual };
    const passesNow = outcome.after === 'passed';
    if (!inUnit(r.unit, unitName)) {
      if (r.status === 'passed' && !passesNow) brokenElsewhere.push(outcome);
      continue;
    }
    tally(tallies[r.kind], outcome);
  }

  const tool = (r: CheckResult) => r.findings.filter((f) => f.tier === 'tool');
  const known = new Bag(tool(before), findingKey);
  const fresh = tool(candidate).filter((f) => !known.take(findingKey(f)));
  const newDiagnostics = fresh.filter((f) => f.level === 'error').map(ref);
  const newWarnings = fresh.filter((f) => f.level === 'warning').map(ref);

  const toolTargets = baseline.targets.filter((f) => f.tier === 'tool');
  const stillThere = new Bag(tool(candidate).filter((f) => inUnit(f.unit, unitName)), findingKey);
  const remaining = toolTargets.filter((f) => stillThere.take(findingKey(f))).map(ref);

  const unexplained = (r: CheckResult) => r.findings.filter((f) => f.tier === 'executed' && f.level === 'error' && !explainedByRecord(f, r.records));
  const executedKey = (f: Finding) => `${f.rule}\0${f.unit}\0${f.message}`;
  const executedBefore = unexplained(before);
  const beforeKeys = new Bag(executedBefore, executedKey);
  const executedNow = unexplained(candidate);
  const executed = executedNow.filter((f) => inUnit(f.unit, unitName) || !beforeKeys.take(executedKey(f))).map(ref);
  const nowKeys = new Bag(executedNow, executedKey);
  const fixedExecuted = executedBefore.filter((f) => inUnit(f.unit, unitName) && !nowKeys.take(executedKey(f))).length;

  const ranBefore = new Set(before.notices.map((n) => n.tool));
  const toolsNotRun = [...new Set(candidate.notices.map((n) => n.tool).filter((t) => !ranBefore.has(t)))];

  const examples = tallies.example;
  const tests = tallies.test;
  const probes = tallies.probe;
  const improvements = examples.fixed + tests.fixed + probes.fixed + (toolTargets.length - remaining.length) + fixedExecuted;
  const newExecuted = executed.filter((e) => !executedBefore.some((f) => executedKey(f) === `${e.rule}\0${e.unit}\0${e.message}`)).length;
  const regressions = examples.broken.length + tests.broken.length + probes.broken.length + brokenElsewhere.length + newDiagnostics.length + newExecuted + toolsNotRun.length;
  const verified =
    improvements > 0 &&
    examples.stillFailing.length + tests.stillFailing.length + probes.stillFailing.length === 0 &&
    remaining.length === 0 &&
    executed.length === 0 &&
    regressions === 0;
  const v: Verification = {
    verified,
    examples,
    tests,
    probes,
    brokenElsewhere,
    newDiagnostics,
    newWarnings,
    targets: { total: toolTargets.length, fixed: toolTargets.length - remaining.length, remaining },
    executed,
    toolsNotRun,
    uncheckable: baseline.uncheckable,
    staticOnly: examples.total + tests.total + probes.total === 0,
    score: improvements - regressions,
    summary: '',
  };
  v.summary = verificationSummary(v);
  return v;
}


/** One failing example or test in words: what ran, what came out, what was expected. */
export function outcomeText(o: EvidenceOutcome): string {
  const what = o.kind === 'example' ? `\`${oneLine(o.subject, 60)}\`` : `${o.kind} \`${oneLine(o.subject, 60)}\``;
  const actual = o.actual === undefined ? undefined : oneLine(o.actual, 80);
  const expected = o.expected === undefined ? undefined : oneLine(o.expected, 80);
  switch (o.after) {
    case 'missing':
      return `${what} no longer runs (changed or removed, or the module does not import)`;
    case 'timeout':
      return `${what} timed out`;
    case 'limit':
      return `${what} hit a resource limit`;
    case 'error':
      return `${what} raised ${actual ?? 'an error'}`;
    default:
      if (o.kind !== 'test') return `${what} returned ${actual || 'nothing'}${expected !== undefined ? `, expected ${expected}` : ''}`;
      return `${what} failed${actual !== undefined && expected !== undefined ? ` (expected ${expected}, actual ${actual})` : actual ? `: ${actual}` : ''}`;
  }
}

function diagnosticText(d: DiagnosticRef): string {
  return `${d.rule} ${oneLine(d.message, 100)} (line ${d.line})`;
}

function listed(items: readonly string[], max = 3): string {
  const shown = items.slice(0, max).join('; ');
  return items.length > max ? `${shown}; and ${items.length - max} more` : shown;
}

function tallyText(t: EvidenceTally, noun: string): string {
  const details: string[] = [];
  if (t.fixed) details.push(`${t.fixed} fixed`);
  if (t.stillFailing.length) details.push(`${t.stillFailing.length} still failing: ${listed(t.stillFailing.map(outcomeText))}`);
  if (t.broken.length) details.push(`${t.broken.length} broken: ${listed(t.broken.map(outcomeText))}`);
  return `${t.passing}/${t.total} ${noun}s pass${details.length ? ` (${details.join(', ')})` : ''}`;
}

/** "3/3 examples pass (2 fixed), 1/1 tests pass, 0 new diagnostics", and what is wrong when not verified. */
export function verificationSummary(v: Verification): string {
  const parts: string[] = [];
  if (v.examples.total) parts.push(tallyText(v.examples, 'example'));
  if (v.tests.total) parts.push(tallyText(v.tests, 'test'));
  if (v.probes.total) parts.push(tallyText(v.probes, 'probe'));
  if (v.staticOnly) parts.push('no examples or tests to run');
  if (v.brokenElsewhere.length) parts.push(`${plural(v.brokenElsewhere.length, 'example or test')} of other units broken: ${listed(v.brokenElsewhere.map(outcomeText))}`);
  if (v.targets.total) {
    parts.push(`${v.targets.fixed}/${plural(v.targets.total, 'targeted diagnostic')} gone${v.targets.remaining.length ? ` (still reported: ${listed(v.targets.remaining.map(diagnosticText))})` : ''}`);
  }
  if (v.executed.length) parts.push(`${plural(v.executed.length, 'execution error')}: ${listed(v.executed.map(diagnosticText))}`);
  parts.push(`${plural(v.newDiagnostics.length, 'new diagnostic')}${v.newDiagnostics.length ? `: ${listed(v.newDiagnostics.map(diagnosticText))}` : ''}`);
  if (v.newWarnings.length) parts.push(`${plural(v.newWarnings.length, 'new warning')}: ${listed(v.newWarnings.map(diagnosticText))}`);
  if (v.toolsNotRun.length) parts.push(`could not run on the rewrite: ${v.toolsNotRun.join(', ')}`);
  if (v.uncheckable) parts.push(`${plural(v.uncheckable, 'model finding')} cannot be checked by tools`);
  if (v.verified && v.staticOnly) parts.push('verified by static tools only');
  if (!v.verified && v.score <= 0 && v.examples.fixed + v.tests.fixed + v.probes.fixed + v.targets.fixed === 0 && !v.examples.stillFailing.length && !v.tests.stillFailing.length && !v.probes.stillFailing.length && !v.targets.remaining.length && !v.executed.length) {
    parts.push('nothing the tools can check got better');
  }
  return parts.join(', ');
}
