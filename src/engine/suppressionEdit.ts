/**
 * The text edit behind "Ignore this finding": a `critic-ignore-next-line <rule>` comment above
 * the finding's line, in the language's comment syntax and at that line's indentation, or the
 * rule added to such a comment that is already there. Pure code.
 */
import type { LanguageId } from './languages.js';
import { lineCommentOf } from './languages.js';

export interface SuppressionEdit {
  /** 0-based line where the edit happens. */
  line: number;
  /** `insert`: a new line before `line`; `replace`: `line` becomes `text`. */
  kind: 'insert' | 'replace';
  /** The line's new text, without the line break. */
  text: string;
}

const existing = /^(\s*)(#|\/\/)\s*critic-ignore-next-line\b(.*)$/;

/**
 * A comment line can only suppress a finding on real code: not inside a docstring example
 * (`>>> …`) or a JSDoc block (`* …`), where a comment line would change the example itself.
 */
export function canSuppressInline(lineText: string): boolean {
  return !/^\s*(>>>|\.\.\.|\*)/.test(lineText);
}

/**
 * The edit that suppresses `rule` on line `line` of `lines` (the document split on '\n').
 * `eol` is the document's line break, for callers that build the inserted text.
 */
export function suppressionEdit(lines: readonly string[], line: number, language: LanguageId, rule: string): SuppressionEdit {
  const above = line > 0 ? lines[line - 1] ?? '' : undefined;
  const comment = lineCommentOf(language);
  if (above !== undefined) {
    const m = existing.exec(above.replace(/\r$/, ''));
    if (m && m[2] === comment) {
      const rest = m[3]!;
      // Rules come first; a reason (`-- why`) may follow them and must stay last.
      const reasonAt = rest.search(/\s--/);
      const rules = (reasonAt >= 0 ? rest.slice(0, reasonAt) : rest).trim();
      const reason = reasonAt >= 0 ? rest.slice(reasonAt) : '';
      if (rules.split(/[\s,]+/).includes(rule)) return { line: line - 1, kind: 'replace', text: above.replace(/\r$/, '') };
      return { line: line - 1, kind: 'replace', text: `${m[1]}${comment} critic-ignore-next-line ${rules ? `${rules} ` : ''}${rule}${reason}` };
    }
  }
  const indent = /^\s*/.exec(lines[line] ?? '')![0];
  return { line, kind: 'insert', text: `${indent}${comment} critic-ignore-next-line ${rule}` };
}
