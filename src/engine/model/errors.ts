/** The ways a critic model call can fail, each with one actionable line for the user. */

export const modelErrorKinds = [
  /** Connection refused, DNS failure, or a base URL that does not serve the API. */
  'unreachable',
  /** No complete answer within `model.timeoutMs`. */
  'timeout',
  /** 401/403: the API key was rejected. */
  'auth',
  /** 404 naming the model. */
  'model-not-found',
  /** The prompt does not fit the model's context window. */
  'context-too-long',
  /** 429 after the client's retries. */
  'rate-limited',
  /** 5xx after the client's retries. */
  'server',
  /** Any other 4xx: the server refused the request itself. */
  'request-rejected',
  /** The answer was truncated, not JSON, or not the expected shape. */
  'bad-output',
] as const;
export type ModelErrorKind = (typeof modelErrorKinds)[number];

/**
 * A critic model call that failed. `message` is one line: what happened, what it affects, what to
 * do. Cancellation is never a ModelError: it surfaces as an AbortError (see abort.ts).
 */
export class ModelError extends Error {
  /** HTTP status when the server answered. */
  readonly status: number | undefined;

  constructor(
    readonly kind: ModelErrorKind,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message.replace(/\s*[\r\n]+\s*/g, ' '), options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModelError';
    this.status = options?.status;
  }
}

export type OutputProblem = 'truncated' | 'invalid-json' | 'wrong-shape' | 'refused' | 'empty';

/**
 * The model answered, but not with usable JSON. The caller counts these per run and moves on; they
 * are never a crash. `excerpt` is the start of the answer, for debug logs.
 */
export class ModelOutputError extends ModelError {
  constructor(
    readonly problem: OutputProblem,
    detail: string,
    readonly excerpt = '',
  ) {
    super('bad-output', detail);
    this.name = 'ModelOutputError';
  }
}
