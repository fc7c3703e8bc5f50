/**
 * The shapes of secrets redaction recognises (redact.ts applies them). Each rule returns spans of
 * secret text; the placeholder replaces only the secret, so quotes, names, URL shape and line
 * count stay as they were. Three families:
 *   - tokens with a recognisable prefix or structure (`ghp_…`, `sk_live_…`, JWTs, PEM/PuTTY keys,
 *     base64 of a PEM key), found anywhere: code, comments, output;
 *   - credentials inside a syntax: URL userinfo (passwords with `/` or `@` included), query
 *     parameters, `AccountKey=` connection strings, `curl -u user:pass`, `.netrc`;
 *   - any value given to a secret-like name: string literals in every form Python and JS write
 *     them (triple-quoted, prefixed, parenthesised, implicitly or `+`-concatenated, in tuples and
 *     lists, as `os.getenv(…, default)` / `?? 'default'` fallbacks), unquoted config lines
 *     (`.env`, YAML, INI) and `name: value` in comments.
 */
import { isSecretName, secretKindOf } from './secretNames.js';

export interface Candidate {
  start: number;
  end: number;
  kind: string;
  /** Replacement text; defaults to the placeholder. */
  with?: string;
}

export type Rule = (text: string) => Candidate[];

export const placeholderPrefix = '<REDACTED:';

/** The text that stands in for a secret of the given kind. */
export function placeholder(kind: string): string {
  return `${placeholderPrefix}${kind}>`;
}

/** The span of a group; group rules are compiled with the `d` flag so the span is exact. */
function spanOf(m: RegExpMatchArray, group: number): [number, number] | undefined {
  if (group === 0) return [m.index!, m.index! + m[0].length];
  return m.indices?.[group];
}

function clean(text: string, start: number, end: number): boolean {
  return end > start && !text.slice(start, end).includes(placeholderPrefix);
}

/** Whole-match (or one group, with the `d` flag) rule for a token with a recognisable shape. */
function tokenRule(kind: string, re: RegExp, group = 0, accept: (value: string) => boolean = () => true): Rule {
  return (text) => {
    const out: Candidate[] = [];
    for (const m of text.matchAll(re)) {
      const span = spanOf(m, group);
      if (!span || !clean(text, span[0], span[1]) || !accept(text.slice(span[0], span[1]))) continue;
      out.push({ start: span[0], end: span[1], kind });
    }
    return out;
  };
}

/** Template interpolations (`${pw}`, `{pw}`, `%s`, `%(pw)s`) are code, not secrets. */
const interpolation = /\$\{|\{\{|\{[\w.:!]*\}|%[sd]|%\(/;

/** A replacement that keeps the line breaks of what it replaces, so line numbers still match. */
function keepingBreaks(body: string): string {
  const lead = /^(?:\s|\\n|\\r)*/.exec(body)![0];
  const breaks = (body.slice(lead.length).match(/\r\n|\n|\r/g) ?? []).join('');
  return `${lead}${placeholder('private-key')}${breaks}`;
}

/**
 * PEM and SSH2 private keys: keep the BEGIN/END lines, replace the body. A key without an END
 * line (split string, truncated file) loses its base64 run, escaped newlines included.
 */
const pemRule: Rule = (text) => {
  const out: Candidate[] = [];
  const begin = /(-----|---- )BEGIN ([A-Z0-9 ]*?)PRIVATE KEY( BLOCK)?( -----|-----| ----)/g;
  for (const m of text.matchAll(begin)) {
    const bodyStart = m.index! + m[0].length;
    const endMarker = `${m[1]}END ${m[2]}PRIVATE KEY${m[3] ?? ''}${m[4]}`;
    let bodyEnd = text.indexOf(endMarker, bodyStart);
    if (bodyEnd < 0) {
      const run = /^(?:[A-Za-z0-9+/=\s:-]|\\n|\\r)*/.exec(text.slice(bodyStart))![0];
      bodyEnd = bodyStart + run.length;
    }
    const body = text.slice(bodyStart, bodyEnd);
    if (!/[A-Za-z0-9+/]{8}/.test(body) || body.includes(placeholderPrefix)) continue;
    out.push({ start: bodyStart, end: bodyEnd, kind: 'private-key', with: keepingBreaks(body) });
  }
  return out;
};

/** PuTTY `.ppk` keys: the `Private-Lines: N` block and the MAC; public lines are not secret. */
const puttyRule: Rule = (text) => {
  const out: Candidate[] = [];
  for (const m of text.matchAll(/Private-Lines:[ \t]*(\d+)[ \t]*(\r?\n|\\r?\\n)/g)) {
    const start = m.index! + m[0].length;
    const sep = m[2]!;
    let end = start;
    for (let i = 0; i < Number(m[1]); i++) {
      const line = /^[ \t]*[A-Za-z0-9+/=]*/.exec(text.slice(end))![0];
      end += line.length;
      if (i < Number(m[1]) - 1 && text.startsWith(sep, end)) end += sep.length;
      else if (i < Number(m[1]) - 1) break;
    }
    if (clean(text, start, end) && /[A-Za-z0-9+/]{8}/.test(text.slice(start, end))) out.push({ start, end, kind: 'private-key', with: keepingBreaks(text.slice(start, end)) });
  }
  for (const m of text.matchAll(/Private-(?:MAC|Hash):[ \t]*([0-9a-fA-F]{16,})/dg)) {
    const [s, e] = m.indices![1]!;
    if (clean(text, s, e)) out.push({ start: s, end: e, kind: 'private-key' });
  }
  return out;
};

/** A PEM private key encoded once more in base64 (Kubernetes secrets, CI variables): `LS0tLS1CRUdJTi…`. */
const base64PemRule: Rule = (text) => {
  const out: Candidate[] = [];
  for (const m of text.matchAll(/LS0tLS1CRUdJTi(?:[A-Za-z0-9+/=]|\r?\n|\\n)+/g)) {
    const head = Buffer.from(m[0].replace(/\\n|\s/g, '').slice(0, 120), 'base64').toString('latin1');
    if (!/PRIVATE KEY/.test(head)) continue;
    out.push({ start: m.index!, end: m.index! + m[0].length, kind: 'private-key', with: keepingBreaks(m[0]) });
  }
  return out;
};

/**
 * URL userinfo: `scheme://user:password@host`. The password runs to the last `@` before the host,
 * so one with `/` or `@` in it is replaced whole. A token used as the user (`https://<token>@host`,
 * Sentry DSNs) is replaced when it is long enough to be one.
 */
const urlCredentialRule: Rule = (text) => {
  const out: Candidate[] = [];
  const re = /\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^\s:/@'"`<>]*):([^\s'"`<>]+)@(?=[A-Za-z0-9[])/dg;
  for (const m of text.matchAll(re)) {
    const [s, e] = m.indices![2]!;
    // Documentation writes `scheme://user:password@host`; that word is not a password.
    if (interpolation.test(m[2]!) || /^(?:password|passwd|pass|pwd|pw|secret|token|\*+|x+|\.+|<[^>]*>)$/i.test(m[2]!) || !clean(text, s, e)) continue;
    out.push({ start: s, end: e, kind: 'password' });
  }
  for (const m of text.matchAll(/\b[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([A-Za-z0-9_~.-]{16,})@(?=[A-Za-z0-9[])/dg)) {
    const [s, e] = m.indices![1]!;
    if (clean(text, s, e)) out.push({ start: s, end: e, kind: 'secret' });
  }
  return out;
};

/** Command lines: `curl -u user:pass`, `--password=…`, `mysql -pPASS`, `sshpass -p PASS`. */
const commandLineRule: Rule = (text) => {
  const out: Candidate[] = [];
  const patterns = [
    /\b(?:curl|wget|http)\b[^\n]*?\s(?:-u[ \t]*|--user[ =])["']?[^\s:"']*:([^\s"']+)/dg,
    /--(?:http-|proxy-)?(?:password|passwd|token|api-key)[ =]["']?([^\s"'-][^\s"']*)/dg,
    /\bmysql(?:dump)?\b[^\n]*?\s-p([^\s"']+)/dg,
    /\bsshpass\b[^\n]*?\s-p[ \t]*["']?([^\s"']+)/dg,
    /\bmachine\s+\S+\s+login\s+\S+\s+password\s+(\S+)/dg,
  ];
  for (const re of patterns) {
    for (const m of text.matchAll(re)) {
      const [s, e] = m.indices![1]!;
      if (interpolation.test(m[1]!) || /^\$/.test(m[1]!) || !clean(text, s, e)) continue;
      out.push({ start: s, end: e, kind: 'password' });
    }
  }
  return out;
};

/** `AccountKey=…;` (Azure), `Password=…;` (ADO.NET), `?access_token=…&` and friends. */
const keyValueRule: Rule = (text) => {
  const out: Candidate[] = [];
  const patterns: Array<[RegExp, string]> = [
    [/\b(?:AccountKey|SharedAccessKey|SharedAccessSignature|SharedSecret)=([^;'"`\s]+)/dgi, 'azure-key'],
    [/;[ \t]*(?:Password|Pwd)=([^;'"`\s]+)/dgi, 'password'],
    [/\b(?:Password|Pwd)=([^;'"`\s]+);/dgi, 'password'],
    [/[?&](?:access_token|refresh_token|id_token|token|api_key|apikey|api-key|key|sig|signature|secret|client_secret|password|auth)=([^&#\s'"`<>]{6,})/dgi, 'secret'],
    [/\b_auth(?:Token)?[ \t]*=[ \t]*([^\s'"`]+)/dg, 'secret'],
  ];
  for (const [re, kind] of patterns) {
    for (const m of text.matchAll(re)) {
      const [s, e] = m.indices![1]!;
      if (interpolation.test(m[1]!) || !clean(text, s, e)) continue;
      out.push({ start: s, end: e, kind });
    }
  }
  return out;
};

interface Literal {
  /** The content span (without prefix and quotes). */
  start: number;
  end: number;
  /** Just after the closing quote. */
  next: number;
  template: boolean;
}

/** A Python or JS string literal starting at `i` (optionally prefixed: r, b, u, f, rb…), or undefined. */
function literalAt(text: string, i: number): Literal | undefined {
  const prefix = /^[rRbBuUfF]{0,2}/.exec(text.slice(i, i + 2))![0];
  const q = i + prefix.length;
  const c = text[q];
  if (c !== '"' && c !== "'" && c !== '`') return undefined;
  const formatted = /f/i.test(prefix);
  const triple = c !== '`' && text.startsWith(c.repeat(3), q);
  const quote = triple ? c.repeat(3) : c;
  const start = q + quote.length;
  for (let j = start; j < text.length; j++) {
    const ch = text[j];
    if (ch === '\\') {
      j++;
      continue;
    }
    if (ch === '\n' && !triple && c !== '`') return undefined;
    if (text.startsWith(quote, j)) {
      const body = text.slice(start, j);
      return { start, end: j, next: j + quote.length, template: (c === '`' && body.includes('${')) || (formatted && /\{[^{]/.test(body)) };
    }
  }
  return undefined;
}

/**
 * The string literals of one value starting at `i`: `"a"`, `("a")`, `"a" "b"`, `"a" + "b"`,
 * `("a", "b")`, `["a",\n "b"]`, over continuation lines. Stops at the first thing that is not
 * a literal or a joiner.
 */
export function literalRun(text: string, i: number): Literal[] {
  const parts: Literal[] = [];
  let depth = 0;
  let p = i;
  const skip = (newlines: boolean) => {
    for (;;) {
      const m = (newlines ? /^(?:\s|\\\r?\n)+/ : /^(?:[ \t]|\\\r?\n)+/).exec(text.slice(p, p + 200));
      if (!m) return;
      p += m[0].length;
    }
  };
  for (let guard = 0; guard < 64; guard++) {
    skip(depth > 0);
    if (text[p] === '(' || text[p] === '[') {
      depth++;
      p++;
      continue;
    }
    const lit = literalAt(text, p);
    if (!lit) break;
    parts.push(lit);
    p = lit.next;
    skip(depth > 0);
    if (text[p] === '+' || (depth > 0 && text[p] === ',')) {
      p++;
      skip(true);
    }
  }
  return parts;
}

/** Names that mean a lexer's token (`token == "def"`) as often as a credential. */
const lexerNames = /^(?:token|tok|tokens|toks)$/i;

/**
 * Values that are not secrets whatever the name: numbers and OIDs, booleans, an auth scheme being
 * concatenated (`"Basic " + …`), and for a bare `token` a short plain word (a lexer's keyword).
 */
function ordinaryValue(value: string, name: string): boolean {
  const v = value.trim();
  if (/^[\d.]+$/.test(v) || /^(?:yes|no|true|false|none|null|on|off|basic|bearer|token|bot|digest)$/i.test(v)) return true;
  return lexerNames.test(name.replace(/^.*\./, '').replace(/["'`\]]/g, '')) && !/\d/.test(v) && v.length <= 12;
}

function literalCandidates(text: string, parts: readonly Literal[], kind: string, name = ''): Candidate[] {
  const total = parts.reduce((n, l) => n + (l.end - l.start), 0);
  if (total < 3 || parts.some((l) => l.template)) return [];
  if (ordinaryValue(parts.map((l) => text.slice(l.start, l.end)).join(''), name)) return [];
  // Backticks in a comment are Markdown code (`password`), not a template literal.
  if (text[parts[0]!.start - 1] === '`' && /(?:^\s*(?:\*|\/\/|#)|\/\/|\/\*)/.test(text.slice(text.lastIndexOf('\n', parts[0]!.start) + 1, parts[0]!.start))) return [];
  return parts.filter((l) => clean(text, l.start, l.end) && !interpolation.test(text.slice(l.start, l.end))).map((l) => ({ start: l.start, end: l.end, kind }));
}

/**
 * String literals given to secret-looking names in Python and JS/TS: `password = "…"`,
 * `api_key: str = '…'`, `{ token: '…' }`, `{"secret": "…"}`, `cfg["apiKey"] = "…"`, keyword
 * arguments and comparisons — in every literal form `literalRun` reads.
 */
const assignmentRule: Rule = (text) => {
  const out: Candidate[] = [];
  const re = /(["'`]?[A-Za-z_$][\w$.-]*["'`]?\]?)[ \t]*(:[ \t]*[A-Za-z_][\w[\], .|]*?)?[ \t]*(=|:=|:|==|===|!=|!==|\+=)[ \t]*(?=[(\[rRbBuUfF"'`])/g;
  for (const m of text.matchAll(re)) {
    // A type annotation is followed by `=` only: `apiKey: a.b === 'x'` is an object field, not `apiKey: T = 'x'`.
    if (!isSecretName(m[1]!) || (m[2] && m[3] !== '=')) continue;
    out.push(...literalCandidates(text, literalRun(text, m.index! + m[0].length), secretKindOf(m[1]!), m[1]!));
  }
  return out;
};

/** Defaults of secret environment variables: `os.getenv("API_KEY", "…")`, `process.env.TOKEN ?? '…'`, `… or "…"`. */
const envDefaultRule: Rule = (text) => {
  const out: Candidate[] = [];
  const calls = /\b(?:getenv|environ\.get|environ\.setdefault|env\.get|getEnv|env)\(\s*["'`]([A-Za-z_][\w.-]*)["'`]\s*,\s*/g;
  const fallbacks = /(?:(?:process\.env|import\.meta\.env|os\.environ)(?:\.([A-Za-z_]\w*)|\[\s*["'`]([A-Za-z_][\w.-]*)["'`]\s*\])|(?:getenv|environ\.get|env\.get)\(\s*["'`]([A-Za-z_][\w.-]*)["'`]\s*\))\s*(?:\?\?|\|\||\bor\b)\s*/g;
  const target = (at: number) => {
    const line = text.slice(text.lastIndexOf('\n', at - 1) + 1, at);
    return /([A-Za-z_$][\w$.]*)\s*(?::[^=]*)?=[^=]*$/.exec(line)?.[1] ?? '';
  };
  for (const m of [...text.matchAll(calls), ...text.matchAll(fallbacks)]) {
    const name = m[1] ?? m[2] ?? m[3] ?? '';
    const assigned = target(m.index!);
    if (!isSecretName(name) && !isSecretName(assigned)) continue;
    out.push(...literalCandidates(text, literalRun(text, m.index! + m[0].length), secretKindOf(isSecretName(name) ? name : assigned)));
  }
  return out;
};

/** A bare value worth hiding: long enough, not a keyword, a number or a (dotted) identifier without digits. */
function bareSecret(value: string): boolean {
  if (value.length < 6 || interpolation.test(value) || /^(?:true|false|none|null|undefined|yes|no|on|off)$/i.test(value)) return false;
  // Numbers, plain words and dotted names (`settings.API_KEY2`) are code, not values.
  if (/^[\d.]+$/.test(value) || /^[A-Za-z_]+$/.test(value) || /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/.test(value)) return false;
  return true;
}

/**
 * Unquoted values of secret names on their own line: `.env` (`DB_PASSWORD=hunter22`), YAML and INI
 * (`password: hunter22`, `api_key = abc123`), and `name: value` / `name = value` / `name is value`
 * inside comments (`# prod password: hunter22`). Code such as `token = make_token()` is not a value.
 */
const bareValueRule: Rule = (text) => {
  const out: Candidate[] = [];
  const line = /^[ \t]*(?:export[ \t]+|-[ \t]+)?(?:[A-Za-z][\w-]*[ \t]+){0,3}?([A-Za-z_][\w.-]*)[ \t]*[:=][ \t]*([^\s'"`#;,()[\]{}<>]+)[ \t]*(?:#.*)?$/dgm;
  const inComment = /(?:#|\/\/|\/\*|^[ \t]*\*)[^\n]*?\b([A-Za-z_][\w.-]*)[ \t]*(?:[:=]|\bis\b)[ \t]*["'`]?([^\s"'`,;()<>]+)/dgm;
  for (const re of [line, inComment]) {
    for (const m of text.matchAll(re)) {
      const value = m[2]!.replace(/[.!?]+$/, '');
      if (!isSecretName(m[1]!) || !bareSecret(value)) continue;
      const [s] = m.indices![2]!;
      if (clean(text, s, s + value.length)) out.push({ start: s, end: s + value.length, kind: secretKindOf(m[1]!) });
    }
  }
  return out;
};

const isJwtPart = (v: string) => v.split('.').length === 3;

/** In priority order: when two candidates overlap, the earlier rule wins (more specific label). */
export const rules: Rule[] = [
  pemRule,
  puttyRule,
  base64PemRule,
  tokenRule('anthropic-key', /\bsk-ant-[A-Za-z0-9_-]{20,}/g),
  tokenRule('openai-key', /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g),
  tokenRule('stripe-key', /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}/g),
  tokenRule('stripe-key', /\bwhsec_[A-Za-z0-9]{24,}/g),
  tokenRule('aws-access-key', /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/g),
  tokenRule(
    'aws-secret-key',
    /(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)["'`]?\]?[ \t]*(?::|=|:=)[ \t]*["'`]?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/dgi,
    1,
  ),
  tokenRule('github-token', /\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})/g),
  tokenRule('gitlab-token', /\bgl(?:pat|dt|rt|ptt|cbt|imt|ft|soat|agent)-[A-Za-z0-9_-]{20,}/g),
  tokenRule('huggingface-token', /\bhf_[A-Za-z0-9]{30,}/g),
  tokenRule('npm-token', /\bnpm_[A-Za-z0-9]{36,}/g),
  tokenRule('pypi-token', /\bpypi-[A-Za-z0-9_-]{40,}/g),
  tokenRule('sendgrid-key', /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g),
  tokenRule('slack-token', /\bxox[abposre]-[A-Za-z0-9-]{10,}/g),
  tokenRule('slack-token', /\bxapp-\d-[A-Za-z0-9-]{10,}/g),
  tokenRule('slack-webhook', /hooks\.slack\.com\/(?:services|workflows)\/([A-Za-z0-9/_-]{20,})/dg, 1),
  tokenRule('discord-webhook', /discord(?:app)?\.com\/api\/webhooks\/(\d+\/[A-Za-z0-9_-]{20,})/dg, 1),
  tokenRule('google-api-key', /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g),
  tokenRule('google-oauth', /\b(?:ya29\.[0-9A-Za-z_-]{20,}|GOCSPX-[0-9A-Za-z_-]{20,})/g),
  tokenRule('azure-secret', /\b[A-Za-z0-9_~.-]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/g),
  tokenRule('api-token', /\b(?:gsk_[A-Za-z0-9]{40,}|r8_[A-Za-z0-9]{30,}|pplx-[A-Za-z0-9]{40,}|xai-[A-Za-z0-9]{40,}|lin_api_[A-Za-z0-9]{30,}|PMAK-[A-Za-z0-9-]{40,}|NRAK-[A-Z0-9]{20,}|dapi[0-9a-f]{32}|shp(?:at|ss|ca|pa)_[0-9a-fA-F]{32}|do[opr]_v1_[0-9a-f]{64}|dp\.(?:pt|st|sa|ct)\.[A-Za-z0-9]{40,}|sq0(?:atp|csp)-[A-Za-z0-9_-]{22,}|glc_[A-Za-z0-9+/=_-]{30,}|glsa_[A-Za-z0-9_]{30,}|key-[0-9a-zA-Z]{32}|AGE-SECRET-KEY-1[0-9A-Z]{50,}|ATATT3[A-Za-z0-9_=-]{50,})/g),
  tokenRule('telegram-token', /\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b/g),
  tokenRule('twilio-key', /\bSK[0-9a-fA-F]{32}\b/g),
  tokenRule('jwt', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, 0, isJwtPart),
  tokenRule('bearer-token', /\bBearer[ \t]+([A-Za-z0-9._~+/-]{16,}=*)/dgi, 1),
  tokenRule('bearer-token', /Authorization["'`]?[ \t]*[:=,][ \t]*["'`]?(?:token|bot)[ \t]+([A-Za-z0-9._~+/-]{16,}=*)/dgi, 1),
  tokenRule('basic-auth', /\bBasic[ \t]+([A-Za-z0-9+/]{16,}={0,2})(?![A-Za-z0-9+/=])/dg, 1),
  urlCredentialRule,
  commandLineRule,
  keyValueRule,
  assignmentRule,
  envDefaultRule,
  bareValueRule,
];
