/**
 * JSON schemas of the three model answers and the validators that turn a parsed answer into typed
 * values. The schemas stay inside the subset that OpenAI's strict mode and other servers' grammar
 * engines accept (no min/max keywords: every property required, `additionalProperties: false`);
 * limits such as the confidence range or the number of probes are enforced by the validators.
 */
import type { Level } from '../findings.js';
import { ModelOutputError } from './errors.js';

export const schemaNames = ['critique', 'probes', 'rewrite'] as const;
export type SchemaName = (typeof schemaNames)[number];

export const verdicts = ['correct', 'incorrect', 'uncertain'] as const;
export type Verdict = (typeof verdicts)[number];

export const severities = ['error', 'warning', 'note'] as const satisfies readonly Level[];
export type Severity = (typeof severities)[number];

export const categories = [
  'logic',
  'edge-case',
  'error-handling',
  'security',
  'performance',
  'api-misuse',
  'types',
  'concurrency',
  'resource-leak',
  'style',
] as const;
export type Category = (typeof categories)[number];

/** The most probes one answer may propose; extra ones are ignored. */
export const maxProbes = 6;

export interface CritiqueFinding {
  /** Verbatim code from the unit under critique. */
  quote: string;
  message: string;
  category: Category;
  severity: Severity;
  /** 0..1. */
  confidence: number;
}

/** Why a finding of an answer could not be mapped to the schema (see `normalizeFinding`). */
export type InvalidReason = 'not-an-object' | 'no-quote' | 'no-message' | 'unknown-severity' | 'bad-confidence';

export interface CritiqueAnswer {
  verdict: Verdict;
  findings: CritiqueFinding[];
  /** Findings in the answer that could not be mapped (no quote, no message…) and were skipped. */
  invalidFindings: number;
  /** `invalidFindings`, by reason. */
  invalidReasons: Partial<Record<InvalidReason, number>>;
}

export interface Probe {
  /** One expression calling the unit, in the unit's language. */
  call: string;
  /** The expected result as a literal of the language, or `raises <Error>`. */
  expected: string;
  why: string;
}

export interface ProbesAnswer {
  probes: Probe[];
}

export interface RewriteAnswer {
  code: string;
}

export interface AnswerOf {
  critique: CritiqueAnswer;
  probes: ProbesAnswer;
  rewrite: RewriteAnswer;
}

const str = (description: string) => ({ type: 'string', description });

export const critiqueSchema = {
  type: 'object',
  properties: {
    verdict: { type: 'string', enum: [...verdicts], description: 'incorrect when at least one finding is an error' },
    findings: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          quote: str('exact code copied verbatim from the unit under critique, as short as possible'),
          message: str('what goes wrong, and for which concrete input'),
          category: { type: 'string', enum: [...categories] },
          severity: { type: 'string', enum: [...severities] },
          confidence: { type: 'number', description: 'probability from 0 to 1 that this is a real bug' },
        },
        required: ['quote', 'message', 'category', 'severity', 'confidence'],
        additionalProperties: false,
      },
    },
  },
  required: ['verdict', 'findings'],
  additionalProperties: false,
} as const;

export const probesSchema = {
  type: 'object',
  properties: {
    probes: {
      type: 'array',
      description: `at most ${maxProbes}`,
      items: {
        type: 'object',
        properties: {
          call: str('one expression that calls the unit with concrete arguments'),
          expected: str('the expected result as a source-code literal, or "raises <ErrorName>"'),
          why: str('the behaviour or edge case this call checks'),
        },
        required: ['call', 'expected', 'why'],
        additionalProperties: false,
      },
    },
  },
  required: ['probes'],
  additionalProperties: false,
} as const;

export const rewriteSchema = {
  type: 'object',
  properties: { code: str('the complete revised unit, source code only') },
  required: ['code'],
  additionalProperties: false,
} as const;

/** The schema sent as `response_format.json_schema.schema` for each answer. */
export const schemas: Record<SchemaName, object> = {
  critique: critiqueSchema,
  probes: probesSchema,
  rewrite: rewriteSchema,
};

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function wrongShape(what: string, value: unknown): never {
  throw new ModelOutputError('wrong-shape', `the answer is not the expected shape (${what})`, JSON.stringify(value)?.slice(0, 200) ?? '');
}

function nonEmptyString(v: unknown): v is string {
  return typeof v === 'string' && v.trim() !== '';
}

/**
 * Servers that ignore `response_format` and drifting models bend the schema. Each table maps what
 * they say to the schema's value (keys are lower-case, with spaces and underscores as `-`); what no
 * table maps is dropped and counted. The README lists the mapping.
 */
const severityAliases: Record<string, Severity> = {
  error: 'error', critical: 'error', blocker: 'error', high: 'error', major: 'error', severe: 'error', fatal: 'error', bug: 'error',
  warning: 'warning', warn: 'warning', medium: 'warning', moderate: 'warning', minor: 'warning',
  note: 'note', low: 'note', info: 'note', information: 'note', informational: 'note', suggestion: 'note', hint: 'note', trivial: 'note', nit: 'note', nitpick: 'note',
};

const categoryAliases: Record<string, Category> = {
  correctness: 'logic', bug: 'logic', 'logic-error': 'logic', logical: 'logic', functional: 'logic', functionality: 'logic', semantics: 'logic', algorithm: 'logic', 'off-by-one': 'logic',
  edge: 'edge-case', 'edge-cases': 'edge-case', boundary: 'edge-case', 'boundary-condition': 'edge-case', 'corner-case': 'edge-case', validation: 'edge-case', 'input-validation': 'edge-case', 'null-safety': 'edge-case',
  exception: 'error-handling', exceptions: 'error-handling', errors: 'error-handling', 'exception-handling': 'error-handling', robustness: 'error-handling', reliability: 'error-handling',
  vulnerability: 'security', injection: 'security', safety: 'security',
  perf: 'performance', efficiency: 'performance', complexity: 'performance',
  api: 'api-misuse', 'api-usage': 'api-misuse', misuse: 'api-misuse', usage: 'api-misuse', compatibility: 'api-misuse',
  type: 'types', typing: 'types', 'type-error': 'types', 'type-safety': 'types',
  race: 'concurrency', 'race-condition': 'concurrency', threading: 'concurrency', async: 'concurrency', 'thread-safety': 'concurrency',
  leak: 'resource-leak', 'memory-leak': 'resource-leak', resources: 'resource-leak', resource: 'resource-leak', 'resource-management': 'resource-leak',
  readability: 'style', maintainability: 'style', naming: 'style', 'code-quality': 'style', quality: 'style', documentation: 'style', 'best-practice': 'style', 'best-practices': 'style', design: 'style',
};

/** A confidence given as a word instead of a number. */
const confidenceWords: Record<string, number> = { 'very-high': 0.95, certain: 0.95, high: 0.85, likely: 0.75, medium: 0.6, moderate: 0.6, possible: 0.5, low: 0.3, unlikely: 0.2, 'very-low': 0.1 };

function keyOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v.trim().toLowerCase().replace(/[\s_]+/g, '-') : undefined;
}

/** Accepts the small deviations of models answering without a schema: `"0.8"`, `"80%"`, percentages, words. */
function confidenceOf(v: unknown): number | undefined {
  if (typeof v === 'string') {
    const word = confidenceWords[keyOf(v)!];
    if (word !== undefined) return word;
  }
  const n = typeof v === 'string' ? Number.parseFloat(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return undefined;
  if (n <= 1) return n;
  return n <= 100 ? n / 100 : undefined;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], aliases: Record<string, T> = {}): T | undefined {
  const s = keyOf(v);
  if (s === undefined) return undefined;
  return allowed.find((a) => a === s) ?? (Object.hasOwn(aliases, s) ? aliases[s] : undefined);
}

/** The first of `names` present on `o`: models rename fields (`description` for `message`, `code` for `quote`). */
function field(o: Record<string, unknown>, names: readonly string[]): unknown {
  for (const n of names) if (o[n] !== undefined && o[n] !== null) return o[n];
  return undefined;
}

const quoteFields = ['quote', 'code', 'snippet', 'excerpt', 'evidence', 'line_text', 'source'];
const messageFields = ['message', 'description', 'explanation', 'issue', 'problem', 'comment', 'reason', 'details', 'text', 'summary', 'title'];
const severityFields = ['severity', 'level', 'priority', 'impact'];
const categoryFields = ['category', 'type', 'kind', 'rule'];
const findingsFields = ['findings', 'issues', 'problems', 'bugs', 'comments', 'results'];

/** One finding mapped to the schema, or the reason it cannot be. A missing confidence is the floor's neighbour (0.5), as a missing verdict is derived. */
export function normalizeFinding(f: unknown): CritiqueFinding | InvalidReason {
  if (!isObject(f)) return 'not-an-object';
  const quote = field(f, quoteFields);
  const message = field(f, messageFields);
  if (!nonEmptyString(quote)) return 'no-quote';
  if (!nonEmptyString(message)) return 'no-message';
  const rawSeverity = field(f, severityFields);
  const severity = rawSeverity === undefined ? 'warning' : oneOf(rawSeverity, severities, severityAliases);
  if (!severity) return 'unknown-severity';
  const rawConfidence = field(f, ['confidence', 'probability', 'certainty', 'score']);
  const confidence = rawConfidence === undefined ? 0.5 : confidenceOf(rawConfidence);
  if (confidence === undefined) return 'bad-confidence';
  // An unknown category is not worth losing a finding over.
  return { quote, message: message.trim(), category: oneOf(field(f, categoryFields), categories, categoryAliases) ?? 'logic', severity, confidence };
}

export function validateCritique(value: unknown): CritiqueAnswer {
  // A bare array of findings, or findings under another name, is still an answer.
  const obj: Record<string, unknown> | undefined = Array.isArray(value) ? { findings: value } : isObject(value) ? value : undefined;
  if (!obj) wrongShape('expected an object', value);
  const list = field(obj, findingsFields) ?? (obj.verdict !== undefined ? [] : undefined);
  if (!Array.isArray(list)) wrongShape('"findings" must be an array', value);
  const findings: CritiqueFinding[] = [];
  const invalidReasons: Partial<Record<InvalidReason, number>> = {};
  let invalidFindings = 0;
  for (const f of list) {
    const n = normalizeFinding(f);
    if (typeof n === 'string') {
      invalidFindings++;
      invalidReasons[n] = (invalidReasons[n] ?? 0) + 1;
    } else findings.push(n);
  }
  const rawVerdict = obj.verdict ?? obj.status ?? obj.result;
  let verdict = oneOf(rawVerdict, verdicts, { ok: 'correct', pass: 'correct', passed: 'correct', fine: 'correct', buggy: 'incorrect', bug: 'incorrect', fail: 'incorrect', failed: 'incorrect', wrong: 'incorrect', unsure: 'uncertain', unknown: 'uncertain' });
  if (!verdict && rawVerdict !== undefined && typeof rawVerdict !== 'string') wrongShape('"verdict" must be correct, incorrect or uncertain', value);
  // A missing or unrecognised verdict is derived from the findings: the findings are what is shown.
  verdict ??= findings.some((f) => f.severity === 'error') ? 'incorrect' : findings.length === 0 ? 'correct' : 'uncertain';
  if (verdict === 'correct' && findings.some((f) => f.severity === 'error')) verdict = 'incorrect';
  return { verdict, findings, invalidFindings, invalidReasons };
}

export function validateProbes(value: unknown): ProbesAnswer {
  if (!isObject(value) || !Array.isArray(value.probes)) wrongShape('expected {"probes": [...]}', value);
  const probes: Probe[] = [];
  for (const p of value.probes) {
    if (!isObject(p) || !nonEmptyString(p.call) || typeof p.expected !== 'string') continue;
    probes.push({ call: p.call.trim(), expected: p.expected.trim(), why: typeof p.why === 'string' ? p.why.trim() : '' });
    if (probes.length === maxProbes) break;
  }
  return { probes };
}

export function validateRewrite(value: unknown): RewriteAnswer {
  if (!isObject(value) || !nonEmptyString(value.code)) wrongShape('expected {"code": "..."} with non-empty code', value);
  // Models sometimes wrap the code in a Markdown fence even inside JSON.
  const fenced = /^\s*```[\w+-]*[ \t]*\r?\n([\s\S]*?)\r?\n?```\s*$/.exec(value.code);
  return { code: fenced ? fenced[1]! : value.code };
}

/** Validates a parsed answer for `name`; throws ModelOutputError('wrong-shape') when it does not fit. */
export function validateAnswer<N extends SchemaName>(name: N, value: unknown): AnswerOf[N] {
  const validators: { [K in SchemaName]: (v: unknown) => AnswerOf[K] } = {
    critique: validateCritique,
    probes: validateProbes,
    rewrite: validateRewrite,
  };
  return validators[name](value) as AnswerOf[N];
}
