/**
 * Secret redaction for every text that leaves the machine (prompts to a critic model).
 *
 * Secrets are replaced by placeholders such as `<REDACTED:openai-key>` while the code around them
 * (quotes, variable names, URL shape, line count) stays intact, so the model still reads the code's
 * structure. Placeholders are never matched again: redacting twice is a no-op.
 *
 * Anchoring quotes: the model quotes the *redacted* text. Redact the whole document once, give the
 * model `redactedSlice(redaction, unit.startIndex, unit.endIndex)` for each unit, and pass the same
 * `redaction` to `anchorQuote` (anchor.ts), which searches the redacted text and maps the span back
 * through `replacements` with `toOriginalOffset`. A quote that covers part of a placeholder maps to
 * the whole original secret span.
 */

/** One replaced secret: its span in the original text and the placeholder's span in the redacted text. */
export interface Replacement {
  start: number;
  end: number;
  redactedStart: number;
  redactedEnd: number;
  /** What was found: `openai-key`, `password`, `private-key`, … */
  kind: string;
}

export interface Redaction {
  text: string;
  /** How many secrets were replaced. */
  count: number;
  /** Sorted by position, non-overlapping. */
  replacements: Replacement[];
}

const placeholderPrefix = '<REDACTED:';

/** The text that stands in for a secret of the given kind. */
export function placeholder(kind: string): string {
  return `${placeholderPrefix}${kind}>`;
}

interface Candidate {
  start: number;
  end: number;
  kind: string;
  /** Replacement text; defaults to the placeholder. */
  with?: string;
}

type Rule = (text: string) => Candidate[];

/** The span of a group; group rules are compiled with the `d` flag so the span is exact. */
function spanOf(m: RegExpMatchArray, group: number): [number, number] | undefined {
  if (group === 0) return [m.index!, m.index! + m[0].length];
  return m.indices?.[group];
}

/** Whole-match (or one group, with the `d` flag) rule for a token with a recognisable shape. */
function tokenRule(kind: string, re: RegExp, group = 0): Rule {
  return (text) => {
    const out: Candidate[] = [];
    for (const m of text.matchAll(re)) {
      const span = spanOf(m, group);
      if (!span || text.slice(span[0], span[1]).includes(placeholderPrefix)) continue;
      out.push({ start: span[0], end: span[1], kind });
    }
    return out;
  };
}

/**
 * PEM private keys: keep the BEGIN/END lines, replace the body, and keep its line breaks so line
 * numbers in the prompt still match the file. A key without an END line loses its base64 run.
 */
const pemRule: Rule = (text) => {
  const out: Candidate[] = [];
  const begin = /-----BEGIN ([A-Z0-9 ]*?)PRIVATE KEY( BLOCK)?-----/g;
  for (const m of text.matchAll(begin)) {
    const bodyStart = m.index! + m[0].length;
    const endMarker = `-----END ${m[1]}PRIVATE KEY${m[2] ?? ''}-----`;
    let bodyEnd = text.indexOf(endMarker, bodyStart);
    if (bodyEnd < 0) {
      // Unterminated (split string, truncated file): take the base64 run, escaped newlines included.
      const run = /^(?:[A-Za-z0-9+/=\s]|\\n|\\r)*/.exec(text.slice(bodyStart))![0];
      bodyEnd = bodyStart + run.length;
    }
    const body = text.slice(bodyStart, bodyEnd);
    if (!/[A-Za-z0-9+/]{8}/.test(body) || body.includes(placeholderPrefix)) continue;
    const lead = /^(?:\s|\\n|\\r)*/.exec(body)![0];
    const breaks = (body.slice(lead.length).match(/\r\n|\n|\r/g) ?? []).join('');
    out.push({ start: bodyStart, end: bodyEnd, kind: 'private-key', with: `${lead}${placeholder('private-key')}${breaks}` });
  }
  return out;
};

/** Connection strings with credentials: only the password between `user:` and `@` is replaced. */
const connectionStringRule: Rule = (text) => {
  const out: Candidate[] = [];
  const re = /\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s:/@'"`<>]*:([^\s@/'"`]+)@/g;
  for (const m of text.matchAll(re)) {
    const pass = m[1]!;
    // Interpolations (`${pw}`, `{pw}`, `%s`) are code, not secrets.
    if (pass.includes(placeholderPrefix) || /[{}$%]/.test(pass)) continue;
    const start = m.index! + m[0].length - 1 - pass.length;
    out.push({ start, end: start + pass.length, kind: 'password' });
  }
  return out;
};

const secretWords = new Set([
  'password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'secrets', 'token', 'apikey', 'auth',
  'authorization', 'credential', 'credentials', 'privatekey', 'accesskey', 'secretkey',
]);
/** Words that, before `key`, make a secret: `api_key`, `signingKey`, `MASTER_KEY`. */
const keyQualifiers = new Set(['api', 'secret', 'private', 'access', 'signing', 'encryption', 'master', 'auth', 'client', 'session']);
/** A trailing word that says the name describes a secret rather than holds one: `token_type`, `password_field`. */
const metadataWords = new Set([
  'type', 'name', 'names', 'url', 'uri', 'endpoint', 'path', 'file', 'filename', 'dir', 'header', 'field', 'len',
  'length', 'count', 'limit', 'id', 'prefix', 'suffix', 'pattern', 'regex', 'env', 'var', 'variable', 'format',
  'label', 'placeholder', 'message', 'msg', 'error', 'hint', 'help', 'mode', 'kind', 'ttl', 'timeout', 'expiry',
  'min', 'max', 'policy', 'scheme', 'method', 'param', 'column', 'attr', 'prompt', 'text', 'description', 'title',
  'class', 'style', 'icon', 'required', 'enabled', 'input', 'selector', 'location',
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
  if (words.length === 0 || metadataWords.has(words[words.length - 1]!)) return false;
  return words.some((w, i) => secretWords.has(w) || (w === 'key' && i > 0 && keyQualifiers.has(words[i - 1]!)));
}

const passwordWords = new Set(['password', 'passwd', 'pwd', 'pass', 'passphrase']);

/** `password` for password-like names, else `secret`: tells the model what kind of value was there. */
function secretKindOf(name: string): string {
  return wordsOf(name).some((w) => passwordWords.has(w)) ? 'password' : 'secret';
}

/**
 * String literals assigned to secret-looking names in Python and JS/TS: `password = "…"`,
 * `api_key: str = '…'`, `{ token: '…' }`, `{"secret": "…"}`, `cfg["apiKey"] = "…"`, `password="…"`
 * as a keyword argument, and comparisons `pw == "…"`. Only the literal's content is replaced.
 */
const assignmentRule: Rule = (text) => {
  const out: Candidate[] = [];
  const re =
    /(["'`]?[A-Za-z_$][\w$.-]*["'`]?\]?)[ \t]*(?::[ \t]*[A-Za-z_][\w[\], .|]*?)?[ \t]*(?:=|:=|:|==|===|!=|!==)[ \t]*(?:[rRbBuU]{1,2})?(["'`])((?:\\.|(?!\2)[^\\\n])*)\2/dg;
  for (const m of text.matchAll(re)) {
    const name = m[1]!;
    const value = m[3]!;
    if (value.length < 3 || value.includes(placeholderPrefix) || /\$\{|\{\{/.test(value)) continue;
    if (!isSecretName(name)) continue;
    const span = spanOf(m, 3)!;
    out.push({ start: span[0], end: span[1], kind: secretKindOf(name) });
  }
  return out;
};

/** `.env` lines: `DB_PASSWORD=hunter2` (no spaces around `=`, upper-case name, unquoted value). */
const dotenvRule: Rule = (text) => {
  const out: Candidate[] = [];
  const re = /^[ \t]*(?:export[ \t]+)?([A-Z][A-Z0-9_]*)=([^\s'"`#][^\s#]*)[ \t]*(?:#.*)?$/dgm;
  for (const m of text.matchAll(re)) {
    const value = m[2]!;
    // Code like `TOKEN=make_token()` or `SECRET=OTHER_CONSTANT` is not a value.
    if (!isSecretName(m[1]!) || /[()[\]{}]/.test(value) || /^[A-Z_][A-Z0-9_]*$/.test(value) || value.includes(placeholderPrefix)) continue;
    const span = spanOf(m, 2)!;
    out.push({ start: span[0], end: span[1], kind: secretKindOf(m[1]!) });
  }
  return out;
};

/** In priority order: when two candidates overlap, the earlier rule wins (more specific label). */
const rules: Rule[] = [
  pemRule,
  tokenRule('anthropic-key', /\bsk-ant-[A-Za-z0-9_-]{20,}/g),
  tokenRule('openai-key', /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g),
  tokenRule('stripe-key', /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}/g),
  tokenRule('aws-access-key', /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g),
  tokenRule(
    'aws-secret-key',
    /(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)["'`]?\]?[ \t]*(?::|=|:=)[ \t]*["'`]?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/dgi,
    1,
  ),
  tokenRule('github-token', /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/g),
  tokenRule('slack-token', /\bxox[abposr]-[A-Za-z0-9-]{10,}/g),
  tokenRule('google-api-key', /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g),
  tokenRule('jwt', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g),
  tokenRule('bearer-token', /\bBearer[ \t]+([A-Za-z0-9._~+/-]{16,}=*)/dgi, 1),
  tokenRule('basic-auth', /\bBasic[ \t]+([A-Za-z0-9+/]{16,}={0,2})(?![A-Za-z0-9+/=])/dg, 1),
  connectionStringRule,
  assignmentRule,
  dotenvRule,
];

/** Replaces secrets in `text` with placeholders; see the module comment for anchoring. */
export function redactSecrets(text: string): Redaction {
  const accepted: Candidate[] = [];
  for (const rule of rules) {
    for (const c of rule(text)) {
      if (c.end <= c.start) continue;
      if (accepted.some((a) => c.start < a.end && a.start < c.end)) continue;
      accepted.push(c);
    }
  }
  if (accepted.length === 0) return { text, count: 0, replacements: [] };
  accepted.sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  const replacements: Replacement[] = [];
  let last = 0;
  let length = 0;
  for (const c of accepted) {
    const before = text.slice(last, c.start);
    parts.push(before);
    length += before.length;
    const replacement = c.with ?? placeholder(c.kind);
    parts.push(replacement);
    replacements.push({ start: c.start, end: c.end, redactedStart: length, redactedEnd: length + replacement.length, kind: c.kind });
    length += replacement.length;
    last = c.end;
  }
  parts.push(text.slice(last));
  return { text: parts.join(''), count: replacements.length, replacements };
}

/**
 * Maps an offset in the redacted text back to the original. An offset inside a placeholder maps to
 * the secret's start (`bias: 'start'`) or end (`bias: 'end'`), so a span never cuts a secret in half.
 */
export function toOriginalOffset(redaction: Pick<Redaction, 'replacements'>, offset: number, bias: 'start' | 'end'): number {
  let delta = 0;
  for (const r of redaction.replacements) {
    if (offset <= r.redactedStart) break;
    if (offset < r.redactedEnd) return bias === 'start' ? r.start : r.end;
    delta = r.end - r.redactedEnd;
  }
  return offset + delta;
}

/** Maps an offset in the original text to the redacted text (the inverse of `toOriginalOffset`). */
export function toRedactedOffset(redaction: Pick<Redaction, 'replacements'>, offset: number, bias: 'start' | 'end'): number {
  let delta = 0;
  for (const r of redaction.replacements) {
    if (offset <= r.start) break;
    if (offset < r.end) return bias === 'start' ? r.redactedStart : r.redactedEnd;
    delta = r.redactedEnd - r.end;
  }
  return offset + delta;
}

/** The redacted text of an original span, e.g. a unit's `startIndex..endIndex`: what the model sees. */
export function redactedSlice(redaction: Redaction, start: number, end: number): string {
  return redaction.text.slice(toRedactedOffset(redaction, start, 'start'), toRedactedOffset(redaction, end, 'end'));
}
