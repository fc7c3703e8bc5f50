/** The contract between the pipeline and the critic-model stage. */
import type { Finding, RawFinding } from '../findings.js';
import type { EvidenceRecord, SourceDocument } from '../evidence/tool.js';
import type { ParsedFile } from '../syntax/syntaxService.js';
import type { CodeUnit } from '../syntax/units.js';
import type { ToolNotice } from '../notices.js';

export interface ModelStageInput {
  doc: SourceDocument;
  parsed: ParsedFile;
  /** Units to critique, chosen by the pipeline (those touching the focus lines, else all). */
  units: CodeUnit[];
  /** Tool and executed findings already placed for this document (the model's evidence). */
  findings: Finding[];
  /** Executed evidence, passing and failing. */
  records: EvidenceRecord[];
  /** The diff hunk(s) of the document when reviewing changes. */
  diffHunk?: string;
  signal: AbortSignal;
}

export interface ModelStats {
  requests: number;
  /** Findings whose quote was not in the code. */
  hallucinated: number;
  /** Findings whose quote was in the file but not in the units under critique. */
  outsideUnit: number;
  /** Findings of usable answers that could not be mapped to the schema, by reason (`InvalidReason`). */
  invalid: Record<string, number>;
  /** Answers that were not valid JSON of the right shape. */
  malformed: number;
  belowConfidenceFloor: number;
  overBudget: number;
  /** Panel findings that did not reach the quorum. */
  panelDropped: number;
  redactedSecrets: number;
  promptTokens: number;
  completionTokens: number;
  probesRun: number;
  /** Probes that could not be parsed or imported. */
  probesDropped: number;
}

export interface ModelStageOutput {
  /** Model (and probe) findings with anchored ranges; the pipeline places them in units. */
  findings: RawFinding[];
  /** Probe runs, as executed evidence. */
  records: EvidenceRecord[];
  stats: ModelStats;
  notices: ToolNotice[];
}

export interface ModelStage {
  /** The model ids, for status displays ("gpt-4o-mini", or several for a panel). */
  readonly modelIds: readonly string[];
  run(input: ModelStageInput): Promise<ModelStageOutput>;
}

export function emptyStats(): ModelStats {
  return {
    requests: 0,
    hallucinated: 0,
    outsideUnit: 0,
    invalid: {},
    malformed: 0,
    belowConfidenceFloor: 0,
    overBudget: 0,
    panelDropped: 0,
    redactedSecrets: 0,
    promptTokens: 0,
    completionTokens: 0,
    probesRun: 0,
    probesDropped: 0,
  };
}
