// The CriticModel over VS Code's language models, with a fake chat model in place of vscode.lm:
// messages sent, JSON extracted and validated, secrets redacted, errors mapped, cancellation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadPure } from './support/pure.mjs';

const { createLmModel } = await loadPure('src/vscode/lmModel.ts');
const { schemas } = await loadPure('src/engine/model/schemas.ts');

class LanguageModelError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}
class CancellationTokenSource {
  constructor() {
    this.listeners = [];
    this.token = { isCancellationRequested: false, onCancellationRequested: (fn) => (this.listeners.push(fn), { dispose() {} }) };
  }
  cancel() {
    this.token.isCancellationRequested = true;
    for (const fn of this.listeners) fn();
  }
  dispose() {}
}
const api = { LanguageModelChatMessage: { User: (content) => ({ role: 'user', content }) }, CancellationTokenSource, LanguageModelError };
const silent = { error() {}, warn() {}, info() {}, debug() {} };

function fakeChat(answer) {
  const chat = {
    vendor: 'test', id: 'fake-1', sent: [],
    async sendRequest(messages, options, token) {
      chat.sent.push({ messages, options });
      if (typeof answer === 'function') return answer(token);
      const chunks = answer.match(/[\s\S]{1,7}/g) ?? [];
      return { text: (async function* () { for (const c of chunks) yield c; })() };
    },
  };
  return chat;
}
const critique = (user = 'def f(): pass') => ({ schemaName: 'critique', schema: schemas.critique, system: 'You are a critic.', user });

test('sends the instructions and the code as two user messages and returns the validated JSON', async () => {
  const chat = fakeChat('Sure!\n```json\n{"verdict": "incorrect", "findings": [{"quote": "pass", "message": "does nothing", "category": "logic", "severity": "warning", "confidence": 0.8}]}\n```');
  const model = createLmModel(chat, api, { timeoutMs: 5_000, log: silent });
  assert.equal(model.id, 'test/fake-1');
  const reply = await model.complete(critique());
  assert.equal(reply.json.verdict, 'incorrect');
  assert.equal(reply.json.findings[0].quote, 'pass');
  assert.equal(reply.structured, false);
  const [system, user] = chat.sent[0].messages;
  assert.match(system.content, /You are a critic\.[\s\S]*JSON schema/);
  assert.equal(user.content, 'def f(): pass');
  assert.ok(chat.sent[0].options.justification);
});

test('secrets are redacted before anything is sent', async () => {
  const chat = fakeChat('{"verdict": "correct", "findings": []}');
  const model = createLmModel(chat, api, { timeoutMs: 5_000, log: silent });
  const key = 'sk-proj-' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0';
  await model.complete(critique(`API_KEY = "${key}"\ndef f(): pass`));
  assert.doesNotMatch(JSON.stringify(chat.sent), new RegExp(key));
});

test('an answer that is not the expected JSON is a ModelOutputError naming the model', async () => {
  const model = createLmModel(fakeChat('I think the code is fine.'), api, { timeoutMs: 5_000, log: silent });
  await assert.rejects(model.complete(critique()), (err) => err.name === 'ModelOutputError' && /test\/fake-1/.test(err.message));
});

test('language model errors become ModelErrors with one actionable line', async () => {
  const refused = fakeChat(() => { throw new LanguageModelError('user said no', 'NoPermissions'); });
  await assert.rejects(createLmModel(refused, api, { timeoutMs: 5_000, log: silent }).complete(critique()), (err) => err.name === 'ModelError' && err.kind === 'auth' && /Select Model/.test(err.message));
  const gone = fakeChat(() => { throw new LanguageModelError('gone', 'NotFound'); });
  await assert.rejects(createLmModel(gone, api, { timeoutMs: 5_000, log: silent }).complete(critique()), (err) => err.kind === 'model-not-found');
});

test('cancellation is an AbortError; a slow model is a timeout', async () => {
  const hang = fakeChat((token) => new Promise((_, reject) => token.onCancellationRequested(() => reject(new Error('cancelled')))));
  const controller = new AbortController();
  const pending = createLmModel(hang, api, { timeoutMs: 5_000, log: silent }).complete({ ...critique(), signal: controller.signal });
  setTimeout(() => controller.abort(), 20);
  await assert.rejects(pending, (err) => err.name === 'AbortError');
  await assert.rejects(createLmModel(hang, api, { timeoutMs: 50, log: silent }).complete(critique()), (err) => err.name === 'ModelError' && err.kind === 'timeout');
});
