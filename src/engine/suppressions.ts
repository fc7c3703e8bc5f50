/**
 * Inline suppressions written as comments (found with tree-sitter, so a string that merely
 * contains the words does not count):
 *   `critic-ignore [rule …]`            on the line it ends
 *   `critic-ignore-next-line [rule …]`  on the following line
 *   `critic-ignore-file [rule …]`       anywhere in the file
 * Without rules every finding there is suppressed. Rules may be written `ts-2339`,
 * `critic/ts-2339`, or just the tool's code (`2339`, `F821`).
 */
import type { Finding } from './findings.js';
import type { Comment } from './syntax/syntaxService.js';

interface Suppression {
  /** 0-based line, or -1 for the whole file. */
  line: number;
  rules: string[];
}

const directive = /critic-ignore(-next-line|-file)?\b([^\n]*)/g;

export function parseSuppressions(comments: readonly Comment[]): Suppression[] {
  const out: Suppression[] = [];
  for (const c of comments) {
    for (const m of c.text.matchAll(directive)) {
      const before = c.text.slice(0, m.index);
      const line = c.range.start.line + (before.match(/\n/g)?.length ?? 0);
      // Rules end at the first word that is not a rule id (a reason may follow: `-- because …`).
      const rules: string[] = [];
      for (const word of m[2]!.split(/[\s,]+/).filter(Boolean)) {
        if (!/^[\w./-]+$/.test(word) || word.startsWith('--')) break;
        rules.push(word.replace(/^critic\//, ''));
      }
      const kind = m[1];
      out.push({ line: kind === '-file' ? -1 : kind === '-next-line' ? line + 1 : line, rules });
    }
  }
  return out;
}

function ruleMatches(rule: string, wanted: string): boolean {
  return rule === wanted || rule.endsWith(`-${wanted}`);
}

export function isSuppressed(finding: Pick<Finding, 'rule' | 'range'>, suppressions: readonly Suppression[]): boolean {
  return suppressions.some(
    (s) => (s.line === -1 || s.line === finding.range.start.line) && (s.rules.length === 0 || s.rules.some((r) => ruleMatches(finding.rule, r))),
  );
}
