// The language server's pure parts: the per-document debounce (on node:test mock timers), the
// settings and what rebuilds an engine, findings → diagnostics, and keeping diagnostics in step
// with edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { out } from './support/engine.mjs';

const { DocumentScheduler, globalTimers } = await import(out('lsp/scheduler.js'));
const { resolveServerSettings, flattenSettings } = await import(out('lsp/settings.js'));
const { toDiagnostic } = await import(out('lsp/diagnostics.js'));
const { DocumentState, partialDiagnostics } = await import(out('lsp/documentState.js'));
const { minimalEdit, parseRewriteArgs } = await import(out('lsp/rewriteCommand.js'));
const { parseLspArgs } = await import(out('lsp/lspCommand.js'));
const { defaultConfig } = await import(out('engine/config.js'));
const { TextDocument } = await import('vscode-languageserver-textdocument');

function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

test('debounce: edits within the idle time start one run; a newer edit aborts the run in flight', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const runs = [];
  const scheduler = new DocumentScheduler(async (key, signal) => {
    const run = { key, signal, done: deferred() };
    runs.push(run);
    await run.done.promise;
  }, globalTimers);
  scheduler.schedule('a', 300);
  t.mock.timers.tick(200);
  scheduler.schedule('a', 300);
  t.mock.timers.tick(299);
  assert.equal(runs.length, 0, 'the second edit restarted the wait');
  t.mock.timers.tick(1);
  assert.equal(runs.length, 1);
  assert.equal(runs[0].signal.aborted, false);
  scheduler.schedule('a', 300);
  assert.equal(runs[0].signal.aborted, true, 'a newer version cancels the run in flight at once');
  scheduler.schedule('b', 300);
  t.mock.timers.tick(300);
  assert.deepEqual(runs.map((r) => r.key), ['a', 'a', 'b'], 'documents are debounced independently');
  const now = scheduler.runNow('b');
  assert.equal(runs[2].signal.aborted, true, 'an explicit run supersedes too');
  scheduler.cancel('a');
  assert.equal(runs[1].signal.aborted, true, 'closing the document cancels its run');
  assert.equal(scheduler.busy('a'), false);
  assert.equal(runs[3].signal.aborted, false);
  runs.forEach((r) => r.done.resolve());
  await now;
  assert.equal(scheduler.busy('b'), false);
  scheduler.dispose();
});

test('settings: nested or dotted keys; a cosmetic setting keeps the engine, an engine input rebuilds it', () => {
  const base = defaultConfig();
  const a = resolveServerSettings({ debounceMs: 300, tools: { ruff: true } }, base, { trusted: true, root: '/p' });
  const b = resolveServerSettings({ debounceMs: 50, 'tools.ruff': true }, base, { trusted: true, root: '/p' });
  const c = resolveServerSettings({ debounceMs: 50, tools: { ruff: false } }, base, { trusted: true, root: '/p' });
  assert.equal(b.debounceMs, 50);
  assert.equal(a.engineKey, b.engineKey);
  assert.notEqual(b.engineKey, c.engineKey);
  assert.equal(c.config.tools.ruff, false);
  assert.deepEqual(flattenSettings({ rules: { 'ts-2339': 'off' }, model: { name: 'm' } }), { rules: { 'ts-2339': 'off' }, 'model.name': 'm' });
  const bad = resolveServerSettings({ execution: { memoryMb: 1 }, debounceMs: -1 }, base, { trusted: true, root: '/p' });
  assert.equal(bad.problems.length, 2, bad.problems.join('\n'));
  assert.match(bad.problems[0], /critic\.execution\.memoryMb is ignored/);
});

test('settings: the project file never chooses the model or endpoint; untrusted projects run nothing and send nothing', () => {
  const project = defaultConfig();
  project.model.models = ['evil-model'];
  project.model.baseUrl = 'https://collector.example/v1';
  const none = resolveServerSettings({}, project, { trusted: true, root: '/p' });
  assert.deepEqual(none.model, { provider: 'none' });
  assert.equal(none.config.model.baseUrl, undefined);
  const user = { model: { provider: 'openai', name: 'qwen', baseUrl: 'http://127.0.0.1:11434/v1' } };
  const trusted = resolveServerSettings(user, project, { trusted: true, root: '/p' });
  assert.deepEqual(trusted.model, { provider: 'openai', models: ['qwen'], baseUrl: 'http://127.0.0.1:11434/v1' });
  const untrusted = resolveServerSettings(user, project, { trusted: false, root: '/p' });
  assert.deepEqual(untrusted.model, { provider: 'none' });
  assert.equal(untrusted.config.execution.enabled, false);
  assert.equal(untrusted.config.tools.eslint, false);
  assert.deepEqual(resolveServerSettings({ model: { provider: 'vscode-lm' } }, project, { trusted: true, root: '/p' }).model, { provider: 'client', models: [''] });
});

const finding = (extra = {}) => ({
  rule: 'ruff-F401',
  level: 'note',
  message: '`os` imported but unused',
  file: '/p/a.py',
  range: { start: { line: 0, character: 7 }, end: { line: 0, character: 9 } },
  unit: '<module>',
  tier: 'tool',
  confidence: 1,
  source: 'ruff',
  fingerprint: 'f'.repeat(32),
  related: [],
  ...extra,
});

test('diagnostics: rule as code, docs link, evidence as related information, tier and fingerprint in data', () => {
  const d = toDiagnostic(finding(), 3);
  assert.equal(d.source, 'critic');
  assert.equal(d.code, 'ruff-F401');
  assert.equal(d.severity, 3);
  assert.deepEqual(d.codeDescription, { href: 'https://docs.astral.sh/ruff/rules/unused-import/' });
  assert.deepEqual(d.data, { fingerprint: 'f'.repeat(32), tier: 'tool', confidence: 1, unit: '<module>', tool: 'ruff', version: 3 });
  const e = toDiagnostic(finding({ rule: 'example-failed', tier: 'executed', level: 'error', source: 'examples', related: [{ file: '/p/a.py', range: { start: { line: 4, character: 4 }, end: { line: 4, character: 20 } }, message: 'expected 4, got 0' }] }), 1);
  assert.deepEqual(e.relatedInformation, [{ location: { uri: 'file:///p/a.py', range: { start: { line: 4, character: 4 }, end: { line: 4, character: 20 } } }, message: 'expected 4, got 0' }]);
  assert.equal(e.codeDescription, undefined);
  assert.equal(toDiagnostic(finding({ rule: 'eslint-no-undef', helpUri: 'https://eslint.org/docs/latest/rules/no-undef' }), 1).codeDescription.href, 'https://eslint.org/docs/latest/rules/no-undef');
  assert.equal(toDiagnostic(finding({ tier: 'model', level: 'warning', confidence: 0.7, source: 'model' }), 1).severity, 2);
});

test('an edit drops the diagnostics it touches (and executed ones of the edited unit) and shifts those below', () => {
  const s = new DocumentState();
  const at = (line, tier = 'tool', unit = '<module>', tool = 'ruff') => ({ range: { start: { line, character: 0 }, end: { line, character: 3 } }, data: { tier, unit, tool } });
  s.diagnostics = [at(1), at(5), at(9, 'executed', 'f', 'examples'), at(20)];
  s.checked = { version: 1, findings: [], units: [{ name: 'f', kind: 'function', range: { start: { line: 8, character: 0 }, end: { line: 12, character: 0 } } }] };
  s.applyChanges([{ range: { start: { line: 5, character: 0 }, end: { line: 5, character: 2 } }, text: 'x\ny\n' }]);
  assert.deepEqual(s.diagnostics.map((d) => d.range.start.line), [1, 11, 22]);
  s.applyChanges([{ range: { start: { line: 12, character: 0 }, end: { line: 12, character: 1 } }, text: '' }]);
  assert.deepEqual(s.diagnostics.map((d) => d.range.start.line), [1, 22], 'an edit inside the unit drops its executed finding');
  const partial = partialDiagnostics([at(0, 'tool', '<module>', 'ruff')], [at(1, 'tool', '<module>', 'ruff'), at(7, 'executed', 'f', 'examples')], (tool) => tool === 'ruff');
  assert.deepEqual(partial.map((d) => d.range.start.line), [0, 7], 'a tool that has not finished keeps its earlier findings up');
});

test('the rewrite edit is minimal; bad command arguments and CLI flags are one-line errors', () => {
  const doc = TextDocument.create('file:///p/a.py', 'python', 1, 'a\nb\nc\n');
  assert.deepEqual(minimalEdit(doc, 'a\nB\nc\n'), { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 1 } }, newText: 'B' });
  assert.match(parseRewriteArgs([]), /expected one argument/);
  assert.match(parseRewriteArgs([{ uri: 'file:///a', version: 1 }]), /fingerprint or a unit/);
  assert.deepEqual(parseLspArgs(['--stdio'], {}), { transport: 'stdio', trusted: false, verbose: false });
  assert.equal(parseLspArgs(['--node-ipc', '--clientProcessId=12'], { CRITIC_TRUST_PROJECT: '1' }).trusted, true);
  assert.match(parseLspArgs([], {}), /needs a transport/);
  assert.match(parseLspArgs(['--stdio', '--bogus'], {}), /unknown option "--bogus"/);
});

test('the log sent to the client has secrets redacted and keeps stack traces; debug only when verbose', async () => {
  const { connectionLogger } = await import(out('lsp/logger.js'));
  const sent = [];
  const remote = { error: (m) => sent.push(['error', m]), warn: (m) => sent.push(['warn', m]), info: (m) => sent.push(['info', m]), log: (m) => sent.push(['log', m]) };
  const key = 'my-own-gateway-key-1234567890';
  const log = connectionLogger(remote, { verbose: false, secrets: () => [key] });
  log.info(`calling the endpoint with ${key}`);
  log.error('request failed', new Error(`401 for sk-proj-Q7wErTy8uIoP9aSdFgHjKl0zXcVbNm12`));
  log.debug('hidden');
  assert.equal(sent.length, 2);
  assert.ok(!sent.some(([, m]) => m.includes(key) || m.includes('sk-proj-Q7wErTy8uIoP9aSdFgHjKl0zXcVbNm12')), JSON.stringify(sent));
  assert.match(sent[1][1], /request failed\nError: 401 for .*\n\s+at /);
  connectionLogger(remote, { verbose: true, secrets: () => [] }).debug('shown');
  assert.deepEqual(sent.at(-1), ['log', 'shown']);
});

test('applyChanges says whether the shown diagnostics changed, so the server republishes only then', () => {
  const s = new DocumentState();
  s.diagnostics = [{ range: { start: { line: 5, character: 0 }, end: { line: 5, character: 3 } }, data: { tier: 'tool', unit: '<module>', tool: 'ruff' } }];
  assert.equal(s.applyChanges([{ range: { start: { line: 9, character: 0 }, end: { line: 9, character: 0 } }, text: 'x' }]), false, 'typing below moves nothing');
  assert.equal(s.applyChanges([{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: '\n' }]), true, 'a new line above moves it');
  assert.equal(s.diagnostics[0].range.start.line, 6);
  assert.equal(s.applyChanges([{ range: { start: { line: 6, character: 1 }, end: { line: 6, character: 2 } }, text: '' }]), true, 'an edit on it drops it');
  assert.deepEqual(s.diagnostics, []);
});
