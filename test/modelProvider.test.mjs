// The OpenAI provider through the real `openai` client, over real HTTP, against the scripted server.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import OpenAI from 'openai';
import { out } from './support/engine.mjs';
import { startOpenAiServer, reply, rejectsResponseFormat } from './support/openaiServer.mjs';

const { createOpenAiModel } = await import(out('engine/model/provider.js'));
const { ModelError, ModelOutputError } = await import(out('engine/model/errors.js'));
const { schemas } = await import(out('engine/model/schemas.js'));
const { buildCritiquePrompt, requestFor } = await import(out('engine/model/prompt.js'));
const { isAbortError } = await import(out('engine/abort.js'));

let server;
before(async () => {
  server = await startOpenAiServer({ models: ['test-model', 'other-model'] });
});
after(() => server.close());
beforeEach(() => server.reset());

function captureLog() {
  const lines = [];
  const log = { error: (m) => lines.push(`error ${m}`), warn: (m) => lines.push(`warn ${m}`), info: (m) => lines.push(`info ${m}`), debug: (m) => lines.push(`debug ${m}`) };
  return { log, lines };
}

function model(options = {}) {
  return createOpenAiModel({ model: 'test-model', baseUrl: server.url, timeoutMs: 5_000, maxRetries: 2, log: captureLog().log, ...options });
}

const critique = (extra = {}) => ({ schemaName: 'critique', schema: schemas.critique, system: 'You are a critic.', user: 'def f(xs):\n    return sum(xs) / len(xs)\n', ...extra });

/** Runs `fn`, expecting a rejection; returns the error. */
async function rejection(fn) {
  try {
    await fn();
  } catch (err) {
    return { err };
  }
  assert.fail('expected a rejection');
}

function assertModelError(err, kind) {
  assert.ok(err instanceof ModelError, `expected a ModelError, got ${err?.name}: ${err?.message}`);
  assert.equal(err.kind, kind, err.message);
  assert.ok(!/[\r\n]/.test(err.message), 'the message is one line');
  assert.ok(err.message.length < 400, 'the message is short');
  assert.match(err.message, / — /, 'the message says what to do');
}

test('valid findings: structured request with json_schema, strict, temperature 0 and a placeholder key', async () => {
  const finding = reply.finding('return sum(xs) / len(xs)');
  server.script([reply.findings([finding])]);
  const r = await model().complete(critique());
  assert.equal(r.structured, true);
  assert.deepEqual(r.json, { verdict: 'incorrect', findings: [finding], invalidFindings: 0, invalidReasons: {} });
  assert.equal(r.usage.promptTokens, 100);
  const [sent] = server.completions;
  assert.equal(sent.body.model, 'test-model');
  assert.deepEqual(sent.body.response_format, { type: 'json_schema', json_schema: { name: 'critique', schema: schemas.critique, strict: true } });
  assert.equal(sent.body.temperature, 0);
  assert.deepEqual(sent.body.messages.map((m) => m.role), ['system', 'user']);
  assert.equal(sent.headers.authorization, 'Bearer not-needed');
  assert.equal(sent.headers['openai-organization'], undefined);
});

test('a given API key is sent as the bearer token; maxTokens is sent', async () => {
  server.script([reply.findings([])]);
  await model({ apiKey: 'sk-local-test-key' }).complete(critique({ maxTokens: 800 }));
  assert.equal(server.completions[0].headers.authorization, 'Bearer sk-local-test-key');
  assert.equal(server.completions[0].body.max_tokens, 800);
});

test('429 then success: the client retries at once with Retry-After: 0', async () => {
  server.script([reply.rateLimited('0'), reply.findings([])]);
  const r = await model().complete(critique());
  assert.equal(r.json.verdict, 'correct');
  assert.equal(server.completions.length, 2);
});

test('Retry-After is honoured when small', async () => {
  server.script([reply.rateLimited('1'), reply.findings([])]);
  await model().complete(critique());
  const [a, b] = server.completions;
  assert.ok(b.at - a.at >= 900, `waited ${b.at - a.at} ms`);
});

test('a Retry-After longer than we would wait fails at once as rate-limited', async () => {
  server.script([reply.rateLimited('3600')]);
  const { err } = await rejection(() => model().complete(critique()));
  assertModelError(err, 'rate-limited');
  assert.match(err.message, /asks to wait 3600 s/);
  assert.match(err.message, /without retrying/);
  assert.equal(server.completions.length, 1);
});

test('429 after all retries → rate-limited; exhausted quota says so', async () => {
  server.script([reply.rateLimited('0'), reply.rateLimited('0'), reply.rateLimited('0')]);
  const { err } = await rejection(() => model().complete(critique()));
  assertModelError(err, 'rate-limited');
  assert.match(err.message, /after 2 retries/);
  assert.equal(server.completions.length, 3);

  server.reset();
  server.script([reply.quotaExceeded(), reply.quotaExceeded(), reply.quotaExceeded()]);
  const q = await rejection(() => model({ maxRetries: 0 }).complete(critique()));
  assertModelError(q.err, 'rate-limited');
  assert.match(q.err.message, /quota/);
});

test('5xx after retries → server', async () => {
  server.script([reply.serverError(500), reply.serverError(503)]);
  const { err } = await rejection(() => model({ maxRetries: 1 }).complete(critique()));
  assertModelError(err, 'server');
  assert.equal(err.status, 503);
  assert.equal(server.completions.length, 2);
});

test('401 and 403 → auth, naming the host and OPENAI_API_KEY, not retried', async () => {
  for (const r of [reply.unauthorized(), reply.forbidden()]) {
    server.reset();
    server.script([r]);
    const { err } = await rejection(() => model().complete(critique()));
    assertModelError(err, 'auth');
    assert.match(err.message, /API key was rejected by 127\.0\.0\.1:\d+/);
    assert.match(err.message, /OPENAI_API_KEY/);
    assert.equal(server.completions.length, 1);
  }
});

test('404 naming the model → model-not-found; 404 elsewhere → unreachable (wrong base URL)', async () => {
  server.script([reply.modelNotFound('test-model')]);
  const { err } = await rejection(() => model().complete(critique()));
  assertModelError(err, 'model-not-found');
  assert.match(err.message, /"test-model"/);

  const wrongBase = createOpenAiModel({ model: 'test-model', baseUrl: server.url.replace(/\/v1$/, ''), timeoutMs: 5_000, maxRetries: 0, log: captureLog().log });
  const w = await rejection(() => wrongBase.complete(critique()));
  assertModelError(w.err, 'unreachable');
  assert.match(w.err.message, /model\.baseUrl/);
});

test('400 context_length_exceeded → context-too-long, not retried', async () => {
  server.script([reply.contextTooLong()]);
  const { err } = await rejection(() => model().complete(critique()));
  assertModelError(err, 'context-too-long');
  assert.equal(server.completions.length, 1);
});

test('other 400s → request-rejected', async () => {
  server.script([reply.badRequest("Invalid 'messages[0].role': unknown role")]);
  const { err } = await rejection(() => model().complete(critique()));
  assertModelError(err, 'request-rejected');
});

test('connection refused → unreachable with the error code', async () => {
  const port = await new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const m = createOpenAiModel({ model: 'm', baseUrl: `http://127.0.0.1:${port}/v1`, timeoutMs: 5_000, maxRetries: 0, log: captureLog().log });
  const { err } = await rejection(() => m.complete(critique()));
  assertModelError(err, 'unreachable');
  assert.match(err.message, /ECONNREFUSED/);
});

test('response_format rejected → JSON-in-text fallback, remembered for the next calls', async () => {
  const { log, lines } = captureLog();
  const m = model({ log });
  const answer = { verdict: 'correct', findings: [] };
  server.script(rejectsResponseFormat(reply.content(`Here is my review:\n\`\`\`json\n${JSON.stringify(answer)}\n\`\`\`\nHope it helps {not json}`)));
  const r = await m.complete(critique());
  assert.equal(r.structured, false);
  assert.equal(r.json.verdict, 'correct');
  const [first, second] = server.completions;
  assert.ok(first.body.response_format);
  assert.equal(second.body.response_format, undefined, 'the fallback request is plain');
  assert.match(second.body.messages[0].content, /JSON schema/);
  assert.ok(second.body.messages[0].content.includes(JSON.stringify(schemas.critique)));
  assert.ok(lines.some((l) => /does not accept response_format/.test(l)));

  await m.complete(critique());
  assert.equal(server.completions.length, 3, 'the next call goes straight to text mode');
  assert.equal(server.completions[2].body.response_format, undefined);
});

test('422 is treated as response_format rejected too', async () => {
  server.script([{ status: 422, json: { detail: [{ loc: ['body', 'response_format'], msg: 'extra fields not permitted' }] } }, reply.findings([])]);
  const r = await model().complete(critique());
  assert.equal(r.structured, false);
  assert.equal(server.completions[1].body.response_format, undefined);
});

test('temperature rejected → retried without it', async () => {
  server.script([reply.temperatureUnsupported(), reply.findings([])]);
  await model().complete(critique());
  assert.equal(server.completions[1].body.temperature, undefined);
  assert.ok(server.completions[1].body.response_format, 'structured output is kept');
});

test('unusable answers → ModelOutputError (malformed, truncated, wrong shape, refusal)', async () => {
  const cases = [
    [reply.malformed(), 'invalid-json'],
    [reply.truncated(), 'truncated'],
    [reply.json({ answer: 'looks fine to me' }), 'wrong-shape'],
    [reply.content('', {}), 'empty'],
    [{ json: { ...reply.content(null).json, choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: 'I cannot help with that.' }, logprobs: null, finish_reason: 'stop' }] } }, 'refused'],
  ];
  for (const [script, problem] of cases) {
    server.reset();
    server.script([script]);
    const { err } = await rejection(() => model().complete(critique()));
    assert.ok(err instanceof ModelOutputError, `${problem}: got ${err?.name} ${err?.message}`);
    assertModelError(err, 'bad-output');
    assert.equal(err.problem, problem);
    assert.equal(server.completions.length, 1, 'bad output is not retried');
  }
});

test('a slow answer → timeout, even with retries configured', async () => {
  // The answer would arrive after 10 s and succeed: only Critic's deadline can make this reject.
  server.script(() => reply.slow(10_000));
  const { err } = await rejection(() => model({ timeoutMs: 400, maxRetries: 2 }).complete(critique()));
  assertModelError(err, 'timeout');
  assert.match(err.message, /0\.4 s/);
});

// The watchdog only turns a hang (the client alone never times out a stalled body) into a failure.
test('headers then a stalled body → timeout (the client alone would hang)', { timeout: 20_000 }, async () => {
  server.script([reply.stalled()]);
  const { err } = await rejection(() => model({ timeoutMs: 400 }).complete(critique()));
  assertModelError(err, 'timeout');
});

test('abort → AbortError promptly, during the request and during a retry wait; never a ModelError', async () => {
  server.script(() => reply.slow(10_000));
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  const a = await rejection(() => model().complete(critique({ signal: ac.signal })));
  assert.ok(isAbortError(a.err) && !(a.err instanceof ModelError), `${a.err?.name}`);

  server.reset();
  // Every answer asks for a 5 s wait; without the abort this ends as a rate-limited ModelError.
  server.script(() => reply.rateLimited('5'));
  const ac2 = new AbortController();
  setTimeout(() => ac2.abort(), 150);
  const b = await rejection(() => model({ timeoutMs: 20_000 }).complete(critique({ signal: ac2.signal })));
  assert.ok(isAbortError(b.err), `${b.err?.name}`);

  server.reset();
  const done = new AbortController();
  done.abort();
  const c = await rejection(() => model().complete(critique({ signal: done.signal })));
  assert.ok(isAbortError(c.err));
  assert.equal(server.completions.length, 0, 'nothing is sent once cancelled');
});

test('redaction: secrets never reach the server, the code structure does', async () => {
  const openaiKey = 'sk-proj-Xq7fA9kLmN3pQrStUvWx2yZ1bC4dE5fG6hI';
  const password = 'Tr0ub4dor&3-horse';
  const pemBody = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun';
  const dbPassword = 'Sup3rS3cretDbPw';
  const unit = [
    'def connect():',
    `    client = OpenAI(api_key="${openaiKey}")`,
    `    password = "${password}"`,
    `    key = """-----BEGIN RSA PRIVATE KEY-----\n${pemBody}\n-----END RSA PRIVATE KEY-----"""`,
    `    db = psycopg.connect("postgres://app:${dbPassword}@db.internal:5432/shop")`,
    '    return client, db',
  ].join('\n');
  const prompt = buildCritiquePrompt({ language: 'python', file: 'app/db.py', units: [{ name: 'connect', text: unit, startLine: 1 }], evidence: [], maxFindings: 4 });
  server.script([reply.findings([])]);
  await model().complete(requestFor('critique', prompt));
  const raw = server.completions[0].raw;
  for (const secret of [openaiKey, password, pemBody, dbPassword]) assert.ok(!raw.includes(secret), `leaked ${secret}`);
  const sent = server.completions[0].body.messages[1].content;
  for (const kept of ['def connect():', 'client = OpenAI(api_key="<REDACTED:openai-key>")', 'password = "<REDACTED:password>"', '-----BEGIN RSA PRIVATE KEY-----', 'postgres://app:<REDACTED:password>@db.internal:5432/shop', 'return client, db']) {
    assert.ok(sent.includes(kept), `missing ${kept}`);
  }
});

test('the test server speaks the real streaming format and lists models', async () => {
  const client = new OpenAI({ baseURL: server.url, apiKey: 'x', maxRetries: 0 });
  server.script([reply.content('{"verdict":"correct","findings":[]}')]);
  const stream = await client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }], stream: true });
  let text = '';
  let finish;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(text, '{"verdict":"correct","findings":[]}');
  assert.equal(finish, 'stop');
  const list = await client.models.list();
  assert.deepEqual(list.data.map((m) => m.id), ['test-model', 'other-model']);
});
