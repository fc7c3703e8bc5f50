// Select Model checks the endpoint at once: GET {baseUrl}/models against the project's local
// OpenAI-compatible server lists its models, and each way of getting it wrong (bad URL, missing
// or rejected key, wrong path, nothing listening, no answer, not an OpenAI API) is one actionable line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { loadPure } from './support/pure.mjs';
import { startOpenAiServer } from '../support/openaiServer.mjs';

const { listEndpointModels } = await loadPure('src/vscode/localServers.ts');

test('the models of the endpoint, sorted, with the key sent as a bearer token', async (t) => {
  const server = await startOpenAiServer({ models: ['zeta-coder', 'alpha-7b', 'alpha-7b'], apiKey: 'sk-right-0001' });
  t.after(() => server.close());
  const r = await listEndpointModels(server.url, 'sk-right-0001');
  assert.deepEqual(r, { ok: true, models: ['alpha-7b', 'zeta-coder'] });
  assert.equal(server.requests[0].path, '/v1/models');
  assert.equal(server.requests[0].headers.authorization, 'Bearer sk-right-0001');
  // A trailing slash in the setting does not double it.
  assert.equal((await listEndpointModels(`${server.url}/`, 'sk-right-0001')).ok, true);
  assert.equal(server.requests[1].path, '/v1/models');
});

test('a missing or rejected key says so and names the command that fixes it; the key never appears', async (t) => {
  const server = await startOpenAiServer({ apiKey: 'sk-right-0001' });
  t.after(() => server.close());
  const none = await listEndpointModels(server.url, undefined);
  assert.equal(none.kind, 'auth');
  assert.match(none.problem, /needs an API key \(HTTP 401\).*Critic: Set API Key/);
  const wrong = await listEndpointModels(server.url, 'sk-test-wrong');
  assert.equal(wrong.kind, 'auth');
  assert.match(wrong.problem, /rejected the API key \(HTTP 401: "Incorrect API key provided/);
  assert.doesNotMatch(wrong.problem, /sk-test-wrong/);
});

test('a wrong path, a wrong scheme and a server that is not OpenAI-compatible are told apart', async (t) => {
  const server = await startOpenAiServer();
  t.after(() => server.close());
  const origin = new URL(server.url).origin;
  const noV1 = await listEndpointModels(origin, undefined);
  assert.equal(noV1.kind, 'not-found');
  assert.match(noV1.problem, /HTTP 404\): the base URL usually ends in \/v1/);
  const bad = await listEndpointModels('ftp://example.invalid/v1', undefined);
  assert.equal(bad.kind, 'url');
  assert.match((await listEndpointModels('localhost:11434', undefined)).problem, /is not an http\(s\) URL/);

  const html = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>a router login page</html>'));
  await new Promise((r) => html.listen(0, '127.0.0.1', r));
  t.after(() => html.close());
  const notOpenAi = await listEndpointModels(`http://127.0.0.1:${html.address().port}/v1`, undefined);
  assert.equal(notOpenAi.kind, 'not-openai');
  assert.match(notOpenAi.problem, /did not answer with a model list/);
});

test('nothing listening and a server that never answers are reported at once, not at the next critique', async (t) => {
  const closed = createTcpServer();
  await new Promise((r) => closed.listen(0, '127.0.0.1', r));
  const port = closed.address().port;
  await new Promise((r) => closed.close(r));
  const refused = await listEndpointModels(`http://127.0.0.1:${port}/v1`, undefined);
  assert.equal(refused.kind, 'unreachable');
  assert.match(refused.problem, new RegExp(`nothing is listening at http://127\\.0\\.0\\.1:${port} \\(connection refused\\)`));

  // Accepts the connection and says nothing.
  const sockets = new Set();
  const silent = createTcpServer((s) => sockets.add(s));
  await new Promise((r) => silent.listen(0, '127.0.0.1', r));
  t.after(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const quiet = await listEndpointModels(`http://127.0.0.1:${silent.address().port}/v1`, undefined, { timeoutMs: 300 });
  assert.equal(quiet.kind, 'timeout');
  assert.match(quiet.problem, /did not answer within 300 ms: check the URL and that the server is running/);
});
