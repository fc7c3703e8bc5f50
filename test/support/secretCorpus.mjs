// A corpus of secret shapes for the redaction tests. Every secret is fake and built at run time
// from a seeded generator, so no scanner flags this repository and every run uses new-looking
// values of the right shape. Each case is a snippet of code (Python or JS) and the secret values
// that must never reach the model.
//
//   const { cases, pythonModule, jsModule } = secretCorpus();
//   cases: [{ id, lang, shape, code, secrets: [...] }]

/** A small deterministic PRNG (mulberry32), so a failure names a value that can be reproduced. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const upperDigits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const hex = '0123456789abcdef';
const b64 = `${alnum}+/`;
const urlsafe = `${alnum}_-`;

export function secretCorpus(seed = 20261201) {
  const rnd = generator(seed);
  const pick = (chars, n) => Array.from({ length: n }, () => chars[Math.floor(rnd() * chars.length)]).join('');
  /** Random, but with upper, lower and digit so it never reads as a word. */
  const mixed = (n, chars = alnum) => `${pick('ABCDEFGHJKLMNPQRSTUVWXYZ', 1)}${pick('abcdefghijkmnopqrstuvwxyz', 1)}${pick('23456789', 1)}${pick(chars, n - 3)}`;
  const password = () => `${mixed(6)}!${pick(alnum, 4)}`;
  const b64url = (s) => Buffer.from(s).toString('base64url');
  const jwt = () => `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(`{"sub":"${pick(hex, 12)}","name":"t"}`)}.${mixed(43, urlsafe)}`;
  const pemBody = (lines = 6) => Array.from({ length: lines }, () => mixed(64, b64)).join('\n');
  const pem = (label) => `-----BEGIN ${label}-----\n${pemBody()}\n-----END ${label}-----`;

  const cases = [];
  let n = 0;
  /** `code(secret…)` is the snippet; `make` builds the secret values it uses. */
  const add = (lang, shape, make, code) => {
    const secrets = [].concat(make());
    cases.push({ id: `case_${++n}`, lang, shape, code: code(...secrets), secrets });
  };
  const py = (shape, make, code) => add('py', shape, make, code);
  const js = (shape, make, code) => add('js', shape, make, code);

  // Tokens with a recognisable prefix, under neutral names, in calls, comments and output.
  py('github ghp_', () => `ghp_${mixed(36)}`, (s) => `value = "${s}"`);
  py('github gho_', () => `gho_${mixed(36)}`, (s) => `client(auth="${s}")`);
  py('github ghu_', () => `ghu_${mixed(36)}`, (s) => `# old one: ${s}`);
  py('github ghs_', () => `ghs_${mixed(36)}`, (s) => `print("using ${s}")`);
  py('github ghr_', () => `ghr_${mixed(36)}`, (s) => `refresh = '${s}'`);
  py('github_pat_', () => `github_pat_${mixed(22)}_${mixed(59)}`, (s) => `gh = Github("${s}")`);
  py('huggingface hf_', () => `hf_${mixed(34)}`, (s) => `login("${s}")`);
  py('gitlab glpat-', () => `glpat-${mixed(20, urlsafe)}`, (s) => `gl = gitlab.Gitlab(url, private="${s}")`);
  py('gitlab glrt-', () => `glrt-${mixed(20, urlsafe)}`, (s) => `runner = "${s}"`);
  py('npm_', () => `npm_${mixed(36)}`, (s) => `npmrc = "//registry.npmjs.org/:_authToken=${s}"`);
  py('pypi-', () => `pypi-AgEIcHlwaS5vcmc${mixed(60, urlsafe)}`, (s) => `upload(value="${s}")`);
  py('sendgrid SG.', () => `SG.${mixed(22, urlsafe)}.${mixed(43, urlsafe)}`, (s) => `sg = SendGridAPIClient("${s}")`);
  py('slack xoxb-', () => `xoxb-${pick('0123456789', 12)}-${pick('0123456789', 12)}-${mixed(24)}`, (s) => `WebClient("${s}")`);
  py('slack xoxa-', () => `xoxa-2-${mixed(40)}`, (s) => `v = "${s}"`);
  py('slack xoxp-', () => `xoxp-${pick('0123456789', 11)}-${mixed(30)}`, (s) => `v = "${s}"`);
  py('slack xoxr-', () => `xoxr-${mixed(40)}`, (s) => `v = "${s}"`);
  py('slack xapp-', () => `xapp-1-${mixed(11)}-${pick('0123456789', 13)}-${mixed(30)}`, (s) => `App("${s}")`);
  py('stripe sk_live_', () => `sk_live_${mixed(24)}`, (s) => `stripe.api_base_value = "${s}"`);
  py('stripe rk_live_', () => `rk_live_${mixed(24)}`, (s) => `restricted = "${s}"`);
  py('stripe sk_test_', () => `sk_test_${mixed(24)}`, (s) => `t = "${s}"`);
  py('stripe whsec_', () => `whsec_${mixed(32)}`, (s) => `wh = "${s}"`);
  py('google AIza', () => `AIza${mixed(35, urlsafe)}`, (s) => `maps = Client("${s}")`);
  py('jwt', jwt, (s) => `session = "${s}"`);
  js('jwt in a header', jwt, (s) => `fetch(u, { headers: { cookie: "session=${s}" } });`);
  py('openai sk-proj-', () => `sk-proj-${mixed(48, urlsafe)}`, (s) => `OpenAI(api_base_value="${s}")`);
  py('anthropic sk-ant-', () => `sk-ant-api03-${mixed(80, urlsafe)}`, (s) => `a = "${s}"`);
  py('aws access key + secret', () => [`AKIA${pick(upperDigits, 16)}`, mixed(40, b64)], (a, s) => `boto3.client("s3", aws_access_key_id="${a}", aws_secret_access_key="${s}")`);
  py('azure AccountKey=', () => mixed(86, b64) + '==', (s) => `conn = "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${s};EndpointSuffix=core.windows.net"`);
  py('azure SharedAccessKey=', () => mixed(43, b64) + '=', (s) => `bus = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=root;SharedAccessKey=${s}"`);
  py('azure SAS sig=', () => mixed(43, b64).replace(/[+/]/g, 'x') + '%3D', (s) => `blob = "https://acct.blob.core.windows.net/c/f?sv=2022-11-02&se=2030-01-01&sp=r&sig=${s}"`);
  py('azure client secret', () => `${pick(alnum, 3)}8Q~${mixed(34, `${alnum}_~.-`)}`, (s) => `credential = ClientSecretCredential(tenant, client, "${s}")`);
  py('slack webhook', () => `T${pick(upperDigits, 8)}/B${pick(upperDigits, 10)}/${mixed(24)}`, (s) => `requests.post("https://hooks.slack.com/services/${s}", json=msg)`);
  py('discord webhook', () => `${pick('0123456789', 18)}/${mixed(68, urlsafe)}`, (s) => `hook = "https://discord.com/api/webhooks/${s}"`);
  py('google ya29.', () => `ya29.${mixed(120, urlsafe)}`, (s) => `creds = Credentials("${s}")`);
  py('google GOCSPX-', () => `GOCSPX-${mixed(28, urlsafe)}`, (s) => `flow = Flow(client_id, "${s}")`);
  py('groq gsk_', () => `gsk_${mixed(52)}`, (s) => `Groq(api_base_value="${s}")`);
  py('replicate r8_', () => `r8_${mixed(37)}`, (s) => `v = "${s}"`);
  py('perplexity pplx-', () => `pplx-${mixed(48)}`, (s) => `v = "${s}"`);
  py('xai-', () => `xai-${mixed(80)}`, (s) => `v = "${s}"`);
  py('linear lin_api_', () => `lin_api_${mixed(40)}`, (s) => `v = "${s}"`);
  py('postman PMAK-', () => `PMAK-${pick(hex, 24)}-${pick(hex, 34)}`, (s) => `v = "${s}"`);
  py('new relic NRAK-', () => `NRAK-${pick(upperDigits, 27)}`, (s) => `v = "${s}"`);
  py('databricks dapi', () => `dapi${pick(hex, 32)}`, (s) => `v = "${s}"`);
  py('shopify shpat_', () => `shpat_${pick(hex, 32)}`, (s) => `v = "${s}"`);
  py('digitalocean dop_v1_', () => `dop_v1_${pick(hex, 64)}`, (s) => `v = "${s}"`);
  py('doppler dp.pt.', () => `dp.pt.${mixed(43)}`, (s) => `v = "${s}"`);
  py('square sq0atp-', () => `sq0atp-${mixed(22, urlsafe)}`, (s) => `v = "${s}"`);
  py('grafana glc_', () => `glc_${mixed(60)}`, (s) => `v = "${s}"`);
  py('mailgun key-', () => `key-${mixed(32)}`, (s) => `auth=("api", "${s}")`);
  py('age secret key', () => `AGE-SECRET-KEY-1${pick(upperDigits, 58)}`, (s) => `# identity: ${s}`);
  py('telegram bot', () => `${pick('123456789', 1)}${pick('0123456789', 9)}:AA${mixed(33, urlsafe)}`, (s) => `bot = Bot("${s}")`);
  py('twilio SK', () => `SK${pick(hex, 32)}`, (s) => `v = "${s}"`);
  js('bearer header', () => mixed(40, `${alnum}._-`), (s) => `fetch(u, { headers: { Authorization: 'Bearer ${s}' } });`);
  js('Authorization: token', () => mixed(40), (s) => `headers.set("Authorization", "token ${s}");`);
  js('basic auth header', () => Buffer.from(`admin:${password()}`).toString('base64'), (s) => `const h = { Authorization: "Basic ${s}" };`);

  // Private keys in every container.
  py('RSA PEM, triple-quoted', () => pemBody(), (s) => `KEY_TEXT = """-----BEGIN RSA PRIVATE KEY-----\n${s}\n-----END RSA PRIVATE KEY-----\n"""`);
  py('OpenSSH private key', () => pemBody(), (s) => `ssh = """-----BEGIN OPENSSH PRIVATE KEY-----\n${s}\n-----END OPENSSH PRIVATE KEY-----"""`);
  js('EC PEM with escaped newlines', () => [mixed(64, b64), mixed(56, b64)], (a, b) => `const k = "-----BEGIN EC PRIVATE KEY-----\\n${a}\\n${b}\\n-----END EC PRIVATE KEY-----\\n";`);
  py('encrypted PKCS#8', () => pemBody(), (s) => `enc = """-----BEGIN ENCRYPTED PRIVATE KEY-----\n${s}\n-----END ENCRYPTED PRIVATE KEY-----"""`);
  py('PGP private key block', () => pemBody(), (s) => `pgp = """-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n${s}\n-----END PGP PRIVATE KEY BLOCK-----"""`);
  py('DSA PEM', () => pemBody(), (s) => `dsa = """-----BEGIN DSA PRIVATE KEY-----\n${s}\n-----END DSA PRIVATE KEY-----"""`);
  py('PuTTY ppk', () => [Array.from({ length: 3 }, () => mixed(64, b64)).join('\n'), pick(hex, 40)], (lines, mac) =>
    `PPK = """PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: k\nPublic-Lines: 1\nAAAAB3NzaC1yc2EAAAADAQABAAAAgQ\nPrivate-Lines: 3\n${lines}\nPrivate-MAC: ${mac}\n"""`);
  py('base64 of a PEM key', () => Buffer.from(pem('PRIVATE KEY')).toString('base64'), (s) => `blob = load("${s}")`);
  py('SSH2 private key', () => pemBody(), (s) => `ssh2 = """---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----\n${s}\n---- END SSH2 ENCRYPTED PRIVATE KEY ----"""`);
  js('service account JSON', () => [mixed(64, b64), mixed(64, b64)], (a, b) => `const sa = {"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\\n${a}\\n${b}\\n-----END PRIVATE KEY-----\\n"};`);

  // Credentials in URLs.
  py('postgres password with /', () => `${mixed(6)}/${mixed(6)}`, (s) => `DB = "postgres://app:${s}@db.internal:5432/app"`);
  py('mysql password with @', () => `${mixed(6)}@${mixed(5)}`, (s) => `engine = create_engine("mysql://root:${s}@127.0.0.1/shop")`);
  py('redis without user', () => password(), (s) => `r = redis.from_url("redis://:${s}@cache:6379/0")`);
  js('https user:token', () => mixed(30), (s) => `git.clone("https://bot:${s}@github.com/org/repo.git");`);
  js('https token as user', () => `ghp_${mixed(36)}`, (s) => `const remote = "https://${s}@github.com/org/repo";`);
  py('sentry DSN', () => pick(hex, 32), (s) => `sentry_sdk.init("https://${s}@o12345.ingest.sentry.io/678")`);
  py('amqp percent-encoded', () => `${mixed(6)}%40${mixed(5)}`, (s) => `conn = "amqp://guest:${s}@mq:5672/"`);
  py('mongodb+srv with / and @', () => `${mixed(4)}/${mixed(4)}@${mixed(4)}`, (s) => `MongoClient("mongodb+srv://u:${s}@cluster0.example.net/db")`);

  // Command lines and netrc.
  py('curl -u', () => password(), (s) => `subprocess.run("curl -u admin:${s} https://api.example.com", shell=True)`);
  js('curl --user', () => password(), (s) => `execSync('curl -s --user deploy:${s} https://ci.example.com/hook');`);
  py('wget --password', () => password(), (s) => `os.system("wget --user=bob --password=${s} https://example.com/f")`);
  py('mysql -p', () => password(), (s) => `cmd = "mysql -u root -p${s} shop < dump.sql"`);
  py('sshpass -p', () => password(), (s) => `run("sshpass -p '${s}' ssh host")`);
  py('.netrc line', () => password(), (s) => `NETRC = "machine api.example.com login bob password ${s}"`);

  // Secrets in comments and docstrings.
  py('python comment', () => password(), (s) => `# prod password: ${s}`);
  js('js line comment', () => mixed(24), (s) => `// api_key = ${s}`);
  js('js block comment', () => mixed(24), (s) => `/* the token is ${s} */`);
  py('docstring', () => password(), (s) => `def login():\n    """Log in.\n\n    admin password: ${s}\n    """`);

  // Values of secret names in every literal form.
  py('triple-quoted', () => password(), (s) => `password = """${s}"""`);
  py("triple-quoted '''", () => mixed(32), (s) => `SECRET_KEY = '''${s}'''`);
  py('parenthesised', () => mixed(32), (s) => `api_key = ("${s}")`);
  py('implicit concatenation', () => [mixed(12), mixed(12)], (a, b) => `token = ("${a}" "${b}")`);
  py('+ concatenation', () => [mixed(12), mixed(12)], (a, b) => `client_secret = "${a}" + "${b}"`);
  py('split across lines', () => [mixed(16), mixed(16)], (a, b) => `PASSWORD = (\n    "${a}"\n    "${b}"\n)`);
  py('tuple', () => [password(), password()], (a, b) => `passwords = ("${a}", "${b}")`);
  js('array', () => [mixed(20), mixed(20)], (a, b) => `const apiKeys = [\n  "${a}",\n  "${b}",\n];`);
  py('os.getenv default', () => password(), (s) => `db_pw = os.getenv("DB_PASSWORD", "${s}")`);
  py('environ.get default', () => mixed(24), (s) => `tok = os.environ.get("API_TOKEN", "${s}")`);
  js('process.env ?? default', () => mixed(24), (s) => `const key = process.env.API_KEY ?? '${s}';`);
  js("process.env[''] || default", () => mixed(24), (s) => `const s = process.env['CLIENT_SECRET'] || "${s}";`);
  py('getenv() or default', () => mixed(24), (s) => `gh = os.getenv("GITHUB_TOKEN") or "${s}"`);
  py('getenv default, secret target', () => password(), (s) => `password = os.getenv("PGPW", "${s}")`);
  py('bytes literal', () => password(), (s) => `password = b"${s}"`);
  py('raw literal', () => mixed(24), (s) => `secret = r'${s}'`);
  py('f-string without fields', () => mixed(24), (s) => `token = f"${s}"`);
  js('template without interpolation', () => mixed(24), (s) => 'const apiKey = `' + s + '`;');
  py('dict key', () => password(), (s) => `creds = {"user": "bob", "password": "${s}"}`);
  py('keyword argument', () => password(), (s) => `login(user="bob", password="${s}")`);
  js('ts class field', () => mixed(24), (s) => `class C { private readonly clientSecret: string = '${s}'; }`);
  js('js object', () => mixed(24), (s) => `const cfg = { authToken: '${s}', retries: 3 };`);
  py('comparison', () => password(), (s) => `ok = pwd == "${s}"`);
  py('.env in a string', () => password(), (s) => `ENV = """\nDB_HOST=localhost\nDB_PASSWORD=${s}\n"""`);
  py('YAML in a string', () => password(), (s) => `CONFIG = """\ndatabase:\n  user: app\n  password: ${s}\n"""`);
  py('INI in a string', () => mixed(24), (s) => `INI = """\n[service]\napi_key = ${s}\n"""`);
  py('attribute', () => password(), (s) => `self.password = "${s}"`);
  py('annotated Final', () => mixed(32), (s) => `api_key: Final[str] = "${s}"`);
  js('this.secret', () => mixed(24), (s) => `this.secret = "${s}";`);
  py('header subscript', () => mixed(32), (s) => `headers["X-Api-Key"] = "${s}"`);
  py('ADO.NET Password=', () => password().replace('!', '#'), (s) => `cs = "Server=db;Database=app;User Id=sa;Password=${s};"`);
  py('query access_token', () => mixed(32), (s) => `requests.get("https://graph.example.com/me?fields=id&access_token=${s}")`);
  py('aws session token', () => mixed(100, b64), (s) => `aws_session_token = "${s}"`);
  js('walrus-free JS const', () => password(), (s) => `const DB_PASSWORD = "${s}";`);
  py('augmented +=', () => [mixed(12), mixed(12)], (a, b) => `secret = "${a}"\nsecret += "${b}"`);

  const body = (c) => c.code.split('\n').map((l) => `    ${l}`).join('\n');
  const pythonModule = cases
    .filter((c) => c.lang === 'py')
    .map((c) => `def ${c.id}():\n    """${c.shape.replace(/"/g, "'")}."""\n${body(c)}\n    return None\n`)
    .join('\n\n');
  const jsModule = cases
    .filter((c) => c.lang === 'js')
    .map((c) => `export function ${c.id}(u, headers, git, execSync) {\n  // ${c.shape}\n${c.code.split('\n').map((l) => `  ${l}`).join('\n')}\n}\n`)
    .join('\n');
  return { cases, pythonModule, jsModule, password, mixed };
}

/** Code that looks like secrets to a careless redactor but is not (false positives). */
export const ordinaryCode = [
  'token_count = 5',
  'password_length = 12',
  'max_tokens = 1024',
  'api_key_name = "X-API-KEY"',
  'AUTH_HEADER = "Authorization"',
  'tokenizer = Tokenizer("bert-base-uncased")',
  'token = tokens[0]',
  'password = get_password()',
  'password = request.form["password"]',
  'api_key = settings.API_KEY',
  'secret = None',
  'password_hash = hash_password(raw)',
  'key = "value"',
  'monkey = "banana-split-2"',
  'author = "Ada Lovelace"',
  'passphrase_prompt = "Enter passphrase:"',
  'token_type = "bearer"',
  'url = "https://example.com/a/b@c"',
  'DATABASE_URL = "postgres://localhost:5432/app"',
  'email = "bob@example.com"',
  'sha = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"',
  'uuid = "123e4567-e89b-12d3-a456-426614174000"',
  '# TODO: rotate the api key every month',
  '// the token expires after an hour',
  'const tokenizer = new Tokenizer();',
  'const passwordField = document.querySelector("#password");',
  'if (!process.env.API_KEY) throw new Error("API_KEY is not set");',
  'print("password:", masked)',
  'logger.info("token refreshed for %s", user)',
  'PASSWORD_MIN_LENGTH = 8',
  'secret_santa = True',
  'def check_password(pw: str) -> bool:',
  'retries: 3',
  'auth: enabled',
];
