/**
 * The critic-model stage: probes first (so their runs are evidence), then one critique request
 * per batch of units, asked of every panel member at once. Each answer is anchored quote by quote,
 * held to the per-unit budget, voted on by the panel, and levelled by the evidence.
 *
 * Failures never fail the check: an unusable answer is counted, a failing member becomes one
 * notice per kind and is not asked again in this run, and cancellation surfaces as AbortError.
 */
import { isAbortError, throwIfAborted } from '../abort.js';
import type { RawFinding } from '../findings.js';
import { ToolUnavailableError, type EvidenceRecord } from '../evidence/tool.js';
import type { CriticModel } from '../model/provider.js';
import type { Redaction } from '../model/redact.js';
import { redactOutgoing } from '../model/secretVault.js';
import { learnProjectSecrets } from '../model/learningFs.js';
import type { CritiqueAnswer } from '../model/schemas.js';
import type { Sandbox, SandboxUnavailable } from '../sandbox/types.js';
import type { SyntaxService } from '../syntax/syntaxService.js';
import type { CodeUnit } from '../syntax/units.js';
import type { EngineContext } from '../types.js';
import { anchorAnswer, budgeted, corroboratingEvidence, toRawFinding, type Candidate, type Evidence } from './candidates.js';
import { batchUnits, critiqueRequest } from './critiqueRequest.js';
import { panelVote } from './panel.js';
import { probeSource, runProbes } from './probes.js';
import { StageRun } from './stageRun.js';
import type { ModelStage, ModelStageInput, ModelStageOutput } from './types.js';
import { firstLine } from '../text.js';

export interface ModelStageDeps {
  ctx: EngineContext;
  /** The engine's own syntax service (`engine.syntax`), for context packing. */
  syntax: SyntaxService;
  /**
   * One instance per configured model, kept for the whole session (they learn what their server
   * accepts). Several make a panel.
   */
  models: readonly CriticModel[];
  /** Where probes run; without one (or when it is unavailable) no probes are asked for. */
  sandbox?: Sandbox | SandboxUnavailable;
}

/** Creates the stage the Engine runs after its tools: `new Engine(ctx, tools, { modelStage })`. */
export function createModelStage(deps: ModelStageDeps): ModelStage {
  if (deps.models.length === 0) throw new Error('createModelStage: at least one model is needed (an engine without a model has no model stage)');
  return new CriticModelStage(deps);
}

class CriticModelStage implements ModelStage {
  readonly modelIds: readonly string[];

  constructor(private readonly deps: ModelStageDeps) {
    this.modelIds = deps.models.map((m) => m.id);
  }

  async run(input: ModelStageInput): Promise<ModelStageOutput> {
    const { ctx } = this.deps;
    const run = new StageRun(ctx.log, input.signal);
    throwIfAborted(input.signal);
    // Values from the project's credential files are hidden wherever they appear (test output, probes).
    await learnProjectSecrets(ctx.fs, input.doc.projectRoot);
    // Redacted once: the model quotes this text, and anchoring maps its spans back.
    const redaction = redactOutgoing(input.doc.text);
    const evidence: Evidence[] = input.findings.filter((f) => f.tier !== 'model');
    const findings: RawFinding[] = [];
    const records: EvidenceRecord[] = [];

    const probes = await this.probe(input, run, redaction);
    findings.push(...probes.findings);
    records.push(...probes.records);
    evidence.push(...probes.findings.filter((f) => f.tier !== 'model'));

    const { maxFindingsPerUnit } = ctx.config.model;
    if (maxFindingsPerUnit > 0) {
      for (const units of batchUnits(input.units)) {
        throwIfAborted(input.signal);
        const members = this.deps.models.map((model, member) => ({ model, member })).filter((m) => run.usable(m.model));
        if (members.length === 0) break;
        const { request, redactedSecrets } = await critiqueRequest({
          syntax: this.deps.syntax,
          doc: input.doc,
          redaction,
          units,
          findings: input.findings,
          records: [...input.records, ...records],
          diffHunk: input.diffHunk,
          maxFindingsPerUnit,
          log: ctx.log,
          signal: input.signal,
        });
        run.stats.redactedSecrets += redactedSecrets;
        const settled = await Promise.allSettled(members.map((m) => run.ask(m.model, request)));
        throwIfAborted(input.signal);
        const answers: Array<{ model: CriticModel; member: number; answer: CritiqueAnswer }> = [];
        settled.forEach((s, i) => {
          // `ask` books every failure itself; only cancellation rejects.
          if (s.status === 'rejected') throw s.reason;
          if (s.value) answers.push({ ...members[i]!, answer: s.value.json as CritiqueAnswer });
        });
        findings.push(...this.judge(input, units, answers, redaction, evidence, run));
      }
    }
    return { findings, records, stats: run.stats, notices: run.notices };
  }

  /** Anchors, budgets and (for a panel) votes on one batch's answers. */
  private judge(
    input: ModelStageInput,
    units: readonly CodeUnit[],
    answers: ReadonlyArray<{ model: CriticModel; member: number; answer: CritiqueAnswer }>,
    redaction: Redaction,
    evidence: readonly Evidence[],
    run: StageRun,
  ): RawFinding[] {
    const { config, log } = this.deps.ctx;
    const budget = { maxPerUnit: config.model.maxFindingsPerUnit, minConfidence: config.model.minConfidence };
    const file = input.doc.path;
    const perMember: Candidate[] = [];
    for (const { model, member, answer } of answers) {
      for (const [reason, n] of Object.entries(answer.invalidReasons ?? {})) run.stats.invalid[reason] = (run.stats.invalid[reason] ?? 0) + (n ?? 0);
      const anchored = anchorAnswer(answer, member, model.id, { documentText: input.doc.text, redaction, units }, run.stats);
      // Recorded, not enforced: a "correct" verdict with findings still has findings worth showing.
      log.debug(`model ${model.id}: ${file} [${units.map((u) => u.name).join(', ')}]: verdict ${answer.verdict}, ${answer.findings.length} finding(s), ${anchored.length} anchored, ${answer.invalidFindings} invalid`);
      // Each member is held to the budget a single critic has; the panel then votes on what is left.
      perMember.push(...budgeted(anchored, budget, run.stats));
    }
    if (this.deps.models.length === 1) return perMember.map((c) => toRawFinding(c, file, evidence));
    if (answers.length === 0) return [];
    // A member that failed cannot vote: the quorum shrinks with the members who answered, down to
    // a single critic's reading, which is capped at warning like any model-only finding.
    const quorum = Math.max(1, Math.min(config.model.quorum, this.deps.models.length, answers.length));
    const { kept, dropped } = panelVote(perMember, {
      quorum,
      size: this.deps.models.length,
      file,
      corroborated: (c) => corroboratingEvidence({ file, range: c.range }, evidence).length > 0,
    });
    run.stats.panelDropped += dropped;
    // Members' budgets do not add up: the panel's output is held to one critic's budget again.
    const final = budgeted(
      kept.map((k) => ({ ...k.finding, note: k.note })),
      budget,
      run.stats,
    );
    return final.map((c) => toRawFinding(c, file, evidence, c.note));
  }

  /** The probe step, when enabled and a sandbox is usable; its failures are notices. */
  private async probe(input: ModelStageInput, run: StageRun, redaction: Redaction): Promise<{ findings: RawFinding[]; records: EvidenceRecord[] }> {
    const { ctx, sandbox } = this.deps;
    const none = { findings: [], records: [] };
    if (!ctx.config.model.probes || !ctx.config.execution.enabled || !sandbox || sandbox.isolation === 'none') return none;
    try {
      return await runProbes(input, { ctx, syntax: this.deps.syntax, sandbox: sandbox as Sandbox, models: this.deps.models, run, redaction });
    } catch (err) {
      if (isAbortError(err) || input.signal.aborted) throw err;
      if (err instanceof ToolUnavailableError) run.notice('probes-unavailable', err.message, probeSource);
      else {
        ctx.log.error(`probes failed on ${input.doc.path}`, err);
        run.notice('probes-failed', `Probes failed on ${input.doc.path} (${firstLine(err)}); the critique goes on without them.`, probeSource);
      }
      return none;
    }
  }
}
