/**
 * Documentation links for rule ids (`Diagnostic.codeDescription`): the tool's own link when it
 * gave one (ESLint rules carry `meta.docs.url`), else a known page. ruff's wasm build reports only
 * codes, and its pages are named after the rule, so the rules Critic selects by default are listed.
 */
import type { Finding } from '../engine/findings.js';

const ruffNames: Record<string, string> = {
  F401: 'unused-import',
  F403: 'undefined-local-with-import-star',
  F405: 'undefined-local-with-import-star-usage',
  F541: 'f-string-missing-placeholders',
  F632: 'is-literal',
  F811: 'redefined-while-unused',
  F821: 'undefined-name',
  F822: 'undefined-export',
  F823: 'undefined-local',
  F841: 'unused-variable',
  F842: 'unused-annotation',
  F901: 'raise-not-implemented',
  B006: 'mutable-argument-default',
  B007: 'unused-loop-control-variable',
  B011: 'assert-false',
  B015: 'useless-comparison',
  B018: 'useless-expression',
  B023: 'function-uses-loop-variable',
  E711: 'none-comparison',
  E712: 'true-false-comparison',
  E722: 'bare-except',
  E741: 'ambiguous-variable-name',
};

/** The documentation URL of a finding's rule, when one is known. */
export function ruleDocUrl(f: Pick<Finding, 'rule' | 'helpUri'>): string | undefined {
  if (f.helpUri && /^https:\/\//.test(f.helpUri)) return f.helpUri;
  const ruff = /^ruff-([A-Z]+\d+)$/.exec(f.rule);
  if (ruff) {
    const name = ruffNames[ruff[1]!];
    return name ? `https://docs.astral.sh/ruff/rules/${name}/` : undefined;
  }
  return undefined;
}
