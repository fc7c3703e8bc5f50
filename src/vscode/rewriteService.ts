/**
 * What the extension needs from the critique-guided rewrite: one call that proposes a rewrite of
 * a unit and says whether the tools verified it. The commands code against this interface; the
 * engine host adapts the engine's rewrite loop to it. Pure types.
 */
import type { SourceDocument } from '../engine/evidence/tool.js';
import type { Finding, Range } from '../engine/findings.js';

export type RewriteStatus =
  /** The tools confirm the rewrite fixes the failing evidence and breaks nothing. */
  | 'verified'
  /** A candidate exists but the tools could not confirm it (or it made things worse). */
  | 'unverified'
  /** The unit has no findings a rewrite could fix. */
  | 'nothing-to-fix'
  /** No usable candidate (the model failed or answered with nothing usable). */
  | 'failed';

export interface RewriteRequest {
  doc: SourceDocument;
  /** The function or class to rewrite (qualified name and range in `doc.text`). */
  unit: { name: string; range: Range };
  /** The findings the rewrite should fix (those of the unit). */
  findings: Finding[];
  signal: AbortSignal;
  /** Progress lines for the notification ("round 2: verifying…"). */
  progress?: (message: string) => void;
}

export interface RewriteOutcome {
  status: RewriteStatus;
  /** The whole document with the rewrite applied, when there is a candidate. */
  newText?: string;
  /** Unified diff of the change, for logs. */
  diff?: string;
  /** One line for the user: what was verified, or why it was not. */
  summary: string;
}

export interface RewriteService {
  /** Undefined when rewrites can run; otherwise the one-line reason and what to do. */
  unavailableReason(): string | undefined;
  rewrite(req: RewriteRequest): Promise<RewriteOutcome>;
}

export const needsModelMessage = 'Rewriting needs a critic model, and none is configured: run "Critic: Select Model" to choose one (tool findings keep working without it).';

/** The service used when rewriting cannot run at all. */
export function unavailableRewrites(reason: string): RewriteService {
  return {
    unavailableReason: () => reason,
    rewrite: () => Promise.resolve({ status: 'failed', summary: reason }),
  };
}
