// Secret redaction: what is replaced, what is kept, and the offset mapping anchoring relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { out } from './support/engine.mjs';

const { redactSecrets, toOriginalOffset, toRedactedOffset, redactedSlice, isSecretName } = await import(out('engine/model/redact.js'));

const cases = [
  ['openai-key', 'OPENAI_KEY = "sk-proj-Ab3dEf6hIj9kLmN0pQrStUvWxYz12345"', 'OPENAI_KEY = "<REDACTED:openai-key>"'],
  ['openai-key (legacy)', "key = 'sk-abcdefghijklmnopqrstT3BlbkFJabcdefghijklmnopqrst'", "key = '<REDACTED:openai-key>'"],
  ['anthropic-key', 'Anthropic(api_key="sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789")', 'Anthropic(api_key="<REDACTED:anthropic-key>")'],
  ['aws keys', 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_access_key_id = <REDACTED:aws-access-key>\naws_secret_access_key = <REDACTED:aws-secret-key>'],
  ['aws secret in JSON', '{"AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}', '{"AWS_SECRET_ACCESS_KEY": "<REDACTED:aws-secret-key>"}'],
  ['github', 'gh = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"; pat = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"', 'gh = "<REDACTED:github-token>"; pat = "<REDACTED:github-token>"'],
  ['slack + google', 'slack = "xoxb-1234567890-abcdefghij"; g = "AIzaSyA1234567890abcdefghijklmnopqrstuv"', 'slack = "<REDACTED:slack-token>"; g = "<REDACTED:google-api-key>"'],
  ['stripe', 'stripe.api_key = "sk_live_abcdefghijklmnop1234"', 'stripe.api_key = "<REDACTED:stripe-key>"'],
  ['jwt', 'const t = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";', 'const t = "<REDACTED:jwt>";'],
  ['bearer', "fetch(url, { headers: { Authorization: 'Bearer abcdef0123456789abcdef' } })", "fetch(url, { headers: { Authorization: 'Bearer <REDACTED:bearer-token>' } })"],
  ['python password', 'password = "hunter2!"', 'password = "<REDACTED:password>"'],
  ['annotated', "db_password: str = 'p@ssw0rd'", "db_password: str = '<REDACTED:password>'"],
  ['keyword arg', 'connect(host="db", passwd="letmein1")', 'connect(host="db", passwd="<REDACTED:password>")'],
  ['dict keys', 'creds = {"user": "bob", "password": "s3cr3t", "api_key": "abc123xyz"}', 'creds = {"user": "bob", "password": "<REDACTED:password>", "api_key": "<REDACTED:secret>"}'],
  ['subscript', "config['clientSecret'] = 'abcdef123'", "config['clientSecret'] = '<REDACTED:secret>'"],
  ['ts object', "const cfg = { apiKey: 'abc123def456', authToken: `tok_9f8e7d`, retries: 3 };", "const cfg = { apiKey: '<REDACTED:secret>', authToken: `<REDACTED:secret>`, retries: 3 };"],
  ['ts typed const', 'const SECRET_KEY: string = "change-me-please";', 'const SECRET_KEY: string = "<REDACTED:secret>";'],
  ['comparison', 'if pwd == "letmein": grant()', 'if pwd == "<REDACTED:password>": grant()'],
  ['.env', 'DB_HOST=localhost\nDB_PASSWORD=hunter22\nexport API_TOKEN=abc.def-123 # prod\n', 'DB_HOST=localhost\nDB_PASSWORD=<REDACTED:password>\nexport API_TOKEN=<REDACTED:secret> # prod\n'],
  ['postgres', 'DB_URL = "postgres://admin:Sup3rS3cret@db.example.com:5432/app"', 'DB_URL = "postgres://admin:<REDACTED:password>@db.example.com:5432/app"'],
  ['mongodb+srv', 'uri = "mongodb+srv://user:pw12345@cluster0.mongodb.net/test"', 'uri = "mongodb+srv://user:<REDACTED:password>@cluster0.mongodb.net/test"'],
  ['redis without user', "r = redis.from_url('redis://:redispass@localhost:6379/0')", "r = redis.from_url('redis://:<REDACTED:password>@localhost:6379/0')"],
  ['mysql + amqp', 'a = "mysql://root:rootpw@127.0.0.1/db"; b = "amqp://guest:guestpw@mq:5672/"', 'a = "mysql://root:<REDACTED:password>@127.0.0.1/db"; b = "amqp://guest:<REDACTED:password>@mq:5672/"'],
];

for (const [name, input, expected] of cases) {
  test(`redacts: ${name}`, () => {
    const r = redactSecrets(input);
    assert.equal(r.text, expected);
    assert.equal(r.count, r.replacements.length);
    assert.ok(r.count >= 1);
    assert.equal(redactSecrets(r.text).count, 0, 'redacting twice changes nothing');
  });
}

test('PEM private keys: body replaced, BEGIN/END lines and line count kept', () => {
  const body = 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n';
  const text = `KEY = """-----BEGIN RSA PRIVATE KEY-----\n${body}-----END RSA PRIVATE KEY-----"""\nx = 1\n`;
  const r = redactSecrets(text);
  assert.ok(!r.text.includes('MIIE') && !r.text.includes('VTLw'));
  assert.match(r.text, /-----BEGIN RSA PRIVATE KEY-----\n<REDACTED:private-key>\n\n-----END RSA PRIVATE KEY-----"""\nx = 1\n$/);
  assert.equal(r.text.split('\n').length, text.split('\n').length);
  const escaped = 'const k = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n";';
  assert.equal(redactSecrets(escaped).text, 'const k = "-----BEGIN PRIVATE KEY-----\\n<REDACTED:private-key>-----END PRIVATE KEY-----\\n";');
  const cut = 'k = "-----BEGIN EC PRIVATE KEY-----\\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oD" + rest';
  assert.ok(!redactSecrets(cut).text.includes('MHcCAQ'), 'an unterminated key loses its base64 run');
});

test('leaves code without secrets alone', () => {
  const code = [
    '__author__ = "Jane Doe"',
    'token_type = "bearer"',
    'password_field = "password"',
    'max_tokens = "1000"',
    'password = get_password()',
    'password = ""',
    'DATABASE_URL = "postgres://localhost:5432/app"',
    'url = f"postgres://{user}:{pw}@host/db"',
    'const url = `mysql://${user}:${pass}@db/x`;',
    'task-abcdefghijklmnopqrstuvwxyz = 1',
    'SECRET_KEY=OTHER_CONSTANT',
    'TOKEN=make_token()',
    'authority = "https://login.example.com"',
    'print("Bearer token missing")',
  ].join('\n');
  const r = redactSecrets(code);
  assert.equal(r.text, code, JSON.stringify(r.replacements));
  assert.equal(r.count, 0);
});

test('secret names', () => {
  for (const n of ['password', 'DB_PASS', 'apiKey', 'API_KEY', 'apikey', 'client_secret', 'authToken', '"api-key"', 'self.password', 'refresh_token', 'privateKey', 'auth', 'passphrase']) assert.ok(isSecretName(n), n);
  for (const n of ['author', 'authority', 'token_type', 'password_field', 'max_tokens', 'tokens', 'key', 'monkey', 'PASSWORD_ENV', 'passage']) assert.ok(!isSecretName(n), n);
});

test('offset mapping between original and redacted text', () => {
  const text = 'a = 1\npassword = "hunter22"\nb = "sk-proj-abcdefghijklmnopqrstuvwxyz"\nc = 3\n';
  const r = redactSecrets(text);
  assert.equal(r.count, 2);
  // Offsets outside secrets round-trip exactly.
  for (const word of ['a = 1', 'password = "', 'b = "', 'c = 3']) {
    const o = text.indexOf(word);
    const red = toRedactedOffset(r, o, 'start');
    assert.equal(r.text.slice(red, red + word.length), word);
    assert.equal(toOriginalOffset(r, red, 'start'), o);
  }
  // Inside a placeholder: start bias → the secret's start, end bias → its end.
  const p = r.replacements[0];
  assert.equal(toOriginalOffset(r, p.redactedStart + 3, 'start'), p.start);
  assert.equal(toOriginalOffset(r, p.redactedStart + 3, 'end'), p.end);
  assert.equal(text.slice(p.start, p.end), 'hunter22');
  assert.equal(redactedSlice(r, text.indexOf('password'), text.indexOf('\nb =')), 'password = "<REDACTED:password>"');
});

test('redaction by value: a secret found once is replaced wherever it appears, plain words and numbers are not learned', async () => {
  const { SecretVault } = await import(out('engine/model/secretVault.js'));
  const vault = new SecretVault(3);
  const pw = ['Zq7', 'xK9', 'vB2', 'mW4'].join('-');
  const config = `DB_PASSWORD = "${pw}"\nname = "bob"\npassword = "changeme"\npin = "123456"`;
  assert.equal(vault.learn(config), 1, 'only the value worth matching anywhere');
  const out1 = vault.redact(`AssertionError: expected ${pw}, got None`);
  assert.equal(out1.text, 'AssertionError: expected <REDACTED:password>, got None');
  assert.equal(vault.redact('def check_password(changeme): return 123456').count, 0);
  // Bounded: the oldest value goes first.
  for (const v of ['Aa1-first-value', 'Bb2-second-value', 'Cc3-third-value']) vault.learn(`api_key = "${v}"`);
  assert.equal(vault.size, 3);
  assert.equal(vault.redact(pw).count, 0);
  assert.equal(vault.redact('Cc3-third-value').count, 1);
  // The same file read again (scanned once per text): its secret, pushed out meanwhile, is back.
  assert.equal(vault.learn(config), 1);
  assert.equal(vault.redact(`got ${pw}`).text, 'got <REDACTED:password>');
});

test('restoring placeholders: only the unit\'s own secrets; one from elsewhere refuses the candidate', async () => {
  const { restoreSecrets, CandidateError } = await import(out('engine/rewrite/candidate.js'));
  const outside = `sk-proj-${'O'.repeat(20)}Aa1`;
  const inside = `sk-proj-${'I'.repeat(20)}Bb2`;
  const text = `KEY = "${outside}"\n\ndef f():\n    k = "${inside}"\n    return k\n`;
  const r = redactSecrets(text);
  const unit = { startIndex: text.indexOf('def f'), endIndex: text.length - 1 };
  assert.equal(restoreSecrets('def f():\n    k = "<REDACTED:openai-key>"\n    return k', text, r, unit), `def f():\n    k = "${inside}"\n    return k`);
  assert.throws(() => restoreSecrets('def f():\n    k = "<REDACTED:openai-key>"\n    j = "<REDACTED:openai-key>"\n    return k + j', text, r, { startIndex: unit.startIndex, endIndex: unit.startIndex + 5 }), CandidateError);
  assert.throws(() => restoreSecrets('def f():\n    return "<REDACTED:openai-key>"', text, r, { startIndex: unit.startIndex, endIndex: unit.startIndex + 8 }), /a secret from outside the unit/);
});
