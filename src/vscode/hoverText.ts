/** Pieces of hover and action text, pure code (unit-tested in plain Node). */

/**
 * `value` as a Markdown code span: the fence is longer than any run of backticks inside (so a
 * backtick in the value shows as itself and ends nothing), padded when the value starts or ends
 * with one, and newlines become spaces (a span is one line). Inline code wraps in a hover.
 */
export function codeSpan(value: string): string {
  const text = value.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || text.trim() === '' ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** The rewrite action's title: it says up front when the tools cannot verify the result. */
export function rewriteTitle(checkable: boolean): string {
  return checkable ? 'Rewrite with Critic (verified)' : 'Rewrite with Critic (unverified: model finding)';
}
