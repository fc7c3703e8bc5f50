/**
 * The rewrite request for one round: the unit (redacted), the problems to fix, the evidence about
 * the unit (failing first, passing ones to keep passing), packed context, and the attempts that
 * already failed verification with the reasons they failed.
 */
import { relative, sep } from 'node:path';
import { isAbortError } from '../abort.js';
import type { EvidenceRecord, SourceDocument } from '../evidence/tool.js';
import type { Finding, Range } from '../findings.js';
import { buildRewritePrompt, evidenceFromFinding, requestFor, type EvidenceItem, type RewriteProblem } from '../model/prompt.js';
import type { ModelRequest } from '../model/provider.js';
import { redactSecrets, redactedSlice, type Redaction } from '../model/redact.js';
import { packContext } from '../syntax/contextPack.js';
import type { SyntaxService } from '../syntax/syntaxService.js';
import type { CodeUnit } from '../syntax/units.js';
import type { Logger } from '../types.js';
import { inUnit } from './verify.js';

/** An attempt that failed: the code as the model wrote it (still redacted) and why it failed. */
export interface TriedAttempt {
  code: string;
  reasons: readonly string[];
}

/** The path shown to the model and in diffs: relative to the project, with `/`. */
export function projectPath(doc: SourceDocument): string {
  const rel = relative(doc.projectRoot, doc.path);
  return (rel && !rel.startsWith('..') ? rel : doc.path).split(sep).join('/');
}

const redact = (text: string) => redactSecrets(text).text;

function covered(text: string, range: Range): string {
  const lines = text.split('\n');
  const { start, end } = range;
  if (start.line === end.line) return (lines[start.line] ?? '').slice(start.character, end.character);
  return [(lines[start.line] ?? '').slice(start.character), ...lines.slice(start.line + 1, end.line), (lines[end.line] ?? '').slice(0, end.character)].join('\n');
}

/** A finding as a problem to fix; tool and model findings quote the code they are about. */
function problemOf(doc: SourceDocument, f: Finding): RewriteProblem {
  const quote = f.tier === 'executed' ? '' : covered(doc.text, f.range).trim();
  return { message: redact(f.message), quote: quote && quote.length <= 240 ? redact(quote) : undefined, level: f.level };
}

/** Evidence about the unit: its runs (failing first) and its tool diagnostics (never model opinions). */
function unitEvidence(unitName: string, findings: readonly Finding[], records: readonly EvidenceRecord[]): EvidenceItem[] {
  const items: EvidenceItem[] = [];
  const ordered = records.filter((r) => r.kind !== 'probe' && inUnit(r.unit, unitName)).sort((a, b) => Number(a.status === 'passed') - Number(b.status === 'passed'));
  for (const r of ordered) {
    items.push({
      kind: 'run',
      unit: r.unit,
      what: r.kind,
      status: r.status,
      subject: redact(r.subject),
      expected: r.expected === undefined ? undefined : redact(r.expected),
      actual: r.actual === undefined ? undefined : redact(r.actual),
    });
  }
  for (const f of findings) if (f.tier === 'tool' && inUnit(f.unit, unitName)) items.push(evidenceFromFinding({ ...f, message: redact(f.message) }));
  return items;
}

/** An attempt as the prompt shows it: the code, then why verification refused it. */
function attemptText(t: TriedAttempt): string {
  return `${t.code}\n\n--- verification refused this attempt because ---\n${t.reasons.map((r) => `- ${redact(r)}`).join('\n')}`;
}

export interface RewritePromptInput {
  syntax: SyntaxService;
  doc: SourceDocument;
  redaction: Redaction;
  unit: CodeUnit;
  /** Everything to fix: the unit's tool and executed findings and any model findings given. */
  problems: readonly Finding[];
  /** The baseline check's findings and records (model off). */
  findings: readonly Finding[];
  records: readonly EvidenceRecord[];
  log: Logger;
  signal?: AbortSignal;
}

/** Builds the parts that do not change between rounds once; `request(tried)` makes each round's. */
export async function rewriteRequests(input: RewritePromptInput): Promise<(tried: readonly TriedAttempt[]) => ModelRequest> {
  const { doc, unit } = input;
  let context = '';
  try {
    context = redact((await packContext(input.syntax, doc, [unit], input.signal)).text);
  } catch (err) {
    if (isAbortError(err) || input.signal?.aborted) throw err;
    // A rewrite is still worth asking for without context.
    input.log.debug(`rewrite: no context for ${unit.name} in ${doc.path}: ${(err as Error).message}`);
  }
  const base = {
    language: doc.language,
    file: projectPath(doc),
    unit: { name: unit.name, text: redactedSlice(input.redaction, unit.startIndex, unit.endIndex) },
    findings: input.problems.map((f) => problemOf(doc, f)),
    evidence: unitEvidence(unit.name, input.findings, input.records),
    context,
  };
  return (tried) => requestFor('rewrite', buildRewritePrompt({ ...base, alreadyTried: tried.map(attemptText) }), { signal: input.signal });
}
