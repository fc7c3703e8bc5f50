// The CLI with a critic model: the real openai client over HTTP to the local test server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { criticAsync } from './support/cli.mjs';
import { tempProject } from './support/engine.mjs';
import { reply, startOpenAiServer } from './support/openaiServer.mjs';

const server = await startOpenAiServer({ models: ['test-model', 'other-model'] });
test.after(() => server.close());

const secret = 'sk-proj-' + 'Q'.repeat(20) + 'a1B2c3D4e5F6g7H8i9J0';
const source = [
  'API_KEY = "' + secret + '"',
  '',
  '',
  'def average(values):',
  '    total = 0',
  '    for v in values:',
  '        total += v',
  '    return total / len(values)',
  '',
].join('\n');

function project() {
  const p = tempProject({ 'stats.py': source });
  test.after(p.cleanup);
  return p;
}

const withModel = (extra = {}) => ({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: 'sk-test-key-for-the-local-server', CRITIC_MODEL: 'test-model', XDG_CACHE_HOME: '/tmp/critic-test-cache', ...extra });

test('model findings land on the quoted code; hallucinated quotes never reach the output; secrets never leave', async () => {
  const p = project();
  server.reset();
  server.script(() =>
    reply.findings([
      reply.finding('return total / len(values)', { message: 'divides by zero for an empty list', severity: 'warning', confidence: 0.9 }),
      reply.finding('if values is None: raise', { message: 'made-up code' }),
    ]),
  );
  const r = await criticAsync(['check', 'stats.py', '--format', 'json', '--no-exec'], { cwd: p.root, env: withModel() });
  assert.equal(r.code, 0, r.stderr);
  const findings = JSON.parse(r.stdout).findings.filter((f) => f.tier === 'model');
  assert.equal(findings.length, 1, r.stdout);
  const f = findings[0];
  assert.equal(f.line, 8);
  assert.equal(f.column, 5);
  assert.equal(f.endColumn, 5 + 'return total / len(values)'.length);
  assert.equal(f.unit, 'average');
  assert.equal(f.level, 'warning');
  assert.match(f.message, /divides by zero/);
  assert.doesNotMatch(r.stdout, /made-up code/);
  assert.ok(server.requests.length >= 1);
  for (const req of server.requests) assert.ok(!req.raw.includes(secret), 'the API key in the file was sent to the model');
  assert.ok(server.requests.some((req) => req.raw.includes('def average(values)')));
  assert.doesNotMatch(r.stderr, /no model configured/);
});

test('without a model the CLI says so once and reports tool evidence', async () => {
  const p = tempProject({ 'a.py': 'def f():\n    return missing\n', 'b.py': 'def g():\n    return also_missing\n' });
  test.after(p.cleanup);
  const r = await criticAsync(['check', '.', '--no-exec'], { cwd: p.root, env: { CRITIC_MODEL: '', OPENAI_BASE_URL: '' } });
  assert.equal(r.code, 1);
  assert.equal(r.stderr.match(/no model configured/g)?.length, 1, r.stderr);
  assert.match(r.stderr, /OPENAI_BASE_URL=http:\/\/localhost:11434\/v1/);
  assert.match(r.stdout, /ruff-F821/);
});

test('every model failure mode: one clear line, exit 2, no stack trace unless --verbose', async () => {
  const p = project();
  const cases = [
    ['unauthorized', () => reply.unauthorized(), /API key/i],
    ['model not found', () => reply.modelNotFound(), /model/i],
    ['context too long', () => reply.contextTooLong(), /context/i],
    ['server error', () => reply.serverError(), /server/i],
    ['rate limited', () => reply.rateLimited('0'), /rate/i],
    ['malformed', () => reply.malformed(), /not usable JSON/],
    ['truncated', () => reply.truncated(), /not usable JSON/],
  ];
  for (const [name, make, message] of cases) {
    server.reset();
    server.script(() => make());
    const r = await criticAsync(['check', 'stats.py', '--no-exec'], { cwd: p.root, env: withModel({ CRITIC_MODEL: 'test-model' }) });
    assert.equal(r.code, 2, `${name}: ${r.stdout}${r.stderr}`);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('critic:'));
    assert.equal(lines.length, 1, `${name}: ${r.stderr}`);
    assert.match(lines[0], message, name);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${name}: no stack trace`);
  }
  // Unreachable endpoint.
  const closed = await startOpenAiServer();
  const url = closed.url;
  await closed.close();
  const r = await criticAsync(['check', 'stats.py', '--no-exec'], { cwd: p.root, env: withModel({ OPENAI_BASE_URL: url }) });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /reach|connect/i);
  // A request slower than the timeout.
  server.reset();
  server.script(() => reply.slow(10_000));
  const cfg = tempProject({ 'stats.py': source, '.critic.json': JSON.stringify({ model: { timeoutMs: 1000, maxRetries: 0 } }) });
  test.after(cfg.cleanup);
  const slow = await criticAsync(['check', 'stats.py', '--no-exec'], { cwd: cfg.root, env: withModel() });
  assert.equal(slow.code, 2, slow.stderr);
  assert.match(slow.stderr, /time|within/i);
});

test('a panel keeps a finding only when two critics quote overlapping code', async () => {
  const p = project();
  server.reset();
  server.script((body) =>
    body.model === 'test-model'
      ? reply.findings([reply.finding('total / len(values)', { message: 'empty list divides by zero', confidence: 0.9 }), reply.finding('total = 0', { message: 'only one critic thinks this', confidence: 0.9 })])
      : reply.findings([reply.finding('return total / len(values)', { message: 'crashes on []', confidence: 0.8 })]),
  );
  const r = await criticAsync(['check', 'stats.py', '--format', 'json', '--no-exec', '--model', 'test-model,other-model'], { cwd: p.root, env: withModel() });
  assert.equal(r.code, 0, r.stderr);
  const model = JSON.parse(r.stdout).findings.filter((f) => f.tier === 'model');
  assert.equal(model.length, 1, r.stdout);
  assert.match(model[0].message, /2 of 2 critics agree/);
  assert.equal(model[0].line, 8);
});

test('a server that ignores response_format: fenced JSON in prose with "high", "correctness", extra keys and numbered quotes is shown; what cannot be mapped is counted once', async () => {
  const p = project();
  server.reset();
  const answer = [
    'Here is my review of the code.',
    '```json',
    JSON.stringify({
      summary: 'one real bug',
      findings: [
        { quote: '8:     return total / len(values)', message: 'divides by zero for an empty list', category: 'correctness', severity: 'high', confidence: 0.9, line: 8, suggestion: 'guard it' },
        { quote: 'for v in values: ...', message: 'the loop could use sum()', category: 'readability', severity: 'low', confidence: 0.7 },
        { message: 'a finding with no quote at all', severity: 'high', confidence: 0.9 },
        { quote: 'if values is None: raise', message: 'made-up code', severity: 'critical', confidence: 0.9 },
      ],
    }),
    '```',
    'Let me know if you need more.',
  ].join('\n');
  // Answers the same text whether or not response_format was sent, like servers that ignore it.
  server.script(() => reply.content(answer));
  const r = await criticAsync(['check', 'stats.py', '--format', 'json', '--no-exec'], { cwd: p.root, env: withModel() });
  assert.equal(r.code, 0, r.stderr);
  const findings = JSON.parse(r.stdout).findings.filter((f) => f.tier === 'model');
  assert.deepEqual(
    findings.map((f) => [f.line, f.column, f.level, f.message.slice(0, 20)]).sort(),
    [
      [6, 5, 'note', 'the loop could use s'],
      [8, 5, 'warning', 'divides by zero for '],
    ],
    r.stdout,
  );
  assert.equal((r.stderr.match(/dropped/g) ?? []).length, 1, r.stderr);
  assert.match(r.stderr, /2 model findings dropped \((1 no quote, 1 quote not in the code|1 quote not in the code, 1 no quote)\)/);
});
