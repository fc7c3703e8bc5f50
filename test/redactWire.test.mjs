// Nothing secret reaches the model: a corpus of 118 fake secret shapes driven through the real
// CLI (critique and rewrite) with the real `openai` client, asserting on the requests the local
// OpenAI-compatible server recorded — what really went over the wire. Plus redaction by value:
// a password from the project's .env and one from a test file never reach the model through
// the output of the runs that print them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { criticAsync } from './support/cli.mjs';
import { out, tempProject } from './support/engine.mjs';
import { reply, startOpenAiServer } from './support/openaiServer.mjs';
import { ordinaryCode, secretCorpus } from './support/secretCorpus.mjs';

const { redactSecrets } = await import(out('engine/model/redact.js'));

const server = await startOpenAiServer();
test.after(() => server.close());
const withModel = { OPENAI_BASE_URL: server.url, CRITIC_MODEL: 'test-model', XDG_CACHE_HOME: '/tmp/critic-test-cache-redact' };
const schemaOf = (body) => body.response_format?.json_schema?.name ?? (/"verdict"/.test(body.messages[0].content) ? 'critique' : /"probes"/.test(body.messages[0].content) ? 'probes' : 'rewrite');
const userText = (req) => req.body.messages.map((m) => m.content).join('\n');

/** Every secret value, and each line of a multi-line one (a PEM body), as it could appear in a request. */
function forms(secrets) {
  const all = new Set();
  for (const s of secrets) {
    all.add(s);
    for (const line of s.split('\n')) if (line.length >= 12) all.add(line);
  }
  return [...all];
}

/** The secrets a recorded request carries, in its raw body or its decoded messages. */
function leaked(requests, secrets) {
  const found = new Set();
  for (const r of requests) {
    const text = userText(r);
    for (const s of forms(secrets)) if (r.raw.includes(s) || r.raw.includes(JSON.stringify(s).slice(1, -1)) || text.includes(s)) found.add(s);
  }
  return [...found];
}

test('corpus: each of the 118 shapes is redacted by the redactor, and ordinary code is left alone', () => {
  const { cases } = secretCorpus();
  assert.ok(cases.length >= 100, `${cases.length} shapes`);
  const missed = cases.filter((c) => leaked([{ raw: redactSecrets(c.code).text, body: { messages: [] } }], c.secrets).length).map((c) => `${c.id} ${c.shape}`);
  assert.deepEqual(missed, []);
  const again = cases.filter((c) => redactSecrets(redactSecrets(c.code).text).count > 0).map((c) => `${c.id} ${c.shape}`);
  assert.deepEqual(again, [], 'redacting twice changes nothing');
  const touched = ordinaryCode.filter((line) => redactSecrets(line).count > 0);
  assert.deepEqual(touched, [], 'false positives');
});

test('critique through the CLI: no secret of the corpus is on the wire, though all of the code around them is', async (t) => {
  const { cases, pythonModule, jsModule } = secretCorpus(7);
  const p = tempProject({ 'corpus.py': pythonModule, 'corpus.mjs': jsModule });
  t.after(p.cleanup);
  server.reset();
  server.script((body) => (schemaOf(body) === 'probes' ? reply.json({ probes: [] }) : reply.findings([])));
  const r = await criticAsync(['check', '.', '--no-exec', '--format', 'json'], { cwd: p.root, env: withModel });
  // Exit 1 is fine (ruff has opinions on the corpus); 2 would be a model or configuration failure.
  assert.notEqual(r.code, 2, r.stderr);
  assert.ok(server.completions.length >= 2);
  const sent = server.completions.map(userText).join('\n');
  const unsent = cases.filter((c) => !sent.includes(`${c.id}(`)).map((c) => c.id);
  assert.deepEqual(unsent, [], 'every case was part of a request');
  assert.deepEqual(leaked(server.completions, cases.flatMap((c) => c.secrets)), []);
  assert.match(sent, /<REDACTED:private-key>/);
});

test('rewrite through the CLI: a unit holding the whole Python corpus is rewritten with its secrets restored, none sent', async (t) => {
  const { cases } = secretCorpus(11);
  const py = cases.filter((c) => c.lang === 'py');
  const body = py.map((c) => c.code.split('\n').map((l) => `    ${l}`).join('\n')).join('\n');
  const source = `import os\n\n\ndef everything(self, client, login, requests, subprocess, run, load, boto3, create_engine, redis, sentry_sdk, MongoClient, Github, gitlab, SendGridAPIClient, WebClient, App, OpenAI, Groq, stripe, Client, Credentials, Flow, ClientSecretCredential, Bot, Final, pwd, url, upload, tenant, client_id, user, raw, u, key, name, msg, headers):\n    """Every shape."""\n${body}\n    return missing_name(locals())\n`;
  const p = tempProject({ 'everything.py': source });
  t.after(p.cleanup);
  server.reset();
  server.script((req) => {
    const text = req.messages[1].content;
    const unit = /kind="unit"[^\n]*>>>\n([\s\S]*?)\n<<<END/.exec(text)[1];
    return reply.json({ code: unit.replace('return missing_name(locals())', 'return dict(locals())') });
  });
  const r = await criticAsync(['fix', 'everything.py', '--unit', 'everything', '--no-exec'], { cwd: p.root, env: withModel });
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^verified$/m);
  assert.match(r.stdout, /^\+    return dict\(locals\(\)\)$/m);
  assert.equal(r.stdout.split('\n').filter((l) => /^[-+] /.test(l)).length, 2, 'the diff changes only the return line: every secret was put back');
  assert.deepEqual(leaked(server.completions, py.flatMap((c) => c.secrets)), []);
});

const hasBwrap = existsSync('/usr/bin/bwrap');

test('by value: a password from .env and one from a test file never reach the model through the runs that print them', async (t) => {
  if (!hasBwrap) {
    if (process.env.CI === 'true') assert.fail('bubblewrap is missing (run npm run setup:linux)');
    t.skip('needs bubblewrap to run the examples and tests — run npm run setup:linux');
    return;
  }
  const { mixed } = secretCorpus(3);
  // No recognisable shape: only the value, learned where it is written, can hide it in output.
  const envPassword = mixed(14);
  const testPassword = mixed(14);
  const app = [
    'import os',
    '',
    '',
    'def read_password():',
    '    """The service password.',
    '',
    '    >>> read_password()',
    "    'nope'",
    '    """',
    "    for line in open(os.path.join(os.path.dirname(__file__), 'settings.txt')):",
    "        return line.strip()",
    '',
    '',
    'def login(user):',
    '    return user.upper()',
    '',
  ].join('\n');
  const tests = [
    'from app import login',
    '',
    `ADMIN = {"user": "admin", "password": "${testPassword}"}`,
    '',
    '',
    'def test_login():',
    '    assert login(ADMIN["user"]) == ADMIN["password"], "expected " + ADMIN["password"]',
    '',
  ].join('\n');
  // The example reads a copy of the password from a file Critic has no reason to scan; the .env holds the original.
  const p = tempProject({ '.env': `SERVICE_PASSWORD=${envPassword}\n`, 'settings.txt': `${envPassword}\n`, 'app.py': app, 'test_app.py': tests });
  t.after(p.cleanup);
  server.reset();
  server.script((body) => (schemaOf(body) === 'probes' ? reply.json({ probes: [] }) : reply.findings([])));
  const r = await criticAsync(['check', 'app.py', '--format', 'json'], { cwd: p.root, env: withModel });
  assert.equal(r.code, 1, r.stderr);
  const critique = server.completions.filter((q) => schemaOf(q.body) === 'critique').map(userText).join('\n');
  assert.match(critique, /example FAILED: read_password\(\)/, 'the failing example was evidence');
  assert.match(critique, /test FAILED/, 'the failing test was evidence');
  assert.deepEqual(leaked(server.completions, [envPassword, testPassword]), []);
});

test('by value: a probe that returns a module secret does not carry it to the critique', async (t) => {
  if (!hasBwrap) {
    if (process.env.CI === 'true') assert.fail('bubblewrap is missing (run npm run setup:linux)');
    t.skip('needs bubblewrap to run probes — run npm run setup:linux');
    return;
  }
  const { mixed } = secretCorpus(9);
  const token = mixed(24);
  const source = `API_TOKEN = "${token}"\n\n\ndef get_token():\n    return API_TOKEN\n`;
  const p = tempProject({ 'tok.py': source });
  t.after(p.cleanup);
  server.reset();
  // A hostile model asks for the secret by name in a probe, hoping to read it in the next request.
  server.script((body) => (schemaOf(body) === 'probes' ? reply.json({ probes: [{ call: 'get_token()', expected: "'nope'", why: 'the token' }] }) : reply.findings([])));
  const r = await criticAsync(['check', 'tok.py', '--format', 'json'], { cwd: p.root, env: withModel });
  assert.notEqual(r.code, 2, r.stderr);
  const critique = server.completions.filter((q) => schemaOf(q.body) === 'critique').map(userText).join('\n');
  assert.match(critique, /probe FAILED: get_token\(\)/, 'the probe ran and was evidence');
  assert.deepEqual(leaked(server.completions, [token]), []);
});
