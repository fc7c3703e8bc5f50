/**
 * Text that reaches the user's terminal. Findings, evidence, diffs, file names and notices carry
 * text from the code, its output and the model — all untrusted. A raw ESC there can write the
 * clipboard (OSC 52), plant a link (OSC 8), or move the cursor up and erase a line of the diff the
 * user is asked to trust; a bidi override can make a line read differently than it runs. So every
 * control character is shown as a visible escape (`\x1b`, `\u202e`) instead of being interpreted.
 *
 * Two layers: `visible` for each untrusted piece while formatting (so Critic's own colours can be
 * added around it), and `guardedWriter` on the CLI's stdout and stderr, which lets through only the
 * exact colour codes Critic itself emits and escapes anything else a formatter may have missed.
 */

/** C0 controls except tab and newline, DEL, C1 controls; bidi embeddings/overrides/isolates; line/paragraph separators. */
const controlPattern = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const controlOrBreakPattern = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Untrusted text made inert for a terminal: every control character becomes a visible escape.
 * `singleLine` also escapes newlines and tabs (names, rule ids, one-line fields); otherwise a
 * Windows line break is kept as a plain line break.
 */
export function visible(text: string, opts: { singleLine?: boolean } = {}): string {
  if (opts.singleLine) return text.replace(controlOrBreakPattern, escapeChar);
  return text.replace(/\r\n/g, '\n').replace(controlPattern, escapeChar);
}

/**
 * A file name for a text line: as is when plain, else JSON-quoted so a newline, tab, quote or
 * control character in the name can never split a finding or forge another one.
 */
export function quotedPath(path: string): string {
  if (!/["'\\\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(path)) return path;
  return JSON.stringify(path).replace(/[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The SGR codes Critic's formatters emit (reset, bold, dim, red, green, yellow, cyan); nothing else passes the guard. */
const ownColour = /\x1b\[(?:0|1|2|31|32|33|36)m/y;

/** Escapes every control character except newline, tab and Critic's own colour codes. */
export function guardTerminal(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\x1b') {
      ownColour.lastIndex = i;
      const m = ownColour.exec(text);
      if (m) {
        out += m[0];
        i += m[0].length - 1;
        continue;
      }
    }
    out += c === '\r' && text[i + 1] === '\n' ? '' : c.replace(controlPattern, escapeChar);
  }
  return out;
}

/**
 * JSON for machines: already valid and escaped below U+0020, but C1 controls and bidi characters
 * are legal raw in JSON strings; they are written as `\u` escapes so a tool that prints a message
 * never passes one to a terminal.
 */
export function jsonSafe(json: string): string {
  return json.replace(/[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A writer that applies `guardTerminal` to everything written through it. */
export function guardedWriter(write: (s: string) => void): (s: string) => void {
  return (s) => write(guardTerminal(s));
}
