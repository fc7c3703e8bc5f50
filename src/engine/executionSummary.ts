/**
 * What was executed for a document: how many examples, tests and probes ran and passed, and
 * which functions no executed evidence reached. Hosts show it next to "no findings", so a green
 * tick never means "we did not look".
 */
import type { EvidenceRecord } from './evidence/tool.js';
import type { CodeUnit } from './syntax/units.js';
import { plural } from './text.js';

export interface EvidenceCount {
  passed: number;
  failed: number;
}

export interface ExecutionSummary {
  examples: EvidenceCount;
  tests: EvidenceCount;
  probes: EvidenceCount;
  /** Related test files found (0 when the tests tool did not run). */
  testFiles: number;
  /** Test files the project's runner would collect that discovery looked at. */
  candidateTestFiles: number;
  /** Functions and methods of the document. */
  functions: number;
  /** Of those, the ones no example, test or probe reached (qualified names). */
  functionsWithoutEvidence: string[];
  /**
   * Which tests the counts are of (`p`/`f` + file, line and name), so a run over several files
   * counts a test once: one test session serves them all, and a package's `__init__.py` is
   * reached by every test of its modules. Not part of any output.
   */
  testIds?: string[];
}

const testId = (r: EvidenceRecord) => `${r.file}\0${r.range.start.line}\0${r.subject}`;

/** Passed and failed counts of distinct tests (`p`/`f`-prefixed ids); a test failing anywhere failed. */
function countTests(ids: Iterable<string>): { count: EvidenceCount; ids: string[] } {
  const status = new Map<string, boolean>();
  for (const id of ids) {
    const key = id.slice(1);
    status.set(key, (status.get(key) ?? true) && id[0] === 'p');
  }
  const out = [...status].map(([k, ok]) => `${ok ? 'p' : 'f'}${k}`);
  const passed = out.filter((id) => id[0] === 'p').length;
  return { count: { passed, failed: out.length - passed }, ids: out };
}

/** An empty summary, to add documents into. */
export function emptyExecutionSummary(): ExecutionSummary {
  return { examples: { passed: 0, failed: 0 }, tests: { passed: 0, failed: 0 }, probes: { passed: 0, failed: 0 }, testFiles: 0, candidateTestFiles: 0, functions: 0, functionsWithoutEvidence: [] };
}

/** The summary of one document's records. */
export function executionSummary(units: readonly CodeUnit[], records: readonly EvidenceRecord[], discovery: { testFiles: number; candidates: number } | undefined): ExecutionSummary {
  const s = emptyExecutionSummary();
  const reached = new Set<string>();
  const tests: string[] = [];
  for (const r of records) {
    reached.add(r.unit);
    if (r.kind === 'test') {
      tests.push(`${r.status === 'passed' ? 'p' : 'f'}${testId(r)}`);
      continue;
    }
    const bucket = r.kind === 'example' ? s.examples : s.probes;
    if (r.status === 'passed') bucket.passed++;
    else bucket.failed++;
  }
  const distinct = countTests(tests);
  s.tests = distinct.count;
  if (distinct.ids.length) s.testIds = distinct.ids;
  const functions = units.filter((u) => u.kind === 'function' || u.kind === 'method');
  s.functions = functions.length;
  // Evidence on a method counts for its class and the other way round only by name: `Cart.total` reached means `Cart.total`.
  s.functionsWithoutEvidence = functions.filter((u) => !reached.has(u.name)).map((u) => u.name);
  s.testFiles = discovery?.testFiles ?? 0;
  s.candidateTestFiles = discovery?.candidates ?? 0;
  return s;
}

/** The summary of a run over several files: each test counted once however many files it ran for. */
export function sumExecutionSummaries(list: readonly ExecutionSummary[]): ExecutionSummary {
  const total = list.reduce(addExecutionSummary, emptyExecutionSummary());
  // Summaries that say which tests they count (all made here do) are merged by test.
  if (!list.every((x) => x.testIds !== undefined || x.tests.passed + x.tests.failed === 0)) return total;
  const { count, ids } = countTests(list.flatMap((x) => x.testIds ?? []));
  return { ...total, tests: count, ...(ids.length ? { testIds: ids } : {}) };
}

/** Adds `b` into `a`, counting the tests of each as different tests (see `sumExecutionSummaries`). */
function addExecutionSummary(a: ExecutionSummary, b: ExecutionSummary): ExecutionSummary {
  const add = (x: EvidenceCount, y: EvidenceCount) => ({ passed: x.passed + y.passed, failed: x.failed + y.failed });
  return {
    examples: add(a.examples, b.examples),
    tests: add(a.tests, b.tests),
    probes: add(a.probes, b.probes),
    testFiles: a.testFiles + b.testFiles,
    candidateTestFiles: a.candidateTestFiles + b.candidateTestFiles,
    functions: a.functions + b.functions,
    functionsWithoutEvidence: [...a.functionsWithoutEvidence, ...b.functionsWithoutEvidence],
  };
}

/** Examples, tests and probes that ran and did not pass. */
export function failedCount(s: ExecutionSummary): number {
  return s.examples.failed + s.tests.failed + s.probes.failed;
}

/** `test_same, test_differ and 3 more`: the failing tests by name, when the summary knows them. */
function failingTests(s: ExecutionSummary, max = 3): string {
  const names = [...new Set((s.testIds ?? []).filter((id) => id[0] === 'f').map((id) => id.split('\0')[2] ?? ''))].filter(Boolean);
  if (!names.length) return '';
  const shown = names.slice(0, max).map((n) => (n.length > 60 ? `${n.slice(0, 59)}…` : n));
  return names.length > max ? `${shown.join(', ')} and ${names.length - max} more` : shown.join(', ');
}

/**
 * One clause for a summary line: `2 examples and 4 tests passed`, `nothing was executed (no
 * examples or related tests found for 3 of 5 functions)`, or both halves when some functions
 * were reached and others not. `off` says why nothing could run at all (execution turned off, no sandbox).
 */
export function describeExecution(s: ExecutionSummary, off?: string): string {
  if (off) return `nothing was executed (${off})`;
  const ran = (['examples', 'tests', 'probes'] as const).filter((k) => s[k].passed + s[k].failed > 0);
  const missing = s.functionsWithoutEvidence.length;
  const gap = s.functions ? `no examples or related tests found for ${missing} of ${plural(s.functions, 'function')}` : 'no examples or related tests found';
  const unrun = s.testFiles > 0 && s.tests.passed + s.tests.failed === 0 ? `${plural(s.testFiles, 'related test file')} found but not run, see the notes` : '';
  if (!ran.length) return `nothing was executed (${unrun || gap})`;
  const noun = { examples: 'example', tests: 'test', probes: 'probe' } as const;
  const parts = ran.map((k) => plural(s[k].passed + s[k].failed, noun[k]));
  const failed = ran.reduce((n, k) => n + s[k].failed, 0);
  const list = parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0]!;
  const names = failed ? failingTests(s) : '';
  const verdict = failed ? `${list} ran, ${failed} did not pass${names ? ` (${names})` : ''}` : `${list} passed`;
  return [verdict, unrun, missing ? gap : ''].filter(Boolean).join('; ');
}
