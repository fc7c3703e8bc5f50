/**
 * Reads what Critic knows about a finding from a plain `vscode.Diagnostic`, wherever it came
 * from: today the extension's own DiagnosticCollection, later a language client
 * (vscode-languageclient copies the LSP diagnostic's `data` onto the Diagnostic it publishes).
 * Views built on `vscode.languages.getDiagnostics()` (the findings tree, inline hints) read
 * findings only through this module, so they do not care where the engine runs. No 'vscode'
 * import: the shapes are structural, and the logic is unit-tested in plain Node.
 *
 * The contract with a publisher: `source` is `critic`, `code` is the rule id (a string, or
 * `{ value, target }`), and `data` is `{ tier, unit, confidence, fingerprint? }`.
 */
import type { Tier } from '../engine/findings.js';

export const criticDiagnosticSource = 'critic';

export const findingTiers = ['executed', 'tool', 'model'] as const satisfies readonly Tier[];
export type FindingTier = (typeof findingTiers)[number];

/** What a diagnostic's `data` carries for Critic. */
export interface CriticDiagnosticData {
  tier: FindingTier;
  /** Qualified name of the enclosing function or class (`Cart.total`, `<module>`). */
  unit: string;
  confidence: number;
  fingerprint?: string;
}

/** The structural slice of `vscode.Diagnostic` read here (numbers as in `vscode.DiagnosticSeverity`). */
export interface DiagnosticLike {
  source?: string;
  code?: string | number | { value: string | number };
  message: string;
  severity: number;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  data?: unknown;
}

/** `vscode.DiagnosticSeverity`'s values. */
export const severities = { error: 0, warning: 1, information: 2, hint: 3 } as const;

/** A Critic diagnostic, with tier, unit and confidence resolved. */
export interface CriticFinding extends CriticDiagnosticData {
  rule: string;
  message: string;
  severity: number;
  range: DiagnosticLike['range'];
}

/** The mark a finding shown while its unit is critiqued again carries in its message. */
export const recheckingSuffix = ' (re-checking…)';

/** A finding's message as the views show it: marked while the model reads its unit again. */
export function shownMessage(f: { message: string; rechecking?: boolean }): string {
  return f.rechecking ? `${f.message}${recheckingSuffix}` : f.message;
}

const severityOfLevel = { error: 0, warning: 1, note: 2 } as const;

/** A view's reading of a finding from the store (the same shape as one read from a diagnostic). */
export function criticFindingOfFinding(f: {
  rule: string;
  level: keyof typeof severityOfLevel;
  message: string;
  range: CriticFinding['range'];
  tier: Tier;
  unit: string;
  confidence: number;
  fingerprint: string;
  rechecking?: boolean;
}): CriticFinding {
  return { rule: f.rule, tier: f.tier, unit: f.unit, confidence: f.confidence, fingerprint: f.fingerprint, message: shownMessage(f), severity: severityOfLevel[f.level], range: f.range };
}

/** The data to attach to a diagnostic for a finding (what a publisher puts in `data`). */
export function diagnosticDataOf(f: { tier: Tier; unit: string; confidence: number; fingerprint: string }): CriticDiagnosticData {
  return { tier: f.tier, unit: f.unit, confidence: f.confidence, fingerprint: f.fingerprint };
}

export function ruleOfCode(code: DiagnosticLike['code']): string | undefined {
  if (typeof code === 'string') return code;
  if (typeof code === 'number') return String(code);
  if (code && typeof code === 'object' && (typeof code.value === 'string' || typeof code.value === 'number')) return String(code.value);
  return undefined;
}

const executedRules = /^(doctest-failed|test-failed|exec-[a-z-]+|probe-crashed)$/;

/**
 * The tier when a publisher sent no `data` (an older server): from the rule id, which says how
 * the finding was found (executed runs, model readings and probes, else a deterministic tool).
 */
export function tierOfRule(rule: string): FindingTier {
  if (executedRules.test(rule)) return 'executed';
  if (rule.startsWith('model-') || rule.startsWith('probe-')) return 'model';
  return 'tool';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Critic's reading of a diagnostic, or undefined when it is not Critic's. Untrusted `data` is checked field by field. */
export function criticFindingOf(d: DiagnosticLike): CriticFinding | undefined {
  if (d.source !== criticDiagnosticSource) return undefined;
  const rule = ruleOfCode(d.code);
  if (!rule) return undefined;
  const data = isRecord(d.data) ? d.data : {};
  const tier = (findingTiers as readonly unknown[]).includes(data.tier) ? (data.tier as FindingTier) : tierOfRule(rule);
  const unit = typeof data.unit === 'string' && data.unit ? data.unit : '<module>';
  const confidence = typeof data.confidence === 'number' && data.confidence >= 0 && data.confidence <= 1 ? data.confidence : 1;
  const fingerprint = typeof data.fingerprint === 'string' ? data.fingerprint : undefined;
  return { rule, tier, unit, confidence, ...(fingerprint ? { fingerprint } : {}), message: d.message, severity: d.severity, range: d.range };
}

const tierRank: Record<FindingTier, number> = { executed: 0, tool: 1, model: 2 };

/** Most important first: severity, then the strength of the evidence, then confidence. */
export function compareImportance(a: CriticFinding, b: CriticFinding): number {
  return a.severity - b.severity || tierRank[a.tier] - tierRank[b.tier] || b.confidence - a.confidence;
}
