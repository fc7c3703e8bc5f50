// A small OpenAI-compatible HTTP server for tests: POST /v1/chat/completions (JSON, or SSE when
// `stream: true`) and GET /v1/models. Each test scripts its answers and asserts on the recorded
// requests (what really went over the wire).
//
//   const server = await startOpenAiServer();
//   server.script([reply.rateLimited(), reply.findings([...])]);   // a queue, one per request
//   server.script((body, req) => body.response_format ? reply.responseFormatUnsupported() : reply.json({...}));
//   const model = createOpenAiModel({ model: 'm', baseUrl: server.url, ... });
//   server.requests[0].body.messages ...
//   await server.close();
//
// A response spec: { status = 200, json, text, headers, delayMs, stream: [chunk objects], stallBody }.
// `json` is sent as application/json; `text` as is. `stallBody` sends headers and a partial body,
// then never finishes. When the request has `stream: true` and the spec is a completion, the
// completion is sent as SSE chunks in the real format, ending with `data: [DONE]`.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';

const now = () => Math.floor(Date.now() / 1000);

/** A chat.completion object shaped exactly like OpenAI's. */
export function completion(content, { model = 'test-model', finishReason = 'stop', refusal = null, usage } = {}) {
  return {
    id: `chatcmpl-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
    object: 'chat.completion',
    created: now(),
    model,
    system_fingerprint: 'fp_test',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal, annotations: [] }, logprobs: null, finish_reason: finishReason }],
    usage: usage ?? { prompt_tokens: 100, completion_tokens: Math.ceil((content ?? '').length / 4), total_tokens: 100 + Math.ceil((content ?? '').length / 4) },
  };
}

function apiError(status, message, { type = 'invalid_request_error', code = null, param = null, headers } = {}) {
  return { status, json: { error: { message, type, param, code } }, headers };
}

/** Builders for the common scripted answers. */
export const reply = {
  /** A completion whose message content is `content` (a string). */
  content: (content, options) => ({ json: completion(content, options) }),
  /** A completion whose content is `JSON.stringify(value)`. */
  json: (value, options) => ({ json: completion(JSON.stringify(value), options) }),
  /** A valid critique answer. */
  findings: (findings, verdict = findings.length ? 'incorrect' : 'correct') => reply.json({ verdict, findings }),
  /** One finding with defaults for everything but the quote. */
  finding: (quote, extra = {}) => ({ quote, message: 'returns the wrong value for an empty list', category: 'edge-case', severity: 'error', confidence: 0.9, ...extra }),
  /** A finding quoting code that is not in the unit. */
  hallucinated: () => reply.findings([reply.finding('if self.cache is not None and self.cache.is_valid():')]),
  malformed: () => reply.content('{"verdict": "incorrect", "findings": [{"quote": "x" "message": oops}'),
  truncated: () => reply.content('{"verdict":"incorrect","findings":[{"quote":"return total / len(ite', { finishReason: 'length' }),
  rateLimited: (retryAfter = '0') => apiError(429, 'Rate limit reached for requests. Please try again later.', { type: 'requests', code: 'rate_limit_exceeded', headers: retryAfter === null ? {} : { 'retry-after': String(retryAfter) } }),
  quotaExceeded: () => apiError(429, 'You exceeded your current quota, please check your plan and billing details.', { type: 'insufficient_quota', code: 'insufficient_quota' }),
  /** `inner` after `ms` milliseconds (beyond the client timeout, it never arrives). */
  slow: (ms, inner = reply.findings([])) => ({ ...inner, delayMs: ms }),
  /** Headers and the start of the body, then nothing: the client's own timeout does not cover this. */
  stalled: () => ({ stallBody: true }),
  serverError: (status = 500, headers = { 'retry-after': '0' }) => apiError(status, 'The server had an error while processing your request.', { type: 'server_error', headers }),
  unauthorized: () => apiError(401, 'Incorrect API key provided: sk-test***. You can find your API key at https://platform.openai.com/account/api-keys.', { code: 'invalid_api_key' }),
  forbidden: () => apiError(403, 'You are not allowed to sample from this model', { type: 'permission_error' }),
  modelNotFound: (model = 'test-model') => apiError(404, `The model \`${model}\` does not exist or you do not have access to it.`, { code: 'model_not_found' }),
  contextTooLong: () =>
    apiError(400, "This model's maximum context length is 8192 tokens. However, your messages resulted in 9214 tokens. Please reduce the length of the messages.", { code: 'context_length_exceeded', param: 'messages' }),
  responseFormatUnsupported: () => apiError(400, "response_format of type 'json_schema' is not supported by this model", { param: 'response_format' }),
  temperatureUnsupported: () => apiError(400, "Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported.", { code: 'unsupported_value', param: 'temperature' }),
  badRequest: (message = 'Invalid value for messages') => apiError(400, message),
};

/** A handler that rejects any request carrying `response_format` (like servers without structured output), else answers `then`. */
export function rejectsResponseFormat(then) {
  return (body) => (body.response_format ? reply.responseFormatUnsupported() : typeof then === 'function' ? then(body) : then);
}

function sseChunks(c) {
  const base = { id: c.id, object: 'chat.completion.chunk', created: c.created, model: c.model, system_fingerprint: c.system_fingerprint };
  const choice = c.choices[0];
  const text = choice.message.content ?? '';
  const pieces = text.match(/[\s\S]{1,16}/g) ?? [];
  return [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }] },
    ...pieces.map((p) => ({ ...base, choices: [{ index: 0, delta: { content: p }, logprobs: null, finish_reason: null }] })),
    { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: choice.finish_reason }] },
  ];
}

/**
 * Starts the server on 127.0.0.1 and a free port. `models` are listed by GET /v1/models; with
 * `apiKey`, requests must carry it as a bearer token.
 * Requests with no scripted answer get a 500 naming the problem, so a test that forgot one fails loudly.
 */
export async function startOpenAiServer({ models = ['test-model'], apiKey } = {}) {
  const requests = [];
  let queue = [];
  let handler;
  const sockets = new Set();
  const timers = new Set();

  const next = async (body, req) => {
    if (queue.length) {
      const item = queue.shift();
      return typeof item === 'function' ? item(body, req) : item;
    }
    if (handler) return handler(body, req);
    return apiError(500, 'openaiServer: no scripted response left for this request', { type: 'server_error', headers: { 'x-should-retry': 'false' } });
  };

  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const url = new URL(req.url, 'http://localhost');
    requests.push({ method: req.method, path: url.pathname, headers: { ...req.headers }, body, raw, at: Date.now() });

    // With `apiKey`, like OpenAI: every request without that bearer token is a 401.
    if (apiKey && req.headers.authorization !== `Bearer ${apiKey}`) return send(res, reply.unauthorized());

    if (req.method === 'GET' && url.pathname === '/v1/models') {
      return send(res, { json: { object: 'list', data: models.map((id) => ({ id, object: 'model', created: now(), owned_by: 'test' })) } });
    }
    if (req.method !== 'POST' || url.pathname !== '/v1/chat/completions') {
      return send(res, apiError(404, `Unknown request URL: ${req.method} ${url.pathname}.`, { code: 'unknown_url' }));
    }
    const spec = (await next(body, req)) ?? {};
    if (spec.delayMs) {
      const closed = await new Promise((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve(false);
        }, spec.delayMs);
        timers.add(t);
        res.on('close', () => {
          clearTimeout(t);
          timers.delete(t);
          resolve(true);
        });
      });
      if (closed || res.destroyed) return;
    }
    if (res.destroyed) return;
    if (body?.stream && spec.json?.object === 'chat.completion') return sendStream(res, sseChunks(spec.json), spec.headers);
    if (spec.stream) return sendStream(res, spec.stream, spec.headers);
    send(res, spec);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  function send(res, spec) {
    const status = spec.status ?? 200;
    const headers = { 'x-request-id': `req_${randomUUID().slice(0, 8)}`, ...(spec.headers ?? {}) };
    if (spec.stallBody) {
      res.writeHead(status, { ...headers, 'content-type': 'application/json' });
      res.write('{"id": "chatcmpl-stalled", "object": "chat.completion", "choices": [');
      return;
    }
    if (spec.text !== undefined) {
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      return res.end(spec.text);
    }
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(spec.json ?? {}));
  }

  function sendStream(res, chunks, headers = {}) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...headers });
    for (const c of chunks) res.write(`data: ${JSON.stringify(c)}\n\n`);
    res.end('data: [DONE]\n\n');
  }

  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    /** Only the chat completion requests, in order. */
    get completions() {
      return requests.filter((r) => r.path === '/v1/chat/completions');
    },
    /** An array: answers for the next requests, in order (then the handler). A function: the handler for every request. */
    script(fnOrArray) {
      if (typeof fnOrArray === 'function') handler = fnOrArray;
      else queue = [...fnOrArray];
      return this;
    },
    /** Forgets scripts and recorded requests. */
    reset() {
      queue = [];
      handler = undefined;
      requests.length = 0;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
