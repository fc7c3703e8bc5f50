/**
 * Findings → LSP diagnostics. Pure: `source: "critic"`, `code` the rule id, `codeDescription`
 * where the rule has docs, the evidence (the example, the failing test, the assertion line) as
 * `relatedInformation`, and tier, confidence, fingerprint and unit in `data` — the key code
 * actions and the rewrite command look findings up by.
 */
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, DiagnosticTag, type Diagnostic } from 'vscode-languageserver';
import type { Finding, Level, Tier } from '../engine/findings.js';
import { ruleDocUrl } from './ruleDocs.js';

/** What every Critic diagnostic carries in `data`. */
export interface DiagnosticData {
  fingerprint: string;
  tier: Tier;
  confidence: number;
  unit: string;
  /** The tool that reported it (`ruff`, `typescript`, `examples`, …). */
  tool: string;
  /** Document version the finding was computed for. */
  version: number;
}

const severity: Record<Level, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  note: DiagnosticSeverity.Information,
};

const tierLabel: Record<Tier, string> = { executed: 'ran', tool: 'tool', model: 'model' };

export function toDiagnostic(f: Finding, version: number): Diagnostic {
  const url = ruleDocUrl(f);
  const data: DiagnosticData = { fingerprint: f.fingerprint, tier: f.tier, confidence: f.confidence, unit: f.unit, tool: f.source, version };
  const d: Diagnostic = {
    range: f.range,
    severity: severity[f.level],
    source: 'critic',
    code: f.rule,
    // The tier says how strong the evidence is; model-only findings say so in the text too.
    message: f.tier === 'model' ? `${f.message} (critic model, confidence ${f.confidence.toFixed(2)})` : `${f.message} [${tierLabel[f.tier]}: ${f.source}]`,
    data,
  };
  if (url) d.codeDescription = { href: url };
  if (f.related.length) {
    d.relatedInformation = f.related.map((r) => ({ location: { uri: pathToFileURL(r.file).href, range: r.range }, message: r.message }));
  }
  if (f.rule === 'ruff-F401' || f.rule === 'ruff-F841' || f.rule === 'ts-6133') d.tags = [DiagnosticTag.Unnecessary];
  return d;
}
