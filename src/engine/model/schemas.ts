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

export interface CritiqueAnswer {
  verdict: Verdict;
  findings: CritiqueFinding[];
  /** Findings in the answer that were unusable (no quote, no message) and were skipped. */
  invalidFindings: number;
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

/** Accepts the small deviations of models answering without a schema: case, `"0.8"`, percentages. */
function confidenceOf(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number.parseFloat(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return undefined;
  if (n <= 1) return n;
  return n <= 100 ? n / 100 : undefined;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[]): T | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim().toLowerCase().replace(/[\s_]+/g, '-');
  return allowed.find((a) => a === s);
}

export function validateCritique(value: unknown): CritiqueAnswer {
  if (!isObject(value)) wrongShape('expected an object', value);
  if (!Array.isArray(value.findings)) wrongShape('"findings" must be an array', value);
  let verdict = oneOf(value.verdict, verdicts);
  if (!verdict) wrongShape('"verdict" must be correct, incorrect or uncertain', value);
  const findings: CritiqueFinding[] = [];
  let invalidFindings = 0;
  for (const f of value.findings) {
    const confidence = isObject(f) ? confidenceOf(f.confidence) : undefined;
    const severity = isObject(f) ? oneOf(f.severity, severities) : undefined;
    if (!isObject(f) || !nonEmptyString(f.quote) || !nonEmptyString(f.message) || confidence === undefined || !severity) {
      invalidFindings++;
      continue;
    }
    // An unknown category is not worth losing a finding over.
    findings.push({ quote: f.quote, message: f.message.trim(), category: oneOf(f.category, categories) ?? 'logic', severity, confidence });
  }
  if (verdict === 'correct' && findings.some((f) => f.severity === 'error')) verdict = 'incorrect';
  return { verdict, findings, invalidFindings };
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
