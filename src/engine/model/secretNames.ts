/** Which names hold secrets: `password`, `DB_PASS`, `apiKey`, `client_secret`, `authToken`, `"api-key"`. */

const secretWords = new Set([
  'password', 'passwords', 'passwd', 'pwd', 'pass', 'passphrase', 'passcode', 'secret', 'secrets', 'token', 'apikey', 'auth',
  'authorization', 'credential', 'credentials', 'creds', 'privatekey', 'accesskey', 'secretkey', 'dsn',
]);
/** Words that, before `key`, make a secret: `api_key`, `signingKey`, `MASTER_KEY`. */
const keyQualifiers = new Set([
  'api', 'secret', 'private', 'access', 'signing', 'encryption', 'master', 'auth', 'client', 'session', 'hmac', 'jwt',
  'webhook', 'license', 'service', 'subscription', 'storage', 'account', 'shared', 'app', 'consumer', 'crypto', 'cipher',
]);
/** A trailing word that says the name describes a secret rather than holds one: `token_type`, `password_field`. */
const metadataWords = new Set([
  'type', 'name', 'names', 'url', 'uri', 'endpoint', 'path', 'file', 'filename', 'dir', 'header', 'field', 'len',
  'length', 'count', 'limit', 'id', 'prefix', 'suffix', 'pattern', 'regex', 'env', 'var', 'variable', 'format',
  'label', 'placeholder', 'message', 'msg', 'error', 'hint', 'help', 'mode', 'kind', 'ttl', 'timeout', 'expiry',
  'min', 'max', 'policy', 'scheme', 'method', 'param', 'column', 'attr', 'prompt', 'text', 'description', 'title',
  'class', 'style', 'icon', 'required', 'enabled', 'input', 'selector', 'location', 'size', 'index', 'idx', 'key',
  'keys', 'ids', 'fields', 'types', 'version', 'provider', 'store', 'manager', 'service', 'handler', 'validator', 'files', 'state', 'status', 'hdr',
  'headers', 'names', 'pattern', 'patterns', 'regexp', 're', 'kinds', 'schema', 'template', 'test',
]);

function wordsOf(name: string): string[] {
  const last = name.replace(/["'`[\]]/g, '').split('.').pop() ?? '';
  return last
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_-]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
}

/** True for names like `password`, `DB_PASS`, `apiKey`, `client_secret`, `authToken`, `"api-key"`. */
export function isSecretName(name: string): boolean {
  const words = wordsOf(name);
  if (words.length === 0) return false;
  const last = words[words.length - 1]!;
  // `api_key` ends in `key` and is a secret; `token_key`/`password_field` name something about one.
  const isKey = (w: string, i: number) => (w === 'key' || w === 'keys') && i > 0 && keyQualifiers.has(words[i - 1]!);
  if (metadataWords.has(last) && !isKey(last, words.length - 1)) return false;
  // A lone `pass` is Python's keyword (`'pass': …` in grammars); `db_pass` is a password.
  return words.some((w, i) => (secretWords.has(w) && (w !== 'pass' || words.length > 1)) || isKey(w, i));
}

const passwordWords = new Set(['password', 'passwords', 'passwd', 'pwd', 'pass', 'passphrase', 'passcode']);

/** `password` for password-like names, else `secret`: tells the model what kind of value was there. */
export function secretKindOf(name: string): string {
  return wordsOf(name).some((w) => passwordWords.has(w)) ? 'password' : 'secret';
}
