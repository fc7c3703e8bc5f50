// A real LSP client for tests: spawns `node dist/cli.js lsp --stdio` and talks JSON-RPC to it
// with vscode-languageserver-protocol (the library VS Code's own client is built on). It records
// every publishDiagnostics, answers workspace/configuration with the test's settings, and lets a
// test answer critic/chat and workspace/applyEdit.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import protocol from 'vscode-languageserver-protocol/node';
import { repoRoot } from './engine.mjs';

const { createProtocolConnection, ResponseError, StreamMessageReader, StreamMessageWriter } = protocol;

export const uriOf = (path) => pathToFileURL(path).href;

/**
 * Starts the server. `settings` is what workspace/configuration answers for section "critic";
 * `initializationOptions` goes to initialize as is; `cli` is another build's dist/cli.js (benchmarks
 * compare builds). `refuseRegistrations` answers every client/registerCapability with an error (as
 * Emacs 28's eglot does for file watching).
 */
export async function startLsp({ root, settings = {}, initializationOptions = {}, args = [], env = {}, cli = join(repoRoot, 'dist', 'cli.js'), refuseRegistrations = false } = {}) {
  const child = spawn(process.execPath, [cli, 'lsp', '--stdio', ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const published = [];
  const waiters = new Set();
  const logs = [];
  const statuses = [];
  // Publishes and statuses in the order they arrived (a status says what the publish before it was).
  const timeline = [];
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  connection.onNotification('textDocument/publishDiagnostics', (p) => {
    published.push(p);
    timeline.push({ publish: p });
    notify();
  });
  connection.onNotification('window/logMessage', (p) => {
    logs.push(p.message);
    notify();
  });
  connection.onNotification('window/showMessage', (p) => logs.push(p.message));
  connection.onNotification('critic/status', (p) => {
    statuses.push(p);
    timeline.push({ status: p });
    notify();
  });
  const state = { settings };
  connection.onRequest('workspace/configuration', (p) => p.items.map((i) => (i.section === 'critic' ? state.settings : null)));
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.onRequest('client/registerCapability', () => (refuseRegistrations ? new ResponseError(-32603, 'Internal error') : null));
  connection.onRequest('window/showMessageRequest', () => null);
  const handlers = { chat: undefined, applyEdit: () => ({ applied: true }) };
  const applied = [];
  connection.onRequest('workspace/applyEdit', (p) => {
    applied.push(p);
    return handlers.applyEdit(p);
  });
  connection.onRequest('critic/chat', (p, token) => {
    if (!handlers.chat) throw new Error('the test answers no critic/chat');
    return handlers.chat(p, token);
  });
  // Anything on stdout that is not an LSP frame shows up here (the reader cannot parse it).
  const errors = [];
  connection.onError(([err]) => errors.push(String(err?.message ?? err)));
  connection.listen();
  const init = await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: uriOf(root),
    workspaceFolders: [{ uri: uriOf(root), name: 'test' }],
    initializationOptions,
    capabilities: {
      workspace: { configuration: true, didChangeWatchedFiles: { dynamicRegistration: true }, didChangeConfiguration: { dynamicRegistration: true }, applyEdit: true, workspaceEdit: { documentChanges: true } },
      window: { workDoneProgress: true },
      textDocument: { publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true }, codeAction: { dataSupport: true } },
    },
  });
  await connection.sendNotification('initialized', {});

  /** Resolves with the first publish (from `from` on) for `uri` that satisfies `pred`. */
  function waitFor(uri, pred, from = 0) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = published.slice(from).find((p) => p.uri === uri && pred(p));
        if (hit) {
          waiters.delete(check);
          resolve(hit);
        } else if (child.exitCode !== null) {
          waiters.delete(check);
          reject(new Error(`the server exited (${child.exitCode}): ${stderr}`));
        }
      };
      waiters.add(check);
      check();
    });
  }

  /** Resolves when the server reports `state` (default: done) for the document at `version` (and `pred` holds for the status). */
  function waitStatus(uri, version, state = 'done', pred = () => true) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = statuses.find((s) => s.uri === uri && s.version === version && s.state === state && pred(s));
        if (hit) {
          waiters.delete(check);
          resolve(hit);
        } else if (child.exitCode !== null) {
          waiters.delete(check);
          reject(new Error(`the server exited (${child.exitCode}): ${stderr}`));
        }
      };
      waiters.add(check);
      check();
    });
  }
  /** The last diagnostics published for the document at `version`. */
  const lastFor = (uri, version) => published.filter((p) => p.uri === uri && p.version === version).at(-1)?.diagnostics ?? [];

  const versions = new Map();
  return {
    connection,
    init,
    pid: child.pid,
    errors,
    published,
    applied,
    logs,
    statuses,
    timeline,
    handlers,
    state,
    waitFor,
    waitStatus,
    lastFor,
    publishesFor: (uri) => published.filter((p) => p.uri === uri),
    open(path, text, languageId) {
      versions.set(uriOf(path), 1);
      return connection.sendNotification('textDocument/didOpen', { textDocument: { uri: uriOf(path), languageId, version: 1, text } });
    },
    /** One incremental change; returns the new version. */
    change(path, range, text) {
      const uri = uriOf(path);
      const version = versions.get(uri) + 1;
      versions.set(uri, version);
      void connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ range, text }] });
      return version;
    },
    version: (path) => versions.get(uriOf(path)),
    async stop() {
      try {
        await connection.sendRequest('shutdown');
        await connection.sendNotification('exit');
      } catch {
        // already gone
      }
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      connection.dispose();
      return { code: child.exitCode, stderr };
    },
  };
}

/** The 0-based line of the first line containing `needle`. */
export const lineOf = (text, needle) => text.split('\n').findIndex((l) => l.includes(needle));

/** A range covering line `line` entirely (for replacing it). */
export const lineRange = (text, line) => ({ start: { line, character: 0 }, end: { line, character: text.split('\n')[line].length } });
