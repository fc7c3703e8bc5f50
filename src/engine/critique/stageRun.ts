/**
 * The bookkeeping of one model stage run: statistics, notices (one per failure kind), and the
 * members that failed in a way that will not heal within the run (a rejected key, an unreachable
 * server), so that the next batch does not wait for the same failure again.
 */
import { isAbortError } from '../abort.js';
import { ModelError, ModelOutputError } from '../model/errors.js';
import type { CriticModel, ModelReply, ModelRequest } from '../model/provider.js';
import { oneLine } from '../text.js';
import type { ToolNotice } from '../notices.js';
import type { Logger } from '../types.js';
import { emptyStats, type ModelStats } from './types.js';

/** The tool id of every notice the model stage shows. */
export const modelNoticeTool = 'model';

export class StageRun {
  readonly stats: ModelStats = emptyStats();
  readonly notices: ToolNotice[] = [];
  private readonly noticed = new Set<string>();
  /** Members that will fail again if asked again in this run. */
  private readonly disabled = new Set<string>();

  constructor(
    private readonly log: Logger,
    readonly signal: AbortSignal,
  ) {}

  /** Whether a member may still be asked in this run. */
  usable(model: CriticModel): boolean {
    return !this.disabled.has(model.id);
  }

  /**
   * Asks one member and books the reply. Resolves with the reply, or undefined when the member
   * failed (the failure is counted or shown once); rejects only on cancellation.
   */
  async ask(model: CriticModel, req: ModelRequest): Promise<ModelReply | undefined> {
    this.stats.requests++;
    try {
      const reply = await model.complete(req);
      this.stats.promptTokens += reply.usage?.promptTokens ?? 0;
      this.stats.completionTokens += reply.usage?.completionTokens ?? 0;
      return reply;
    } catch (err) {
      this.fail(model, err);
      return undefined;
    }
  }

  /** Books a member's failure; rethrows cancellation. */
  fail(model: CriticModel, err: unknown): void {
    if (isAbortError(err) || this.signal.aborted) throw err;
    if (err instanceof ModelOutputError) {
      // One unusable answer is the model's bad luck on this prompt, not a reason to stop asking it.
      this.stats.malformed++;
      this.log.debug(`model ${model.id}: ${err.message}${err.excerpt ? ` — starts: ${err.excerpt.slice(0, 200)}` : ''}`);
      return;
    }
    if (err instanceof ModelError) {
      // Only the prompt's size is specific to one request; every other failure would repeat.
      if (err.kind !== 'context-too-long') this.disabled.add(model.id);
      this.notice(err.kind, err.message);
      return;
    }
    this.log.error(`model ${model.id} failed`, err);
    this.disabled.add(model.id);
    this.notice('internal', `The critic model stage failed for ${model.id} (${oneLine((err as Error)?.message ?? String(err), 160)}); model findings are skipped — see the log for details.`);
  }

  /** Shows `message` unless a notice of the same kind was shown in this run. */
  notice(kind: string, message: string, tool = modelNoticeTool): void {
    if (this.noticed.has(kind)) return;
    this.noticed.add(kind);
    this.notices.push({ tool, message, kind });
  }
}

