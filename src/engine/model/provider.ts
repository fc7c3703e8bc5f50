/**
 * The critic model port and its implementation over any OpenAI-compatible endpoint.
 *
 * The engine depends only on `CriticModel`, so a host can implement it with other models (VS Code's
 * language models) without the `openai` package. The OpenAI implementation asks for structured
 * output (`response_format: json_schema`), falls back to JSON-in-text for servers that reject it,
 * validates every answer, and turns each failure into one actionable ModelError.
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, OpenAI } from 'openai';
import type { ChatCompletion, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { AbortError, throwIfAborted } from '../abort.js';
import type { Logger } from '../types.js';
import { ModelError, ModelOutputError } from './errors.js';
import { extractJson } from './jsonText.js';
import { redactOutgoing } from './secretVault.js';
import { fetchWithCancellableRetryWaits, retryAfterMs } from './retryFetch.js';
import { validateAnswer, type SchemaName } from './schemas.js';

export interface ModelRequest {
  schemaName: SchemaName;
  /** Normally `schemas[schemaName]` from schemas.ts. */
  schema: object;
  system: string;
  user: string;
  signal?: AbortSignal;
  maxTokens?: number;
}

export interface ModelReply {
  /** The validated answer: `AnswerOf[schemaName]` from schemas.ts. */
  json: unknown;
  /** The raw text of the answer. */
  text: string;
  usage?: { promptTokens: number; completionTokens: number };
  /** False when the server rejected `response_format` and the JSON was taken from free text. */
  structured: boolean;
}

/**
 * A critic model. `complete` resolves with a validated answer or rejects with a ModelError
 * (ModelOutputError for unusable output) or, when `signal` aborts, an AbortError.
 */
export interface CriticModel {
  readonly id: string;
  complete(req: ModelRequest): Promise<ModelReply>;
}

export interface OpenAiModelOptions {
  model: string;
  /** Default: `https://api.openai.com/v1`. The `OPENAI_BASE_URL` variable is not read here; hosts pass it. */
  baseUrl?: string;
  /** Absent for local servers that need none. The `OPENAI_API_KEY` variable is not read here; hosts pass it. */
  apiKey?: string;
  /** Bounds one `complete` call as a whole: every attempt, retry wait and the reading of the body. */
  timeoutMs: number;
  /** Retries of 429, 5xx and connection errors, with the client's own backoff and `Retry-After`. */
  maxRetries: number;
  log: Logger;
}

const defaultBaseUrl = 'https://api.openai.com/v1';

/** The instruction that replaces `response_format` for servers without structured output. */
export function jsonInstruction(schema: object): string {
  return [
    'Answer with one JSON object and nothing else: no Markdown fence, no prose before or after it.',
    `It must match this JSON schema: ${JSON.stringify(schema)}`,
  ].join('\n');
}

/**
 * The redaction choke point: every CriticModel implementation sends only what this returns. Both
 * messages lose every pattern match and every secret value seen so far in any file Critic read
 * (secretVault.ts), whatever part of the prompt they are in.
 */
export function redactRequest(req: ModelRequest): ModelRequest & { redactedSecrets: number } {
  const system = redactOutgoing(req.system);
  const user = redactOutgoing(req.user);
  return { ...req, system: system.text, user: user.text, redactedSecrets: system.count + user.count };
}

/** Links the caller's signal and our deadline; `timedOut` tells the two apart afterwards. */
class CallScope {
  private readonly controller = new AbortController();
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly onAbort = () => this.controller.abort();
  timedOut = false;

  constructor(
    private readonly outer: AbortSignal | undefined,
    timeoutMs: number,
  ) {
    outer?.addEventListener('abort', this.onAbort, { once: true });
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort();
    }, timeoutMs);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Settles as soon as the scope aborts, even while the client sleeps before a retry. */
  race<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new AbortError());
      if (this.signal.aborted) onAbort();
      this.signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (v) => {
          this.signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        (e: unknown) => {
          this.signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onAbort);
  }
}

/** The server's own words, shortened to fit in one line; servers sometimes echo (part of) the key. */
function serverDetail(err: APIError): string {
  const e = err.error as { message?: unknown } | undefined;
  const text = typeof e?.message === 'string' ? e.message : err.message.replace(/^\d{3}\s*/, '');
  const line = redactOutgoing(text).text.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

const contextTooLongPattern = /context[_ ]length|context window|maximum context|too many tokens|prompt is too long|input is too long|exceeds? the (?:model'?s? )?(?:maximum|max|context)/i;

class OpenAiCriticModel implements CriticModel {
  readonly id: string;
  private readonly client: OpenAI;
  private readonly host: string;
  private readonly baseUrl: string;
  /** Learned from the server's refusals and kept for later calls to this model. */
  private structured = true;
  private sendTemperature = true;
  private tokensParam: 'max_tokens' | 'max_completion_tokens' = 'max_tokens';

  constructor(private readonly opts: OpenAiModelOptions) {
    this.id = opts.model;
    this.baseUrl = (opts.baseUrl ?? defaultBaseUrl).replace(/\/+$/, '');
    this.host = new URL(this.baseUrl).host;
    const log = opts.log;
    this.client = new OpenAI({
      baseURL: this.baseUrl,
      // The client refuses to start without a key; local servers ignore this one.
      apiKey: opts.apiKey ?? 'not-needed',
      // Never send the user's OpenAI organisation or project ids (read from the environment) elsewhere.
      organization: null,
      project: null,
      timeout: Math.max(1, Math.round(opts.timeoutMs)),
      maxRetries: opts.maxRetries,
      fetch: fetchWithCancellableRetryWaits(opts.maxRetries, Math.min(opts.timeoutMs, 30_000)),
      logLevel: 'info',
      logger: { error: (m) => log.debug(`openai: ${m}`), warn: (m) => log.debug(`openai: ${m}`), info: (m) => log.debug(`openai: ${m}`), debug: () => {} },
    });
  }

  async complete(input: ModelRequest): Promise<ModelReply> {
    throwIfAborted(input.signal);
    const req = redactRequest(input);
    if (req.redactedSecrets) this.opts.log.debug(`model ${this.id}: redacted ${req.redactedSecrets} secret(s) from the prompt`);
    const scope = new CallScope(input.signal, this.opts.timeoutMs);
    try {
      // Each refusal of a parameter (response_format, temperature, max_tokens) is learned once and retried.
      for (let attempt = 0; ; attempt++) {
        const structured = this.structured;
        let completion: ChatCompletion;
        try {
          completion = await scope.race(
            this.client.chat.completions.create(this.body(req), { signal: scope.signal, timeout: Math.max(1, Math.round(this.opts.timeoutMs)), maxRetries: this.opts.maxRetries }),
          );
        } catch (err) {
          if (input.signal?.aborted) throw new AbortError();
          if (scope.timedOut) throw this.timeoutError(err);
          if (attempt < 3 && err instanceof APIError && this.adapt(err, req)) continue;
          throw this.classify(err, req);
        }
        return this.reply(completion, req.schemaName, structured);
      }
    } finally {
      scope.dispose();
    }
  }

  private body(req: ModelRequest): ChatCompletionCreateParamsNonStreaming {
    const system = this.structured ? req.system : `${req.system}\n\n${jsonInstruction(req.schema)}`;
    const body: ChatCompletionCreateParamsNonStreaming = {
      model: this.opts.model,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: req.user },
      ],
    };
    if (this.structured) {
      body.response_format = { type: 'json_schema', json_schema: { name: req.schemaName, schema: req.schema as Record<string, unknown>, strict: true } };
    }
    if (this.sendTemperature) body.temperature = 0;
    if (req.maxTokens) body[this.tokensParam] = req.maxTokens;
    return body;
  }

  /** Learns from a 400/422 that refuses one of our optional parameters; true when worth retrying. */
  private adapt(err: APIError, req: ModelRequest): boolean {
    if (err.status !== 400 && err.status !== 422) return false;
    const text = `${err.message} ${err.code ?? ''}`;
    const param = err.param ?? '';
    if (err.code === 'context_length_exceeded' || contextTooLongPattern.test(text)) return false;
    if (this.sendTemperature && (param === 'temperature' || /\btemperature\b/i.test(text))) {
      this.sendTemperature = false;
      this.opts.log.info(`model ${this.id}: ${this.host} does not accept temperature 0; using the model's default`);
      return true;
    }
    if (req.maxTokens && this.tokensParam === 'max_tokens' && (param === 'max_tokens' || /\bmax_tokens\b/.test(text))) {
      this.tokensParam = 'max_completion_tokens';
      return true;
    }
    if (this.structured && (err.status === 422 || param === 'response_format' || /response_format|json_schema|structured output|not supported|unsupported/i.test(text))) {
      this.structured = false;
      this.opts.log.info(`model ${this.id}: ${this.host} does not accept response_format (${serverDetail(err)}); asking for JSON in the text from now on`);
      return true;
    }
    return false;
  }

  private timeoutError(cause: unknown): ModelError {
    const seconds = Math.round(this.opts.timeoutMs / 100) / 10;
    return new ModelError(
      'timeout',
      `Critic model ${this.id} at ${this.host} did not answer within ${seconds} s; this request gets no model findings — raise model.timeoutMs or use a faster model.`,
      { cause },
    );
  }

  private classify(err: unknown, req: ModelRequest): unknown {
    if (err instanceof ModelError) return err;
    if (err instanceof APIConnectionTimeoutError) return this.timeoutError(err);
    if (err instanceof APIConnectionError) {
      const code = connectionCode(err);
      return new ModelError(
        'unreachable',
        `Cannot reach the critic model server at ${this.baseUrl} (${code ?? 'connection failed'}); model findings are skipped — start the server or fix model.baseUrl.`,
        { cause: err },
      );
    }
    if (!(err instanceof APIError) || err.status === undefined) return err;
    const status = err.status;
    const detail = serverDetail(err);
    const text = `${err.message} ${err.code ?? ''}`;
    const retried = err.headers?.get('x-should-retry') === 'false' ? 'without retrying' : `after ${this.opts.maxRetries} retries`;
    const fail = (kind: ConstructorParameters<typeof ModelError>[0], message: string) => new ModelError(kind, message, { cause: err, status });
    if (status === 401 || status === 403) {
      return fail('auth', `The API key was rejected by ${this.host} (${status}: ${detail}); model findings are skipped — set OPENAI_API_KEY (or Critic's API key setting) to a valid key for this server.`);
    }
    if (status === 404) {
      if (/model/i.test(text)) {
        return fail('model-not-found', `Model "${this.id}" was not found at ${this.host} (404: ${detail}); model findings are skipped — check model.models against the server's list (GET ${this.baseUrl}/models).`);
      }
      return fail('unreachable', `${this.host} has no chat completions endpoint at ${this.baseUrl}/chat/completions (404); model findings are skipped — check model.baseUrl (OpenAI-compatible servers usually end in /v1).`);
    }
    if (status === 413 || ((status === 400 || status === 422) && (err.code === 'context_length_exceeded' || contextTooLongPattern.test(text)))) {
      const chars = req.system.length + req.user.length;
      return fail('context-too-long', `The prompt (${chars} characters) does not fit the context window of model ${this.id} at ${this.host}; this request gets no model findings — critique a smaller selection or use a model with a larger context.`);
    }
    if (status === 429) {
      if (err.code === 'insufficient_quota') {
        return fail('rate-limited', `${this.host} refused model ${this.id}: the account's quota is exhausted (insufficient_quota); model findings are skipped — check the plan and billing of this API key.`);
      }
      const wait = retryAfterMs(err.headers);
      const asks = wait ? `, asks to wait ${Math.ceil(wait / 1000)} s` : '';
      return fail('rate-limited', `${this.host} rate-limited model ${this.id} (429${asks}) ${retried}; model findings are skipped — run again later or raise model.maxRetries.`);
    }
    if (status >= 500) {
      return fail('server', `${this.host} failed with ${status} for model ${this.id} ${retried} (${detail}); model findings are skipped — try again later or check the server's log.`);
    }
    return fail('request-rejected', `${this.host} rejected the request for model ${this.id} (${status}: ${detail}); model findings are skipped — check model.models and model.baseUrl, and report it with the log if they are right.`);
  }

  private reply(completion: ChatCompletion, schemaName: SchemaName, structured: boolean): ModelReply {
    const choice = completion.choices?.[0];
    const text = choice?.message?.content ?? '';
    const usage = completion.usage ? { promptTokens: completion.usage.prompt_tokens, completionTokens: completion.usage.completion_tokens } : undefined;
    try {
      if (!choice) throw new ModelOutputError('empty', 'the answer had no choices');
      if (choice.message?.refusal) throw new ModelOutputError('refused', `the model refused: ${choice.message.refusal.slice(0, 120)}`);
      if (choice.finish_reason === 'length') throw new ModelOutputError('truncated', 'the answer was cut off at the output token limit', text.slice(-200));
      if (choice.finish_reason === 'content_filter') throw new ModelOutputError('refused', "the server's content filter stopped the answer");
      return { json: validateAnswer(schemaName, extractJson(text)), text, usage, structured };
    } catch (err) {
      if (!(err instanceof ModelOutputError)) throw err;
      throw new ModelOutputError(
        err.problem,
        `Model ${this.id} gave an unusable ${schemaName} answer (${err.message}); it is skipped for this request — use a stronger model if this keeps happening.`,
        err.excerpt,
      );
    }
  }
}

/** `ECONNREFUSED`, `ENOTFOUND`, … from the error chain undici builds for a failed fetch. */
function connectionCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$|^UND_ERR/.test(code)) return code;
  }
  return undefined;
}

/** A critic model on an OpenAI-compatible endpoint (OpenAI, vLLM, llama.cpp, Ollama, LM Studio, …). */
export function createOpenAiModel(options: OpenAiModelOptions): CriticModel {
  return new OpenAiCriticModel(options);
}
