// Probes for real: the model (the scripted OpenAI-compatible server over real HTTP) proposes calls
// for units with no examples or tests, the bubblewrap sandbox runs
// them, and the Engine reports mismatches, crashes and hangs.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeContext, out, repoRoot, tempProject } from './support/engine.mjs';
import { startOpenAiServer, reply } from './support/openaiServer.mjs';
import { needsSandbox, realSandbox } from './support/sandbox.mjs';

const { Engine } = await import(out('engine/pipeline.js'));
const { staticTools } = await import(out('engine/toolset.js'));
const { createModelStage } = await import(out('engine/critique/modelStage.js'));
const { expectedException } = await import(out('engine/critique/probes.js'));
const { createOpenAiModel } = await import(out('engine/model/provider.js'));
const { PythonExamplesTool } = await import(out('engine/evidence/pythonExamples.js'));
const { languageOfPath } = await import(out('engine/languages.js'));

// Generous: on a loaded 2-core machine Node + a bundle can take seconds to start.
const timeoutMs = 5_000;
const sandbox = await realSandbox({ exampleTimeoutMs: timeoutMs });

let server;
before(async () => {
  server = await startOpenAiServer({ models: ['critic-a'] });
});
after(() => server.close());
beforeEach(() => server.reset());

function critic({ probes = true, withExamples = false } = {}) {
  const ctx = makeContext({ config: { model: { models: ['critic-a'], probes }, execution: { exampleTimeoutMs: timeoutMs, allowUnsandboxed: true } } });
  const options = {};
  const tools = [...staticTools(ctx), ...(withExamples ? [new PythonExamplesTool(ctx, { sandbox })] : [])];
  const engine = new Engine(ctx, tools, options);
  const model = createOpenAiModel({ model: 'critic-a', baseUrl: server.url, timeoutMs: 30_000, maxRetries: 0, log: ctx.log });
  options.modelStage = createModelStage({ ctx, syntax: engine.syntax, models: [model], sandbox });
  return engine;
}

function fixture(name, overrides = {}) {
  const dir = join(repoRoot, 'test', 'fixtures', 'critique', name);
  const files = Object.fromEntries(readdirSync(dir).map((n) => [n, readFileSync(join(dir, n), 'utf8')]));
  return tempProject({ ...files, ...overrides });
}

async function check(engine, root, rel, text) {
  const path = join(root, rel);
  text ??= readFileSync(path, 'utf8');
  return engine.check({ path, text, language: languageOfPath(path), projectRoot: root });
}

const probe = (call, expected, why = '') => ({ call, expected, why });
const schemaOf = (body) => body.response_format?.json_schema?.name;
const unitOf = (body) => /kind="unit" name="([^"]+)"/.exec(body.messages[1].content)?.[1];

/** Answers probes requests from `byUnit` and critique requests with `critique` (default: none). */
function script(byUnit, critique = reply.findings([])) {
  server.script((body) => (schemaOf(body) === 'probes' ? reply.json({ probes: byUnit[unitOf(body)] ?? [] }) : critique));
}

const probeRequests = () => server.completions.filter((c) => schemaOf(c.body) === 'probes');
const nameText = (text, f) => text.split('\n')[f.range.start.line].slice(f.range.start.character, f.range.end.character);

test('python: mismatch → warning, raise → executed error, hang → exec-timeout, unparseable → dropped; examples spare a unit', needsSandbox, async () => {
  const p = fixture('pystats');
  script(
    {
      median: [
        probe('median([1, 2, 3, 4])', '2.5', 'even length: mean of the middle pair'),
        probe('median([3, 1, 2])', '2', 'odd length'),
        probe('median([])', 'None', 'empty input'),
        probe('median([1,', '1', 'cut short'),
      ],
      mean: [probe('mean([])', 'raises ZeroDivisionError', 'empty input'), probe('mean([0.1, 0.2])', '0.15', 'floats')],
      countdown: [probe('countdown(-1)', '0', 'negative start'), probe('countdown(3)', '0', 'positive start')],
    },
    reply.findings([reply.finding('return s[n // 2]', { message: 'IndexError on an empty list', severity: 'error', category: 'edge-case' })]),
  );
  const engine = critic({ withExamples: true });
  try {
    const r = await check(engine, p.root, 'stats.py');
    const text = readFileSync(join(p.root, 'stats.py'), 'utf8');
    const by = (rule, unit) => r.findings.filter((f) => f.rule === rule && f.unit === unit);

    const [mismatch] = by('probe-mismatch', 'median');
    assert.ok(mismatch, JSON.stringify(r.findings, null, 1));
    assert.equal(mismatch.level, 'warning');
    assert.equal(mismatch.tier, 'model');
    assert.equal(mismatch.message, '`median([1, 2, 3, 4])` returned 3, expected 2.5 — even length: mean of the middle pair');
    assert.equal(nameText(text, mismatch), 'median');

    const [crash] = by('probe-crashed', 'median');
    assert.ok(crash, JSON.stringify(r.findings, null, 1));
    assert.equal(crash.level, 'error');
    assert.equal(crash.tier, 'executed');
    assert.match(crash.message, /^`median\(\[\]\)` raised IndexError: list index out of range, expected None — empty input$/);
    const raisedAt = crash.related.find((x) => x.message === 'raised here');
    assert.equal(text.split('\n')[raisedAt.range.start.line].trim(), 'return s[n // 2]');

    const [hang] = by('exec-timeout', 'countdown');
    assert.ok(hang, JSON.stringify(r.findings, null, 1));
    assert.equal(hang.tier, 'executed');
    assert.match(hang.message, /^`countdown\(-1\)` did not finish within 5 s/);

    // The model's error on the line the probe crashed at is corroborated by that run.
    const model = r.findings.find((f) => f.source === 'model');
    assert.equal(model.level, 'error');
    assert.ok(model.related.some((x) => x.message.startsWith('corroborated by probes probe-crashed')));

    // Passing probes (an expected exception, floats within tolerance) are records, not findings.
    assert.equal(r.findings.filter((f) => f.unit === 'mean').length, 0);
    const records = r.records.filter((x) => x.kind === 'probe');
    assert.deepEqual(
      records.map((x) => `${x.subject}: ${x.status}`).sort(),
      ['countdown(-1): timeout', 'countdown(3): passed', 'mean([0.1, 0.2]): passed', 'mean([]): passed', 'median([1, 2, 3, 4]): failed', 'median([3, 1, 2]): passed', 'median([]): error'],
    );
    assert.equal(r.modelStats.probesRun, 7);
    assert.equal(r.modelStats.probesDropped, 1);

    // `add` has a docstring example that ran: it is not probed.
    assert.ok(r.records.some((x) => x.kind === 'example' && x.unit === 'add'));
    assert.deepEqual(probeRequests().map((c) => unitOf(c.body)).sort(), ['countdown', 'mean', 'median']);
    // Probes ran first: the critique read their results as evidence.
    const critique = server.completions.find((c) => schemaOf(c.body) === 'critique');
    assert.match(critique.body.messages[1].content, /probe FAILED: median\(\[1, 2, 3, 4\]\)\n\s+expected: 2\.5\n\s+actual: 3/);
  } finally {
    await engine.dispose();
    p.cleanup();
  }
});

test('typescript: probes reach non-exported functions and methods; mismatch, throw and expected throw', needsSandbox, async () => {
  const p = fixture('tsmath');
  script({
    clamp: [probe('clamp(5, 0, 10)', '5', 'inside the range'), probe('clamp(-1, 0, 10)', '0', 'below the range')],
    parsePercent: [probe("parsePercent('50%')", '0.5', 'percent sign'), probe("parsePercent('abc')", 'throws RangeError', 'not a number'), probe('parsePercent(', '1', 'broken')],
    'Cart.total': [probe('new Cart().total()', '0', 'empty cart'), probe('new Cart().add(0.1).add(0.2).total()', '0.3', 'float sum')],
  });
  const engine = critic();
  try {
    const r = await check(engine, p.root, 'clamp.ts');
    const text = readFileSync(join(p.root, 'clamp.ts'), 'utf8');
    const mismatch = r.findings.find((f) => f.rule === 'probe-mismatch');
    assert.ok(mismatch, JSON.stringify(r.findings, null, 1));
    assert.equal(mismatch.unit, 'clamp');
    assert.equal(mismatch.message, '`clamp(5, 0, 10)` returned 0, expected 5 — inside the range');
    const crash = r.findings.find((f) => f.rule === 'probe-crashed');
    assert.ok(crash, JSON.stringify(r.findings, null, 1));
    assert.equal(crash.unit, 'Cart.total');
    assert.equal(nameText(text, crash), 'total');
    assert.equal(crash.message, '`new Cart().total()` raised TypeError: Reduce of empty array with no initial value, expected 0 — empty cart');
    assert.equal(r.findings.filter((f) => f.unit === 'Cart.total').length, 1, 'the float sum is within tolerance');
    assert.ok(crash.related.some((x) => x.message === 'raised here' && text.split('\n')[x.range.start.line].includes('reduce')), JSON.stringify(crash.related));
    assert.equal(r.findings.filter((f) => f.unit === 'parsePercent').length, 0);
    assert.equal(r.modelStats.probesRun, 6);
    assert.equal(r.modelStats.probesDropped, 1);
  } finally {
    await engine.dispose();
    p.cleanup();
  }
});

test('a module that cannot be imported: its probes are dropped, never findings', needsSandbox, async () => {
  const p = tempProject({ 'boom.py': 'import definitely_not_installed_module_xyz\n\n\ndef double(x):\n    return x * 2\n' });
  script({ double: [probe('double(2)', '4'), probe('double(-1)', '-2')] });
  const engine = critic();
  try {
    const r = await check(engine, p.root, 'boom.py');
    assert.deepEqual(r.findings.filter((f) => f.source === 'probes'), []);
    assert.equal(r.modelStats.probesDropped, 2);
    assert.equal(r.modelStats.probesRun, 0);
  } finally {
    await engine.dispose();
    p.cleanup();
  }
});

test('probes off: no probes request, the critique still runs', needsSandbox, async () => {
  const p = fixture('pystats');
  script({ median: [probe('median([1, 2, 3, 4])', '2.5')] });
  const engine = critic({ probes: false });
  try {
    const r = await check(engine, p.root, 'stats.py');
    assert.equal(probeRequests().length, 0);
    assert.equal(server.completions.length, 1);
    assert.equal(r.modelStats.probesRun, 0);
  } finally {
    await engine.dispose();
    p.cleanup();
  }
});

test('expected exceptions are recognised in the forms models write them', () => {
  assert.equal(expectedException('raises ValueError'), 'ValueError');
  assert.equal(expectedException('Raises: KeyError'), 'KeyError');
  assert.equal(expectedException('throws RangeError'), 'RangeError');
  assert.equal(expectedException('throws'), '');
  assert.equal(expectedException('raise ZeroDivisionError("x")'), 'ZeroDivisionError');
  assert.equal(expectedException('2.5'), null);
  assert.equal(expectedException("'raises'"), null);
});
