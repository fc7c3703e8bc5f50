/**
 * The rewrite request for one round: the unit (redacted), the problems to fix, the evidence about
 * the unit (failing first, passing ones to keep passing), packed context, and the attempts that
 * already failed verification with the reasons they failed.
 */
import { displayPath, evidenceFor, redactedContext } from '../critique/critiqueRequest.js';
import type { EvidenceRecord, SourceDocument } from '../evidence/tool.js';
import type { Finding, Range } from '../findings.js';
import { buildRewritePrompt, requestFor, type RewriteProblem } from '../model/prompt.js';
import type { ModelRequest } from '../model/provider.js';
import { redactedSlice, type Redaction } from '../model/redact.js';
import { redactOutgoing } from '../model/secretVault.js';
import type { SyntaxService } from '../syntax/syntaxService.js';
import type { CodeUnit } from '../syntax/units.js';
import type { Logger } from '../types.js';
import { inUnit } from './verify.js';

/** An attempt that failed: the code as the model wrote it (still redacted) and why it failed. */
export interface TriedAttempt {
  code: string;
  reasons: readonly string[];
}

const redact = (text: string) => redactOutgoing(text).text;

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
  const context = await redactedContext(input.syntax, doc, [unit], { n: 0 }, input.log, input.signal);
  const base = {
    language: doc.language,
    file: displayPath(doc),
    unit: { name: unit.name, text: redactedSlice(input.redaction, unit.startIndex, unit.endIndex) },
    findings: input.problems.map((f) => problemOf(doc, f)),
    // The unit's runs and tool diagnostics (never model opinions; probes are the model's own guesses).
    evidence: evidenceFor(
      (u) => inUnit(u, unit.name),
      input.findings.filter((f) => f.tier === 'tool'),
      input.records.filter((r) => r.kind !== 'probe'),
      { n: 0 },
    ),
    context,
  };
  return (tried) => requestFor('rewrite', buildRewritePrompt({ ...base, alreadyTried: tried.map(attemptText) }), { signal: input.signal });
}
