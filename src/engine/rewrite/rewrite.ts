/**
 * The critique-guided rewrite loop: ask the model for a revised unit, splice it into the document,
 * check the result with the same tools (model off), and accept it only when verification says it
 * is better and no worse (verify.ts). At most `maxRounds` rounds (default 3); the loop stops early
 * when two rounds in a row make no progress, and keeps the best candidate it saw.
 *
 * Progress is the verification score (failing evidence fixed and targeted diagnostics removed,
 * minus regressions) beating every earlier round and the original (0). The critique's probes of
 * the unit (`probes`) are re-run on each candidate when code can run, so a probe's finding is
 * checkable like a failing example. A unit whose only problems
 * are model findings has nothing the tools can re-check: its rewrite is never `verified` (the
 * summary says why), and the loop stops at the first candidate that breaks nothing.
 */
import { throwIfAborted } from '../abort.js';
import type { EvidenceRecord, SourceDocument } from '../evidence/tool.js';
import { probeSource } from '../critique/probes.js';
import type { ProbeRerun } from '../critique/probeRerun.js';
import type { Finding } from '../findings.js';
import { ModelOutputError } from '../model/errors.js';
import type { CriticModel } from '../model/provider.js';
import { redactOutgoing } from '../model/secretVault.js';
import { learnProjectSecrets } from '../model/learningFs.js';
import { validateRewrite } from '../model/schemas.js';
import type { CheckResult, Engine } from '../pipeline.js';
import type { SyntaxProblem } from '../syntax/syntaxErrors.js';
import type { CodeUnit } from '../syntax/units.js';
import type { Logger } from '../types.js';
import { CandidateError, importInsertion, normaliseAnswer, peelImports, restoreSecrets, splice, stripFence, unitIndent } from './candidate.js';
import { displayPath } from '../critique/critiqueRequest.js';
import { rewriteRequests, type TriedAttempt } from './rewritePrompt.js';
import { unifiedDiff } from './unifiedDiff.js';
import { inUnit, outcomeText, verifyCandidate, type Baseline, type Verification } from './verify.js';

export interface RoundReport {
  /** 1-based. */
  round: number;
  /** `invalid`: the answer could not become a candidate (unusable output, does not parse, unit renamed, …). */
  outcome: 'verified' | 'not-verified' | 'invalid';
  /** Why the candidate was not accepted (empty when verified). */
  reasons: string[];
  /** The verification summary, or the reason the answer was unusable. */
  summary: string;
  /** Improvements minus regressions (verified candidates included); absent for invalid answers. */
  score?: number;
  /** Whether this round did better than every earlier one. */
  progress: boolean;
  durationMs: number;
}

export type RewriteStatus = 'verified' | 'unverified' | 'no-model-answer' | 'nothing-to-fix';

export interface RewriteResult {
  status: RewriteStatus;
  unitName: string;
  originalText: string;
  /** The whole document with the unit replaced by the best candidate (verified or not). */
  newText?: string;
  rounds: RoundReport[];
  /** The best candidate's verification. */
  verification?: Verification;
  summary: string;
  /** Unified diff of the best candidate (`--- a/path` / `+++ b/path`, 3 lines of context). */
  diff?: string;
  /** Import lines the best candidate adds to the module (only with `allowImports`); shown in the diff as their own change. */
  addedImports?: string[];
}

export interface RewriteDeps {
  engine: Engine;
  model: CriticModel;
  log: Logger;
  /** Re-runs the critique's probes on a candidate; absent when code cannot run (no sandbox, untrusted). */
  rerunProbes?: ProbeRerun;
}

export interface RewriteRequest {
  doc: SourceDocument;
  /** Qualified unit name, e.g. `Cart.total`. */
  unitName: string;
  signal?: AbortSignal;
  /** Default 3. */
  maxRounds?: number;
  onRound?: (r: RoundReport) => void;
  /** Extra findings to fix (e.g. the model's findings shown in the editor); they are listed to the model. */
  findings?: readonly Finding[];
  /**
   * The probe records of the critique shown in the editor (model on, same text): the unit's probes
   * are re-run on every candidate, so failing ones must pass and passing ones must still pass.
   */
  probes?: readonly EvidenceRecord[];
  /** The document's check with the model off, when the caller already has it (it must be of `doc.text`). */
  baseline?: CheckResult;
  /**
   * Let the answer add plain import lines (`import math`, `import { x } from 'y'`) to the module's
   * import block, as a separate change that `addedImports` reports. Off by default: a one-click
   * apply must change only the unit; a host that shows the diff first may turn it on.
   */
  allowImports?: boolean;
}

/** The unit to rewrite is not in the document (renamed or removed since it was chosen). */
export class UnitNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnitNotFoundError';
  }
}

const levelRank = { error: 3, warning: 2, note: 1 } as const;

/** The unit's findings the rewrite aims at: errors and warnings, or its notes when it has nothing worse. */
function targetFindings(result: CheckResult, unitName: string): Finding[] {
  const own = result.findings.filter((f) => f.tier !== 'model' && inUnit(f.unit, unitName));
  const serious = own.filter((f) => levelRank[f.level] >= levelRank.warning);
  return serious.length ? serious : own;
}

/** Lines added above the unit (imports) and inside it, to find a problem's line in the candidate. */
interface LineShift {
  importsAt: number;
  importLines: number;
  unitEnd: number;
  unitDelta: number;
}

function problemKey(p: SyntaxProblem, s: LineShift): string {
  const line = p.range.start.line;
  const moved = line + (line >= s.importsAt ? s.importLines : 0) + (line > s.unitEnd ? s.unitDelta : 0);
  return `${moved}\0${p.message}`;
}

/** Why a round's verification refused the candidate, one line each, for the next prompt and the report. */
function refusalReasons(v: Verification): string[] {
  const reasons: string[] = [];
  for (const o of [...v.examples.stillFailing, ...v.tests.stillFailing, ...v.probes.stillFailing]) reasons.push(`still fails: ${outcomeText(o)}`);
  for (const o of [...v.examples.broken, ...v.tests.broken, ...v.probes.broken, ...v.brokenElsewhere]) reasons.push(`passed before, now fails: ${outcomeText(o)}`);
  for (const d of v.targets.remaining) reasons.push(`still reported: ${d.rule} ${d.message} (line ${d.line})`);
  for (const d of v.newDiagnostics) reasons.push(`new error ${d.rule}: ${d.message} (line ${d.line})`);
  for (const d of v.executed) reasons.push(`execution error ${d.rule}: ${d.message}`);
  for (const t of v.toolsNotRun) reasons.push(`${t} could not run on the rewrite`);
  if (!reasons.length && !v.verified) reasons.push('no problem the tools can check was fixed');
  return reasons;
}

interface Candidate {
  text: string;
  imports: string[];
  verification: Verification;
  round: number;
}

/** Rewrites one unit with the critic model and verifies each candidate; see the module comment. */
export async function rewriteUnit(deps: RewriteDeps, req: RewriteRequest): Promise<RewriteResult> {
  const { engine, model, log } = deps;
  const { doc, unitName, signal } = req;
  const maxRounds = Math.max(1, req.maxRounds ?? 3);
  const result = req.baseline ?? (await engine.check(doc, { model: false, signal }));
  throwIfAborted(signal);
  const base: RewriteResult = { status: 'nothing-to-fix', unitName, originalText: doc.text, rounds: [], summary: '' };
  const unit = result.units.find((u) => u.name === unitName);
  if (!unit) throw new UnitNotFoundError(`${doc.path} has no function, method or class named ${unitName}`);
  const targets = targetFindings(result, unitName);
  const failing = result.records.filter((r) => r.kind !== 'probe' && r.status !== 'passed' && inUnit(r.unit, unitName));
  const known = new Set(targets.map((f) => f.fingerprint));
  const extra = (req.findings ?? []).filter((f) => !known.has(f.fingerprint));
  // Probes only count where they can run again; a probe's finding is then checked by its probe.
  const probes = deps.rerunProbes ? (req.probes ?? []).filter((r) => r.kind === 'probe' && inUnit(r.unit, unitName)) : [];
  const failingProbes = probes.filter((r) => r.status !== 'passed');
  const probeChecked = (f: Finding) => failingProbes.length > 0 && f.source === probeSource && inUnit(f.unit, unitName);
  if (!targets.length && !failing.length && !extra.length && !failingProbes.length) return { ...base, summary: `${unitName} has no findings to fix` };
  const baseline: Baseline = { result, unitName, targets, uncheckable: extra.filter((f) => !probeChecked(f)).length, probes };

  await learnProjectSecrets(engine.ctx.fs, doc.projectRoot);
  const redaction = redactOutgoing(doc.text);
  const originalUnit = doc.text.slice(unit.startIndex, unit.endIndex);
  const indent = unitIndent(doc.text, unit);
  const originalParse = await engine.syntax.analyse(doc.path, doc.text, doc.language, signal);
  const originalNames = countNames(originalParse.units, unitName);
  const request = await rewriteRequests({ syntax: engine.syntax, doc, redaction, unit, problems: [...targets, ...extra], findings: result.findings, records: result.records, log, signal });
  // Nothing checkable to fix (model findings only): once a candidate breaks nothing, more rounds cannot prove more.
  const checkable = targets.length + failing.length + failingProbes.length > 0;

  const tried: TriedAttempt[] = [];
  const seen = new Map<string, Verification>();
  let best: Candidate | undefined;
  let bestScore = 0;
  let stale = 0;
  let lastProblem = '';
  for (let round = 1; round <= maxRounds; round++) {
    const started = performance.now();
    const report = (r: Omit<RoundReport, 'round' | 'durationMs'>): RoundReport => {
      const full = { round, durationMs: Math.round(performance.now() - started), ...r };
      base.rounds.push(full);
      req.onRound?.(full);
      return full;
    };
    let answer: string;
    try {
      const reply = await model.complete(request(tried));
      // Providers other than the OpenAI one may hand back the raw shape: validate here too.
      answer = validateRewrite(reply.json).code;
    } catch (err) {
      if (!(err instanceof ModelOutputError)) throw err;
      lastProblem = `the model's answer was unusable (${err.message})`;
      report({ outcome: 'invalid', reasons: [lastProblem], summary: lastProblem, progress: false });
      if (++stale >= 2) break;
      continue;
    }
    throwIfAborted(signal);
    const shown = stripFence(answer).trim();
    let text: string;
    let verification: Verification;
    let imports: string[] = [];
    try {
      const peeled = req.allowImports ? peelImports(answer, doc.language) : { imports: [], rest: answer };
      const code = restoreSecrets(normaliseAnswer(peeled.rest, originalUnit, indent), doc.text, redaction, unit);
      const insertion = peeled.imports.length ? importInsertion(doc.text, peeled.imports, doc.language, unit.startIndex) : undefined;
      if (code === originalUnit && !insertion) throw new CandidateError('the answer is the unit unchanged');
      // Imports go above the unit, so the unit's span moves by their length.
      const base = insertion ? `${doc.text.slice(0, insertion.at)}${insertion.insert}${doc.text.slice(insertion.at)}` : doc.text;
      const shift = insertion ? insertion.insert.length : 0;
      const spliced = splice(base, { startIndex: unit.startIndex + shift, endIndex: unit.endIndex + shift }, code);
      imports = insertion?.added ?? [];
      text = spliced.text;
      const lineShift: LineShift = {
        importsAt: insertion ? doc.text.slice(0, insertion.at).split('\n').length - 1 : Infinity,
        importLines: insertion ? insertion.insert.split('\n').length - 1 : 0,
        unitEnd: unit.range.end.line,
        unitDelta: code.split('\n').length - originalUnit.split('\n').length,
      };
      const cached = seen.get(text);
      if (cached) verification = cached;
      else {
        await checkShape(engine, doc, text, unit, spliced, lineShift, unitName, originalParse.syntaxProblems, originalNames, signal);
        const candidateDoc = { ...doc, text, version: undefined };
        const checked = await engine.check(candidateDoc, { model: false, signal });
        throwIfAborted(signal);
        if (probes.length && deps.rerunProbes) {
          const rerun = await deps.rerunProbes(candidateDoc, probes, signal ?? new AbortController().signal);
          throwIfAborted(signal);
          if (rerun) checked.records = [...checked.records, ...rerun];
          else checked.notices = [...checked.notices, { tool: probeSource, message: 'the probes could not run on the rewrite' }];
        }
        verification = verifyCandidate(baseline, checked);
        seen.set(text, verification);
      }
    } catch (err) {
      if (!(err instanceof CandidateError)) throw err;
      lastProblem = err.message;
      tried.push({ code: shown, reasons: [err.message] });
      report({ outcome: 'invalid', reasons: [err.message], summary: err.message, progress: false });
      if (++stale >= 2) break;
      continue;
    }
    // Progress is doing better than the original and every earlier round; the best is kept either way.
    const progress = verification.verified || verification.score > bestScore;
    if (progress) bestScore = verification.score;
    if (!best || verification.verified || verification.score > best.verification.score) best = { text, imports, verification, round };
    const repeated = tried.some((t) => t.code === shown);
    const reasons = verification.verified ? [] : [...(repeated ? ['the same code as an earlier attempt'] : []), ...refusalReasons(verification)];
    report({ outcome: verification.verified ? 'verified' : 'not-verified', reasons, summary: verification.summary, score: verification.score, progress });
    log.debug(`rewrite ${unitName} round ${round}: ${verification.verified ? 'verified' : 'not verified'}: ${verification.summary}`);
    if (verification.verified) break;
    if (!checkable && verification.score >= 0) break;
    if (!repeated) tried.push({ code: shown, reasons });
    stale = progress ? 0 : stale + 1;
    if (stale >= 2) break;
  }

  if (!best) {
    const n = base.rounds.length;
    return { ...base, status: 'no-model-answer', summary: `no usable rewrite from the model in ${n} round${n === 1 ? '' : 's'}: ${lastProblem}` };
  }
  const diff = unifiedDiff(doc.text, best.text, { path: displayPath(doc) });
  return {
    ...base,
    status: best.verification.verified ? 'verified' : 'unverified',
    newText: best.text,
    verification: best.verification,
    summary: best.verification.summary,
    diff,
    ...(best.imports.length ? { addedImports: best.imports } : {}),
  };
}

function countNames(units: readonly CodeUnit[], unitName: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const u of units) if (u.kind !== 'module' && !inUnit(u.name, unitName)) counts.set(u.name, (counts.get(u.name) ?? 0) + 1);
  return counts;
}

/** Whitespace and comments only: what may sit in the replaced span around the new unit. */
const onlyComments = /^(?:\s|#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*$/;

/**
 * Refuses a candidate that is not the unit rewritten: new syntax errors, the unit's name gone,
 * definitions outside the unit (a model answering with the whole file, or with helpers), or any
 * code in the replaced span that is not the unit itself — a new top-level statement, an import,
 * a second method — since a verified rewrite may change only the unit.
 */
async function checkShape(
  engine: Engine,
  doc: SourceDocument,
  text: string,
  unit: CodeUnit,
  spliced: { start: number; end: number },
  lineShift: LineShift,
  unitName: string,
  originalProblems: readonly SyntaxProblem[],
  originalNames: ReadonlyMap<string, number>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const parsed = await engine.syntax.analyse(doc.path, text, doc.language, signal);
  // Problems after the unit moved by the change in its line count; any other problem is the answer's.
  const before = new Set(originalProblems.filter((p) => p.range.start.line < unit.range.start.line || p.range.start.line > unit.range.end.line).map((p) => problemKey(p, lineShift)));
  const fresh = parsed.syntaxProblems.find((p) => !before.has(`${p.range.start.line}\0${p.message}`));
  if (fresh) throw new CandidateError(`the answer does not parse: ${fresh.message} (line ${fresh.range.start.line + 1})`);
  const own = parsed.units.filter((u) => u.name === unitName && u.startIndex >= spliced.start && u.endIndex <= spliced.end);
  if (!own.length) throw new CandidateError(`the answer no longer defines ${unitName}`);
  const node = own.reduce((a, b) => (b.endIndex - b.startIndex > a.endIndex - a.startIndex ? b : a));
  for (const extra of [text.slice(spliced.start, node.startIndex), text.slice(node.endIndex, spliced.end)]) {
    if (!onlyComments.test(extra)) {
      const line = extra.split('\n').find((l) => l.trim() && !onlyComments.test(l))?.trim() ?? extra.trim();
      throw new CandidateError(`the answer adds code outside ${unitName} (${line.length > 60 ? `${line.slice(0, 57)}...` : line}); a rewrite may change only the unit — put imports and helpers inside it`);
    }
  }
  const names = countNames(parsed.units, unitName);
  for (const [name, n] of names) {
    if (n > (originalNames.get(name) ?? 0)) throw new CandidateError(`the answer defines ${name} outside ${unitName}; answer with the unit only`);
  }
}
