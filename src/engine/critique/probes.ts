/**
 * Probes: for units with no examples and no tests, the model proposes calls with expected results,
 * and the sandbox runs them — all probes of a file in one run, importing the module the way the
 * example runners do. The outcome is evidence of its own:
 *   - the call crashed, hung or hit a limit → an `executed` error (the code really did that);
 *   - it returned something else than the model expected → a `model` warning corroborated by
 *     execution (`probe-mismatch`): the value is real, but the expectation may be the model's
 *     mistake, so it never becomes an error;
 *   - it matched → a passing record, which the critique reads as evidence.
 * Probes that do not parse, whose expected value cannot be evaluated, or whose module cannot be
 * imported are dropped and counted, never reported.
 */
import { throwIfAborted } from '../abort.js';
import type { Range, RawFinding, RelatedLocation } from '../findings.js';
import type { Spectrum } from '../evidence/faultLocalisation.js';
import { placeFault, raisingLine } from '../evidence/exec/faultPlacement.js';
import { BundleError, bundleModule, loaderOf, syntaxErrorOf } from '../evidence/exec/bundle.js';
import { runExampleBatches, type BatchesResult, type ExampleOutcome } from '../evidence/exec/exampleBatches.js';
import { maxExampleBatches } from '../evidence/exec/execTool.js';
import { execRules, executedError, limitDescription, lineRange, seconds } from '../evidence/exec/executedFindings.js';
import { runnerConfigFile } from '../evidence/exec/protocol.js';
import { pythonModuleOf } from '../evidence/exec/pythonModule.js';
import { runnerSourceFile } from '../evidence/exec/pythonDoctestRunner.js';
import type { EvidenceRecord, SourceDocument } from '../evidence/tool.js';
import { buildProbesPrompt, requestFor } from '../model/prompt.js';
import type { CriticModel } from '../model/provider.js';
import type { Redaction } from '../model/redact.js';
import type { ProbesAnswer } from '../model/schemas.js';
import type { Sandbox, SandboxRunRequest } from '../sandbox/types.js';
import type { SyntaxService } from '../syntax/syntaxService.js';
import type { CodeUnit } from '../syntax/units.js';
import type { EngineContext } from '../types.js';
import { displayPath, evidenceFor, promptUnit, redactedContext, secretsIn } from './critiqueRequest.js';
import { jsProbeRunner, jsProbeSource, probeRunnerFiles, pythonProbeRunner, type JsProbeRunnerConfig, type PythonProbeRunnerConfig, type RunnerProbe } from './probeRunners.js';
import type { StageRun } from './stageRun.js';
import { oneLine } from '../text.js';
import type { ModelStageInput } from './types.js';

/** The source of probe findings. */
export const probeSource = 'probes';

export const probeRules = { mismatch: 'probe-mismatch', crashed: 'probe-crashed' } as const;

/**
 * At most this many units are probed per document: each costs a model request, and a file of
 * thirty untested helpers should not cost thirty.
 */
export const maxProbedUnits = 8;

/** Probe requests in flight at once. */
const probeConcurrency = 4;

/**
 * A probe-mismatch is backed by a real run but rests on the model's expectation; it sits just
 * above the default confidence floor and is not subject to the model's budget.
 */
const mismatchConfidence = 0.7;

export interface ProbeDeps {
  ctx: EngineContext;
  syntax: SyntaxService;
  sandbox: Sandbox;
  /** The panel's members, in order; the first usable one designs the probes. */
  models: readonly CriticModel[];
  run: StageRun;
  redaction: Redaction;
}

interface PlannedProbe extends RunnerProbe {
  unit: CodeUnit;
  why: string;
}

/** `raises ValueError`, `throws RangeError`, `raises` → the class name ('' for any); else null. */
export function expectedException(expected: string): string | null {
  const m = /^(?:raises?|throws?)\b[\s:]*([A-Za-z_$][\w.$]*)?/i.exec(expected.trim());
  return m ? (m[1] ?? '') : null;
}

/** Units worth probing: functions, methods and classes with no example or test among the records. */
export function unitsToProbe(input: Pick<ModelStageInput, 'units' | 'records'>): CodeUnit[] {
  const covered = new Set(input.records.filter((r) => r.kind === 'example' || r.kind === 'test').map((r) => r.unit));
  return input.units.filter((u) => u.kind !== 'module' && !covered.has(u.name));
}

function isJs(doc: SourceDocument): boolean {
  return doc.language !== 'python';
}

/** Runs the probe step; returns its findings and records (possibly none). */
export async function runProbes(input: ModelStageInput, deps: ProbeDeps): Promise<{ findings: RawFinding[]; records: EvidenceRecord[] }> {
  const { doc } = input;
  const none = { findings: [], records: [] };
  // A file that does not parse cannot be imported; declaration files have nothing to run.
  if (input.parsed.syntaxProblems.length > 0 || /\.d\.[cm]?ts$|\.pyi$/.test(doc.path)) return none;
  const units = unitsToProbe(input).slice(0, maxProbedUnits);
  if (units.length === 0) return none;
  const planned = await designProbes(input, units, deps);
  const runnable = await checkedProbes(doc, planned, deps.run);
  if (runnable.length === 0) return none;
  throwIfAborted(input.signal);
  const result = await runProbesInSandbox(doc, runnable, { ctx: deps.ctx, sandbox: deps.sandbox, signal: input.signal, notice: (m) => deps.run.notice('probes', m, probeSource) });
  if (!result) {
    deps.run.stats.probesDropped += runnable.length;
    return none;
  }
  return report(doc, runnable, result, deps);
}

/** One probes request per unit (a few at a time); every answer's probes with ids and units. */
async function designProbes(input: ModelStageInput, units: readonly CodeUnit[], deps: ProbeDeps): Promise<PlannedProbe[]> {
  const { doc, signal } = input;
  const planned: PlannedProbe[] = [];
  const queue = [...units];
  const worker = async (): Promise<void> => {
    for (let unit = queue.shift(); unit; unit = queue.shift()) {
      const model = deps.models.find((m) => deps.run.usable(m));
      if (!model) return;
      const count = { n: secretsIn([unit], deps.redaction) };
      const context = await redactedContext(deps.syntax, doc, [unit], count, deps.ctx.log, signal);
      const prompt = buildProbesPrompt({
        language: doc.language,
        file: displayPath(doc),
        unit: promptUnit(unit, deps.redaction),
        context,
        evidence: evidenceFor((u) => u === unit.name, input.findings, input.records, count),
      });
      deps.run.stats.redactedSecrets += count.n;
      const reply = await deps.run.ask(model, requestFor('probes', prompt, { signal }));
      if (!reply) continue;
      for (const p of (reply.json as ProbesAnswer).probes) {
        const call = p.call.trim().replace(/;+$/, '').trim();
        const expected = p.expected.trim();
        planned.push({ id: `p${planned.length}`, unit, call, expected, raises: expectedException(expected), why: p.why });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(probeConcurrency, units.length) }, worker));
  throwIfAborted(signal);
  return planned.sort((a, b) => a.unit.startIndex - b.unit.startIndex || Number(a.id.slice(1)) - Number(b.id.slice(1)));
}

/**
 * JS probes become code in the bundle, where one that does not parse would break them all, so
 * each is parsed alone first. (Python probes are compiled by the runner, step i=0.)
 */
async function checkedProbes(doc: SourceDocument, planned: PlannedProbe[], run: StageRun): Promise<PlannedProbe[]> {
  const loader = loaderOf(doc.path);
  const parses = async (code: string) => code !== '' && (await syntaxErrorOf(`void (async () => (${code}\n));`, loader, probeSource)) === undefined;
  const ok: PlannedProbe[] = [];
  for (const p of planned) {
    const valid = !isJs(doc) ? p.call !== '' : (await parses(p.call)) && (p.raises !== null || (await parses(p.expected)));
    if (valid) ok.push(p);
    else run.stats.probesDropped++;
  }
  return ok;
}

/** Where probes run: the engine's context and sandbox; `notice` reports a sandbox that could not start. */
export interface ProbeSandboxDeps {
  ctx: EngineContext;
  sandbox: Sandbox;
  signal: AbortSignal;
  notice: (message: string) => void;
}

/**
 * Runs the given probes on `doc` in one sandboxed run (more when one hangs); undefined when the
 * file could not be bundled or the sandbox could not start. Also used by the rewrite's
 * verification, which re-runs the probes that failed on the candidate (probeRerun.ts).
 */
export async function runProbesInSandbox(doc: SourceDocument, probes: readonly RunnerProbe[], deps: ProbeSandboxDeps): Promise<BatchesResult | undefined> {
  const { signal } = deps;
  const execution = deps.ctx.config.execution;
  const runnerProbes: RunnerProbe[] = probes.map(({ id, call, expected, raises }) => ({ id, call, expected, raises }));
  let request: (skip: readonly string[], marker: string) => SandboxRunRequest;
  if (isJs(doc)) {
    let bundle: string;
    try {
      const contents = `${doc.text}\n;\n${runnerProbes.map(jsProbeSource).join('\n')}\n`;
      bundle = await bundleModule({ entry: doc.path, overrides: { [doc.path]: contents }, projectRoot: doc.projectRoot }, probeSource);
    } catch (err) {
      if (!(err instanceof BundleError)) throw err;
      deps.ctx.log.info(`probes: ${doc.path} could not be bundled, its probes were not run: ${err.message}`);
      return undefined;
    }
    const ids = runnerProbes.map((p) => p.id);
    request = (skip, marker) => {
      const config: JsProbeRunnerConfig = { marker, probes: ids, skip: [...skip], coverage: execution.lineCoverage ? doc.path : '' };
      return {
        interpreter: 'node',
        args: ['--enable-source-maps', probeRunnerFiles.node],
        projectRoot: doc.projectRoot,
        files: { [probeRunnerFiles.node]: jsProbeRunner, [runnerConfigFile]: JSON.stringify(config), [probeRunnerFiles.bundle]: bundle },
        timeoutMs: execution.exampleTimeoutMs,
        signal,
      };
    };
  } else {
    const module = await pythonModuleOf(doc.path, deps.ctx.fs);
    const path = [...new Set([module.root, doc.projectRoot])];
    request = (skip, marker) => {
      const config: PythonProbeRunnerConfig = { marker, module: module.name, file: doc.path, isPackage: module.isPackage, path, probes: runnerProbes, skip: [...skip], coverage: execution.lineCoverage };
      return {
        interpreter: 'python',
        args: ['-B', probeRunnerFiles.python],
        projectRoot: doc.projectRoot,
        files: { [probeRunnerFiles.python]: pythonProbeRunner, [runnerConfigFile]: JSON.stringify(config), [runnerSourceFile]: doc.text },
        env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
        timeoutMs: execution.exampleTimeoutMs,
        signal,
      };
    };
  }
  try {
    return await runExampleBatches({ sandbox: deps.sandbox, signal, maxBatches: maxExampleBatches, request });
  } catch (err) {
    const name = (err as Error | undefined)?.name;
    if (name !== 'InterpreterNotFoundError' && name !== 'SandboxError') throw err;
    deps.notice(`Probes were not run: ${(err as Error).message}`);
    return undefined;
  }
}

function report(doc: SourceDocument, probes: readonly PlannedProbe[], result: BatchesResult, deps: ProbeDeps): { findings: RawFinding[]; records: EvidenceRecord[] } {
  const stats = deps.run.stats;
  if (result.moduleProblem) {
    // The examples and the type checker report a module that cannot be imported; probes have nothing to add.
    deps.ctx.log.info(`probes: ${doc.path} could not be imported (${oneLine(result.moduleProblem.msg ?? result.moduleProblem.kind, 160)}); ${probes.length} probe(s) dropped`);
    stats.probesDropped += probes.length;
    return { findings: [], records: [] };
  }
  if (result.incomplete) deps.ctx.log.info(`probes: ${doc.path}: some probes were not run after ${result.batches} sandbox runs that each stopped early`);
  const byId = new Map(probes.map((p) => [p.id, p]));
  const findings: RawFinding[] = [];
  const records: EvidenceRecord[] = [];
  const execution = deps.ctx.config.execution;
  const lineCount = doc.text.split('\n').length;
  const spectra: Spectrum[] = result.outcomes
    .filter((o) => o.i === 1 && o.lines && (o.status === 'passed' || o.status === 'failed' || o.status === 'error'))
    .map((o) => ({ passed: o.status === 'passed', lines: o.lines! }));
  for (const o of result.outcomes) {
    const p = byId.get(o.test);
    if (!p) continue;
    if (o.i !== 1) {
      deps.ctx.log.debug(`probes: dropped \`${oneLine(p.call, 80)}\` (${o.status}: ${oneLine(o.msg ?? o.exc ?? '', 120)})`);
      stats.probesDropped++;
      continue;
    }
    stats.probesRun++;
    const range = p.unit.nameRange;
    const why = p.why ? ` — ${oneLine(p.why, 160)}` : '';
    const call = `\`${oneLine(p.call, 100)}\``;
    const expected = p.raises === null ? `expected ${oneLine(p.expected, 100)}` : `expected it to raise ${p.raises || 'an exception'}`;
    const actual = o.status === 'failed' ? o.got : o.status === 'error' ? (o.msg ?? o.exc) : undefined;
    records.push({
      kind: 'probe',
      unit: p.unit.name,
      status: o.status === 'crashed' ? 'error' : o.status,
      subject: p.call,
      expected: p.expected,
      ...(actual === undefined ? {} : { actual }),
      file: doc.path,
      range,
    });
    const related: RelatedLocation[] = [];
    const raisedAt = o.frames.filter((f) => f.file === doc.path && f.line <= lineCount).pop();
    const inUnit = raisingLine(o.frames, doc.path, p.unit);
    if (raisedAt && raisedAt.line !== inUnit) related.push({ file: doc.path, range: lineRange(doc.text, raisedAt.line - 1), message: 'raised here' });
    // Failed and raising probes point at the unit's most suspicious line, like examples and tests.
    const fault = o.status === 'failed' || o.status === 'error' ? placeFault(p.unit, doc.path, doc.text, inUnit, o.lines ? spectra : []) : undefined;
    if (fault) related.push(...fault.related);
    const found = outcomeFinding(o, p, { doc, call, expected, why: `${why}${fault?.note ?? ''}`, related, range: fault?.range ?? p.unit.nameRange, timeout: seconds(execution.exampleTimeoutMs), limit: (l) => limitDescription(l, execution) });
    if (found) {
      // The message quotes the call and the values shortened; the hover shows them whole.
      if (o.status === 'failed' || o.status === 'error') found.evidence = { call: p.call, expected: p.raises === null ? p.expected : `raises ${p.raises || 'an exception'}`, ...(actual !== undefined ? { actual } : {}) };
      findings.push(found);
    }
  }
  return { findings, records };
}

interface Wording {
  doc: SourceDocument;
  call: string;
  expected: string;
  why: string;
  related: RelatedLocation[];
  /** Where the finding goes: the unit's name, or its faulty line (faultPlacement.ts). */
  range: Range;
  timeout: string;
  limit: (l: NonNullable<ExampleOutcome['limit']>) => string;
}

function outcomeFinding(o: ExampleOutcome, p: PlannedProbe, w: Wording): RawFinding | undefined {
  const { doc, call, expected, why, related, range } = w;
  const mismatch = (actual: string): RawFinding => ({
    rule: probeRules.mismatch,
    // The value is real but the expectation is the model's, which can be wrong: never an error.
    level: 'warning',
    message: `${call} ${actual}, ${expected}${why}`,
    file: doc.path,
    range,
    tier: 'model',
    confidence: mismatchConfidence,
    source: probeSource,
    ...(related.length ? { related } : {}),
  });
  switch (o.status) {
    case 'passed':
      return undefined;
    case 'failed':
      return mismatch(`returned ${oneLine(o.got ?? 'nothing', 120)}`);
    case 'error':
      // The model expected some exception, just not this one: a disagreement, not a crash.
      if (p.raises !== null) return mismatch(`raised ${oneLine(o.msg ?? o.exc ?? 'an exception', 160)}`);
      return executedError(probeSource, probeRules.crashed, `${call} raised ${oneLine(o.msg ?? o.exc ?? 'an exception', 160)}, ${expected}${why}`, doc.path, range, related);
    case 'timeout':
      return executedError(probeSource, execRules.timeout, `${call} did not finish within ${w.timeout} (possible infinite loop)${why}`, doc.path, range);
    case 'limit':
      return executedError(probeSource, execRules.limit, `${call} ${w.limit(o.limit ?? 'cpu')}${why}`, doc.path, range);
    case 'crashed':
      return executedError(probeSource, execRules.crashed, `${call} stopped the interpreter: it ${oneLine(o.exit ?? 'exited', 160)}${why}`, doc.path, range);
  }
}
