// The language server over stdio, driven by a real JSON-RPC client (vscode-languageserver-protocol):
// the editor's unsaved buffer is what is critiqued, diagnostics carry their evidence, partial
// publishes never blank earlier findings, edits supersede runs (and kill their sandboxed code),
// code actions only look things up, and rewrites come back as versioned WorkspaceEdits.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tempProject } from './support/engine.mjs';
import { lineOf, lineRange, startLsp, uriOf } from './support/lspClient.mjs';
import { needsSandbox } from './support/sandbox.mjs';
import { processesMentioning } from './support/processes.mjs';
import { reply, startOpenAiServer } from './support/openaiServer.mjs';
import { fixture, medianFixed, rewrite } from './support/rewrite.mjs';

const cleanups = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A project with `files`, and a server on it (stopped after the file's tests). */
async function serverOn(files, opts = {}) {
  const p = tempProject(files, 'critic-lsp-');
  const client = await startLsp({ root: p.root, initializationOptions: { trusted: true }, settings: { debounceMs: 0 }, ...opts });
  cleanups.push(async () => {
    await client.stop();
    p.cleanup();
  });
  return { ...p, client, path: (f) => join(p.root, f) };
}

const addPy = 'def add(a, b):\n    """Add two numbers.\n\n    >>> add(2, 2)\n    4\n    """\n    return a - b\n';

test('a failing doctest in the unsaved buffer is an executed diagnostic with its evidence; fixing the buffer clears it', needsSandbox, async () => {
  const { client, path } = await serverOn({ 'calc.py': addPy });
  const file = path('calc.py');
  const uri = uriOf(file);
  await client.open(file, addPy, 'python');
  await client.waitStatus(uri, 1);
  const executed = client.lastFor(uri, 1).filter((d) => d.data.tier === 'executed');
  assert.equal(executed.length, 1, JSON.stringify(client.lastFor(uri, 1)));
  const d = executed[0];
  assert.equal(d.source, 'critic');
  assert.equal(typeof d.code, 'string');
  assert.equal(d.severity, 1);
  assert.equal(d.data.unit, 'add');
  assert.match(d.data.fingerprint, /^[0-9a-f]{32}$/);
  assert.equal(d.data.confidence, 1);
  assert.ok(d.relatedInformation?.length, 'the evidence is related information');
  assert.equal(d.relatedInformation[0].location.uri, uri);
  assert.ok([lineOf(addPy, '>>> add(2, 2)'), lineOf(addPy, '    4')].includes(d.relatedInformation[0].location.range.start.line), JSON.stringify(d.relatedInformation));

  // Fix the buffer only: the file on disk keeps the bug, the diagnostics follow the buffer.
  const line = lineOf(addPy, 'return a - b');
  const v2 = client.change(file, lineRange(addPy, line), '    return a + b');
  await client.waitStatus(uri, v2);
  assert.deepEqual(client.lastFor(uri, v2), []);
  assert.equal(readFileSync(file, 'utf8'), addPy);
});

test('a TypeScript type error is a tool diagnostic with the rule as code', async () => {
  const ts = 'export function len(s: string): number {\n  return s.size;\n}\n';
  const { client, path } = await serverOn({ 'len.ts': ts }, { initializationOptions: {} });
  const file = path('len.ts');
  const uri = uriOf(file);
  await client.open(file, ts, 'typescript');
  await client.waitStatus(uri, 1);
  const d = client.lastFor(uri, 1).find((x) => x.code === 'ts-2339');
  assert.ok(d, JSON.stringify(client.lastFor(uri, 1)));
  assert.equal(d.source, 'critic');
  assert.equal(d.data.tier, 'tool');
  assert.equal(d.range.start.line, 1);
  assert.match(d.message, /size/);
  // Not trusted (no initializationOptions.trusted): it says so once, and nothing runs.
  assert.ok(client.logs.some((l) => /not trusted/.test(l)), client.logs.join('\n'));
  assert.deepEqual(client.errors, [], 'stdout carried something that is not an LSP frame');
});

test('a TypeScript file opened as python (one languageId per server, as eglot 1.9 sends) is still checked as TypeScript', async () => {
  const ts = 'export function len(s: string): number {\n  return s.size;\n}\n';
  const { client, path } = await serverOn({ 'len.ts': ts }, { initializationOptions: {} });
  const file = path('len.ts');
  const uri = uriOf(file);
  await client.open(file, ts, 'python');
  await client.waitStatus(uri, 1);
  const found = client.lastFor(uri, 1);
  assert.ok(found.some((x) => x.code === 'ts-2339'), `the type error, not Python syntax errors: ${JSON.stringify(found)}`);
  assert.ok(!found.some((x) => /syntax/.test(String(x.code))), JSON.stringify(found));
});

test('a client that refuses a capability registration still gets its diagnostics (the server logs the refusal and goes on)', async () => {
  const ts = 'export function len(s: string): number {\n  return s.size;\n}\n';
  const { client, path } = await serverOn({ 'len.ts': ts }, { initializationOptions: {}, refuseRegistrations: true });
  const file = path('len.ts');
  const uri = uriOf(file);
  await client.open(file, ts, 'typescript');
  await client.waitStatus(uri, 1);
  assert.ok(client.lastFor(uri, 1).some((x) => x.code === 'ts-2339'), JSON.stringify(client.lastFor(uri, 1)));
  assert.ok(client.logs.some((l) => /refused to watch \.critic\.json/.test(l)), client.logs.join('\n'));
});

test('initializationOptions.omitDiagnostics hides rules the client shows itself (VS Code and ts-*)', async () => {
  const ts = 'export function len(s: string): number {\n  return s.size;\n}\nconst unused = 1;\n';
  const { client, path } = await serverOn({ 'len.ts': ts }, { initializationOptions: { omitDiagnostics: ['ts-'] } });
  const file = path('len.ts');
  const uri = uriOf(file);
  await client.open(file, ts, 'typescript');
  await client.waitStatus(uri, 1);
  assert.ok(client.statuses.some((s) => s.uri === uri && s.state === 'done' && s.findings >= 1), 'the type error is still found');
  assert.ok(!client.publishesFor(uri).some((p) => p.diagnostics.some((d) => d.code.startsWith('ts-'))), JSON.stringify(client.publishesFor(uri)));
});

test('partial publishes: each tool adds its findings as it finishes and no publish drops an earlier one', needsSandbox, async () => {
  const text = `${addPy}\n\ndef shout(s):\n    unused = 1\n    return s.upper()\n`;
  const { client, path } = await serverOn({ 'mixed.py': text });
  const file = path('mixed.py');
  const uri = uriOf(file);
  await client.open(file, text, 'python');
  await client.waitStatus(uri, 1);
  const runs = client.publishesFor(uri).filter((p) => p.version === 1);
  const final = runs.at(-1).diagnostics;
  assert.ok(final.some((d) => d.data.tier === 'executed'), JSON.stringify(final));
  assert.ok(final.some((d) => d.code === 'ruff-F841'), JSON.stringify(final));
  assert.ok(runs.length >= 2, 'findings arrive in more than one publish');
  const keys = (p) => new Set(p.diagnostics.map((d) => d.data.fingerprint));
  for (let i = 1; i < runs.length; i++) {
    for (const k of keys(runs[i - 1])) assert.ok(keys(runs[i]).has(k), `publish ${i} dropped ${k}`);
  }
});

test('a newer version supersedes the run in flight: its sandboxed example is killed, the old version is never published again', needsSandbox, async () => {
  const marker = String(Number.parseInt(randomBytes(4).toString('hex'), 16) + 10_000_000).slice(0, 8);
  const slow = `import subprocess\n\n\ndef wait():\n    """Waits.\n\n    >>> wait()\n    0\n    """\n    return subprocess.run(["sleep", "${marker}"]).returncode\n`;
  const { client, path } = await serverOn({ 'slow.py': slow }, { settings: { debounceMs: 0, execution: { exampleTimeoutMs: 600000 } } });
  const file = path('slow.py');
  const uri = uriOf(file);
  await client.open(file, slow, 'python');
  while (processesMentioning(marker).length === 0) await new Promise((r) => setImmediate(r));
  const line = lineOf(slow, 'subprocess.run');
  const v2 = client.change(file, lineRange(slow, line), '    return 1');
  await client.waitStatus(uri, v2);
  const executed = client.lastFor(uri, v2).filter((d) => d.data.tier === 'executed');
  assert.equal(executed.length, 1, 'the new version ran and its example fails (1 != 0)');
  assert.deepEqual(processesMentioning(marker), [], 'the superseded run left its sandboxed process running');
  const lastV2 = client.published.findLastIndex((p) => p.uri === uri && p.version === v2);
  assert.ok(!client.published.slice(lastV2).some((p) => p.uri === uri && p.version === 1));
});

test('$/cancelRequest stops a critique requested with critic.checkDocument', needsSandbox, async () => {
  const marker = String(Number.parseInt(randomBytes(4).toString('hex'), 16) + 20_000_000).slice(0, 8);
  const slow = `import subprocess\n\n\ndef wait():\n    """Waits.\n\n    >>> wait()\n    0\n    """\n    return subprocess.run(["sleep", "${marker}"]).returncode\n`;
  const { client, path } = await serverOn({ 'slow.py': slow }, { settings: { debounceMs: 60000, execution: { exampleTimeoutMs: 600000 } } });
  const file = path('slow.py');
  const uri = uriOf(file);
  await client.open(file, slow, 'python');
  // The open itself is critiqued at once: wait for it to start running the example, then ask for a run.
  while (processesMentioning(marker).length === 0) await new Promise((r) => setImmediate(r));
  const { CancellationTokenSource } = (await import('vscode-languageserver-protocol/node')).default;
  const source = new CancellationTokenSource();
  const request = client.connection.sendRequest('workspace/executeCommand', { command: 'critic.checkDocument', arguments: [{ uri }] }, source.token);
  while (!client.statuses.some((s) => s.uri === uri && s.state === 'cancelled')) await new Promise((r) => setImmediate(r));
  // The first run was superseded by the request; now the request's own run is running the example.
  while (processesMentioning(marker).length === 0) await new Promise((r) => setImmediate(r));
  source.cancel();
  const answer = await request.then((r) => r, (err) => ({ error: err.code }));
  assert.ok(answer.cancelled === true || answer.error === -32800, JSON.stringify(answer));
  while (processesMentioning(marker).length) await new Promise((r) => setImmediate(r));
  assert.equal(client.statuses.filter((s) => s.uri === uri && s.state === 'cancelled').length, 2);
  assert.ok(!client.publishesFor(uri).some((p) => p.diagnostics.some((d) => d.data.tier === 'executed')), 'no result of a cancelled run was published');
});

test('code actions are lookups: Ignore inserts a critic-ignore comment, which clears the finding', async () => {
  const py = 'def f():\n    return undefined_name\n';
  const { client, path } = await serverOn({ 'f.py': py }, { initializationOptions: {} });
  const file = path('f.py');
  const uri = uriOf(file);
  await client.open(file, py, 'python');
  await client.waitStatus(uri, 1);
  const d = client.lastFor(uri, 1).find((x) => x.code === 'ruff-F821');
  assert.ok(d);
  const actions = await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
  // No model configured: no rewrite offered, only the ignore edit.
  assert.deepEqual(actions.map((a) => a.title), ['Ignore ruff-F821 on this line (critic-ignore comment)']);
  const edit = actions[0].edit.documentChanges[0];
  assert.deepEqual(edit.textDocument, { uri, version: 1 });
  assert.equal(edit.edits[0].newText, '    # critic-ignore-next-line ruff-F821\n');
  const v2 = client.change(file, edit.edits[0].range, edit.edits[0].newText);
  await client.waitStatus(uri, v2);
  assert.deepEqual(client.lastFor(uri, v2), []);
});

test('Rewrite: the code action names the unit; critic.rewrite verifies and applies a WorkspaceEdit for the shown version', needsSandbox, async () => {
  const server = await startOpenAiServer();
  cleanups.push(() => server.close());
  server.script((body) => (body.response_format?.json_schema?.name === 'rewrite' ? rewrite(medianFixed) : reply.findings([])));
  const stats = fixture('stats.py');
  const { client, path } = await serverOn(
    { 'stats.py': stats },
    { settings: { debounceMs: 0, model: { provider: 'openai', name: 'test-model', baseUrl: server.url, probes: false } } },
  );
  const file = path('stats.py');
  const uri = uriOf(file);
  await client.open(file, stats, 'python');
  await client.waitStatus(uri, 1);
  const d = client.lastFor(uri, 1).find((x) => x.data.tier === 'executed' && x.data.unit === 'median');
  assert.ok(d, JSON.stringify(client.lastFor(uri, 1)));
  const before = server.completions.length;
  const actions = await client.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
  assert.equal(server.completions.length, before, 'codeAction asked the model');
  const rewriteAction = actions.find((a) => a.command?.command === 'critic.rewrite');
  assert.equal(rewriteAction.title, 'Rewrite median with Critic (verified)');
  assert.ok(actions.some((a) => a.command?.command === 'critic.previewRewrite'));

  const stale = await client.connection.sendRequest('workspace/executeCommand', { command: 'critic.rewrite', arguments: [{ ...rewriteAction.command.arguments[0], version: 0 }] });
  assert.equal(stale.status, 'stale');
  assert.equal(client.applied.length, 0);

  const { WorkDoneProgress } = (await import('vscode-languageserver-protocol/node')).default;
  const progress = [];
  client.connection.onProgress(WorkDoneProgress.type, 'rewrite-1', (v) => progress.push(v));
  const result = await client.connection.sendRequest('workspace/executeCommand', { command: 'critic.rewrite', arguments: rewriteAction.command.arguments, workDoneToken: 'rewrite-1' });
  assert.equal(result.status, 'verified', result.summary);
  assert.equal(result.applied, true);
  assert.equal(client.applied.length, 1);
  const change = client.applied[0].edit.documentChanges[0];
  assert.deepEqual(change.textDocument, { uri, version: 1 });
  assert.match(change.edits[0].newText, /n % 2/);
  assert.deepEqual([progress[0]?.kind, progress.at(-1)?.kind], ['begin', 'end'], JSON.stringify(progress));
  assert.ok(progress.some((v) => v.kind === 'report' && /round 1: verified/.test(v.message)), JSON.stringify(progress));
  assert.equal(readFileSync(file, 'utf8'), stats, 'the server never writes the file; the client applies the edit');
  assert.deepEqual(client.errors, [], 'stdout carried something that is not an LSP frame');
});

test('critic/chat: the client answers the model requests (as VS Code does with vscode.lm)', async () => {
  const { client, path } = await serverOn({ 'calc.py': 'def add(a, b):\n    return a - b\n' }, {
    initializationOptions: { trusted: true },
    settings: { debounceMs: 0, execution: { enabled: false }, model: { provider: 'client', name: 'copilot/gpt-4o', probes: false } },
  });
  const asked = [];
  client.handlers.chat = (p) => {
    asked.push(p);
    return { text: JSON.stringify({ verdict: 'incorrect', findings: [{ quote: 'return a - b', message: 'subtracts instead of adding', category: 'logic', severity: 'error', confidence: 0.9 }] }) };
  };
  const file = path('calc.py');
  const uri = uriOf(file);
  await client.open(file, 'def add(a, b):\n    return a - b\n', 'python');
  await client.waitStatus(uri, 1);
  assert.equal(asked.length, 1);
  assert.equal(asked[0].model, 'copilot/gpt-4o');
  assert.equal(asked[0].schemaName, 'critique');
  assert.deepEqual(asked[0].messages.map((m) => m.role), ['system', 'user']);
  assert.match(asked[0].messages[1].content, /return a - b/);
  const d = client.lastFor(uri, 1).find((x) => x.data.tier === 'model');
  assert.ok(d, JSON.stringify(client.lastFor(uri, 1)));
  assert.equal(d.range.start.line, 1);
  assert.match(d.message, /subtracts instead of adding/);
  assert.equal(d.severity, 2, 'a model-only finding is never an error');
});

test('settings: a cosmetic change keeps the warm engine, an engine input rebuilds it; .critic.json is watched', async () => {
  const py = 'def f():\n    return undefined_name\n';
  const { client, path, root } = await serverOn({ 'f.py': py }, { initializationOptions: {} });
  const file = path('f.py');
  const uri = uriOf(file);
  const engines = () => client.logs.filter((l) => l.startsWith('engine for ')).length;
  await client.open(file, py, 'python');
  await client.waitStatus(uri, 1);
  assert.equal(engines(), 1);
  assert.ok(client.lastFor(uri, 1).some((d) => d.code === 'ruff-F821'));

  const edit = (text) => client.change(file, { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text);
  client.state.settings = { debounceMs: 10 };
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  const v2 = edit('');
  await client.waitStatus(uri, v2);
  assert.equal(engines(), 1, 'a debounce change rebuilt the engine');

  client.state.settings = { debounceMs: 10, tools: { ruff: false } };
  await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: null });
  const v3 = edit('');
  await client.waitStatus(uri, v3);
  assert.equal(engines(), 2, 'turning ruff off rebuilt the engine');
  assert.ok(!client.lastFor(uri, v3).some((d) => d.code === 'ruff-F821'));

  client.state.settings = { debounceMs: 10 };
  writeFileSync(join(root, '.critic.json'), JSON.stringify({ rules: { 'ruff-F821': 'warning' } }));
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(join(root, '.critic.json')), type: 1 }] });
  const v4 = edit('');
  await client.waitStatus(uri, v4);
  const d = client.lastFor(uri, v4).find((x) => x.code === 'ruff-F821');
  assert.equal(d?.severity, 2, 'the rule level from the new .critic.json applies');

  // A broken project file is one clear line; the defaults keep working meanwhile.
  writeFileSync(join(root, '.critic.json'), '{ "rules": ');
  await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(join(root, '.critic.json')), type: 2 }] });
  const v5 = edit('');
  await client.waitStatus(uri, v5);
  assert.ok(client.logs.some((l) => /\.critic\.json: invalid "\(file\)": not valid JSON .*using the defaults until it is fixed/.test(l)), client.logs.join('\n'));
  assert.equal(client.lastFor(uri, v5).find((x) => x.code === 'ruff-F821')?.severity, 1);
});

test('critic/chat is cancelled with $/cancelRequest when a newer version supersedes the critique', async () => {
  const text = 'def add(a, b):\n    return a - b\n';
  const { client, path } = await serverOn({ 'calc.py': text }, {
    initializationOptions: { trusted: true },
    settings: { debounceMs: 0, execution: { enabled: false }, model: { provider: 'client', name: 'm', probes: false } },
  });
  const cancelled = [];
  let first = true;
  let asked;
  const firstAsked = new Promise((r) => (asked = r));
  client.handlers.chat = (p, token) => {
    if (!first) return { text: JSON.stringify({ verdict: 'correct', findings: [] }) };
    first = false;
    asked();
    // The first request never answers on its own: only a cancellation ends it.
    return new Promise((resolve) => token.onCancellationRequested(() => {
      cancelled.push(p.messages[1].content);
      resolve({ text: '' });
    }));
  };
  const file = path('calc.py');
  const uri = uriOf(file);
  await client.open(file, text, 'python');
  await firstAsked;
  const v2 = client.change(file, lineRange(text, 1), '    return a + b');
  await client.waitStatus(uri, v2);
  assert.equal(cancelled.length, 1, 'the superseded model request was cancelled');
  assert.match(cancelled[0], /return a - b/);
  assert.ok(!client.statuses.some((s) => s.uri === uri && s.version === 1 && s.state === 'done'));
});
