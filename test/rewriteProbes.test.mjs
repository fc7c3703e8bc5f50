// A finding a probe found can be fixed by a verified rewrite: the critique (real engine, model
// over the real `openai` client against the scripted OpenAI-compatible server) runs the model's
// probes in real bubblewrap; the rewrite re-runs those probes on every candidate, so the failing
// ones must pass and the passing ones must still pass.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { makeContext, out, tempProject } from './support/engine.mjs';
import { reply } from './support/openaiServer.mjs';
import { rewrite, startRewriteRig } from './support/rewrite.mjs';
import { needsSandbox } from './support/sandbox.mjs';

const { languageOfPath } = await import(out('engine/languages.js'));

// No docstring examples and no tests: only probes can run this code.
const buggy = `def median(xs):
    s = sorted(xs)
    return s[len(s) // 2]


def spread(xs):
    return max(xs) - min(xs)
`;
const fixedMedian = `def median(xs):
    s = sorted(xs)
    n = len(s)
    if n % 2:
        return s[n // 2]
    return (s[n // 2 - 1] + s[n // 2]) / 2`;
// Fixes the even case, breaks the odd one the probes showed working.
const breaksOdd = `def median(xs):
    s = sorted(xs)
    n = len(s)
    return (s[n // 2 - 1] + s[n // 2]) / 2`;
const stillWrong = `def median(xs):
    s = sorted(xs)
    return s[(len(s) - 1) // 2]`;

let server;
let critic;
let stop;
const ctx = makeContext({ config: { execution: { exampleTimeoutMs: 8000 } } });
before(async () => ({ server, critic, stop } = await startRewriteRig(ctx)));
after(() => stop());
beforeEach(() => server.reset());

const schemaOf = (body) => body.response_format?.json_schema?.name;
const unitOf = (body) => /kind="unit" name="([^"]+)"/.exec(body.messages[1].content)?.[1];
const probes = {
  median: [
    { call: 'median([1, 2, 3, 4])', expected: '2.5', why: 'even length: mean of the middle pair' },
    { call: 'median([3, 1, 2])', expected: '2', why: 'odd length' },
  ],
  spread: [{ call: 'spread([1, 5, 2])', expected: '4', why: 'range' }],
};

/** Probes and critiques answered from the tables; rewrite requests from `rewrites`, in order. */
function script(rewrites) {
  const queue = [...rewrites];
  server.script((body) => {
    const schema = schemaOf(body);
    if (schema === 'probes') return reply.json({ probes: probes[unitOf(body)] ?? [] });
    if (schema === 'rewrite') return rewrite(queue.shift() ?? stillWrong);
    return reply.findings([]);
  });
}

/** The critique of the buggy file (model on), with the rewrite answers scripted for what follows. */
async function critiqued(rewrites) {
  script(rewrites);
  const p = tempProject({ 'stats.py': buggy }, 'critic-rewrite-probes-');
  const path = join(p.root, 'stats.py');
  const doc = { path, text: buggy, language: languageOfPath(path), projectRoot: p.root };
  const checked = await critic.check(doc);
  const finding = checked.findings.find((f) => f.rule === "probe-mismatch" && f.unit === "median");
  assert.ok(finding, `the critique reports the failing probe: ${JSON.stringify(checked.findings.map((f) => [f.rule, f.message]))} (notices: ${JSON.stringify(checked.notices)})`);
  assert.match(finding.message, /`median\(\[1, 2, 3, 4\]\)` returned 3, expected 2\.5/);
  const records = checked.records.filter((r) => r.kind === 'probe');
  assert.deepEqual(records.map((r) => [r.unit, r.subject, r.status]), [
    ['median', 'median([1, 2, 3, 4])', 'failed'],
    ['median', 'median([3, 1, 2])', 'passed'],
    ['spread', 'spread([1, 5, 2])', 'passed'],
  ]);
  const findings = checked.findings.filter((f) => f.unit === 'median' && (f.tier === 'model' || f.source === 'probes'));
  return { ...p, doc, findings, records };
}

test('a rewrite that makes the failing probe pass (and keeps the passing one) is verified', needsSandbox, async () => {
  const p = await critiqued([fixedMedian]);
  try {
    const r = await critic.rewrite({ doc: p.doc, unitName: 'median', findings: p.findings, probes: p.records });
    assert.equal(r.status, 'verified', r.summary);
    assert.equal(r.verification.staticOnly, false);
    assert.equal(r.verification.uncheckable, 0);
    assert.deepEqual({ total: r.verification.probes.total, passing: r.verification.probes.passing, fixed: r.verification.probes.fixed }, { total: 2, passing: 2, fixed: 1 });
    assert.match(r.summary, /^2\/2 probes pass \(1 fixed\), 0 new diagnostics$/);
    assert.doesNotMatch(r.summary, /no examples or tests to run|cannot be checked/);
    assert.match(r.newText, /return \(s\[n \/\/ 2 - 1\] \+ s\[n \/\/ 2\]\) \/ 2/);
  } finally {
    p.cleanup();
  }
});

test('a rewrite whose probe still fails is not verified, and says which call', needsSandbox, async () => {
  const p = await critiqued([stillWrong, stillWrong, stillWrong]);
  try {
    const rounds = [];
    const r = await critic.rewrite({ doc: p.doc, unitName: 'median', findings: p.findings, probes: p.records, onRound: (x) => rounds.push(x) });
    assert.equal(r.status, 'unverified', r.summary);
    assert.match(r.summary, /1\/2 probes pass \(1 still failing: probe `median\(\[1, 2, 3, 4\]\)` returned 2, expected 2\.5\)/);
    assert.ok(rounds[0].reasons.some((x) => /still fails: probe `median\(\[1, 2, 3, 4\]\)`/.test(x)), rounds[0].reasons.join('; '));
  } finally {
    p.cleanup();
  }
});

test('a rewrite that fixes the failing probe but breaks a passing one is not verified', needsSandbox, async () => {
  const p = await critiqued([breaksOdd, breaksOdd, breaksOdd]);
  try {
    const r = await critic.rewrite({ doc: p.doc, unitName: 'median', findings: p.findings, probes: p.records, maxRounds: 1 });
    assert.equal(r.status, 'unverified', r.summary);
    assert.equal(r.verification.probes.fixed, 1);
    assert.deepEqual(r.verification.probes.broken.map((o) => [o.subject, o.actual]), [['median([3, 1, 2])', '1.5']]);
    assert.match(r.summary, /1 broken: probe `median\(\[3, 1, 2\]\)` returned 1\.5, expected 2/);
  } finally {
    p.cleanup();
  }
});

test('without the probes the same finding cannot be checked by tools (what the editor saw before)', needsSandbox, async () => {
  const p = await critiqued([fixedMedian]);
  try {
    const r = await critic.rewrite({ doc: p.doc, unitName: 'median', findings: p.findings });
    assert.equal(r.status, 'unverified', r.summary);
    assert.match(r.summary, /no examples or tests to run/);
  } finally {
    p.cleanup();
  }
});
