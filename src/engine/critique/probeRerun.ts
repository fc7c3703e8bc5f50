/**
 * Re-runs probes a critique already ran — same calls, same expected values — on another version
 * of the document (a rewrite's candidate). No model is asked: the probes are fixed evidence now,
 * which is what lets a finding a probe found be fixed by a *verified* rewrite (verify.ts).
 */
import type { EvidenceRecord, SourceDocument } from '../evidence/tool.js';
import { oneLine } from '../text.js';
import { expectedException, runProbesInSandbox, type ProbeSandboxDeps } from './probes.js';

/** Re-runs probes on a document version; undefined when they could not run at all (see runProbesInSandbox). */
export type ProbeRerun = (doc: SourceDocument, probes: readonly EvidenceRecord[], signal: AbortSignal) => Promise<EvidenceRecord[] | undefined>;

/**
 * The records of `probes` re-run on `doc`, in the same order; a probe whose call could not even be
 * prepared (its expected value refers to a name the candidate removed) is left out, so the
 * verification counts it as no longer running.
 */
export async function rerunProbes(doc: SourceDocument, probes: readonly EvidenceRecord[], deps: ProbeSandboxDeps): Promise<EvidenceRecord[] | undefined> {
  const runner = probes.map((r, i) => ({ id: `r${i}`, call: r.subject, expected: r.expected ?? '', raises: expectedException(r.expected ?? '') }));
  if (!runner.length) return [];
  const result = await runProbesInSandbox(doc, runner, deps);
  if (!result) return undefined;
  if (result.moduleProblem) {
    deps.ctx.log.info(`probes: the rewrite of ${doc.path} could not be imported (${oneLine(result.moduleProblem.msg ?? result.moduleProblem.kind, 160)}); its probes did not run`);
    return [];
  }
  const records: EvidenceRecord[] = [];
  for (const o of result.outcomes) {
    const i = Number(o.test.slice(1));
    const before = probes[i];
    if (!before || o.i !== 1) continue;
    const actual = o.status === 'failed' ? o.got : o.status === 'error' ? (o.msg ?? o.exc) : o.status === 'crashed' ? o.exit : undefined;
    const { actual: _old, ...rest } = before;
    records.push({ ...rest, status: o.status === 'crashed' ? 'error' : o.status, ...(actual === undefined ? {} : { actual }) });
  }
  return records;
}
