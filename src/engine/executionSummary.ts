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
}

/** An empty summary, to add documents into. */
export function emptyExecutionSummary(): ExecutionSummary {
  return { examples: { passed: 0, failed: 0 }, tests: { passed: 0, failed: 0 }, probes: { passed: 0, failed: 0 }, testFiles: 0, candidateTestFiles: 0, functions: 0, functionsWithoutEvidence: [] };
}

/** The summary of one document's records. */
export function executionSummary(units: readonly CodeUnit[], records: readonly EvidenceRecord[], discovery: { testFiles: number; candidates: number } | undefined): ExecutionSummary {
  const s = emptyExecutionSummary();
  const reached = new Set<string>();
  for (const r of records) {
    const bucket = r.kind === 'example' ? s.examples : r.kind === 'test' ? s.tests : s.probes;
    if (r.status === 'passed') bucket.passed++;
    else bucket.failed++;
    reached.add(r.unit);
  }
  const functions = units.filter((u) => u.kind === 'function' || u.kind === 'method');
  s.functions = functions.length;
  // Evidence on a method counts for its class and the other way round only by name: `Cart.total` reached means `Cart.total`.
  s.functionsWithoutEvidence = functions.filter((u) => !reached.has(u.name)).map((u) => u.name);
  s.testFiles = discovery?.testFiles ?? 0;
  s.candidateTestFiles = discovery?.candidates ?? 0;
  return s;
}

/** Adds `b` into `a` (for a run over several files). */
export function addExecutionSummary(a: ExecutionSummary, b: ExecutionSummary): ExecutionSummary {
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
  const verdict = failed ? `${list} ran, ${failed} did not pass` : `${list} passed`;
  return [verdict, unrun, missing ? gap : ''].filter(Boolean).join('; ');
}
