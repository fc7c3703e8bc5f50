/**
 * Critic's language server: the editor's buffers (saved or not) in, diagnostics out. One debounce
 * per document; a newer version or `$/cancelRequest` cancels the run in flight through its
 * AbortSignal. Tool findings are published as soon as each tool finishes, executed and model
 * findings follow; earlier diagnostics of tools still running stay up meanwhile. Code actions only
 * look things up; the rewrite runs in `workspace/executeCommand` with work-done progress.
 * Custom requests and notifications are listed in protocol.ts and docs/lsp.md.
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { relative, sep } from 'node:path';
import ignore from 'ignore';
import pkg from '../../package.json';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  ExecuteCommandRequest,
  TextDocumentSyncKind,
  type CancellationToken,
  type Connection,
  type Diagnostic,
  type InitializeResult,
  type ProgressToken,
  type WorkDoneProgressReporter,
} from 'vscode-languageserver';
import { isAbortError } from '../engine/abort.js';
import { ExecCache } from '../engine/evidence/execCache.js';
import type { SourceDocument } from '../engine/evidence/tool.js';
import { languageOfDocument, type LanguageId } from '../engine/languages.js';
import type { CheckResult } from '../engine/pipeline.js';
import { createChatModel } from './chatModel.js';
import { registerClientRequests } from './clientRequests.js';
import { codeActionsFor } from './codeActions.js';
import { toDiagnostic } from './diagnostics.js';
import { DocumentState, partialDiagnostics, regionDiagnostics } from './documentState.js';
import { connectionLogger } from './logger.js';
import { modelsFor, Projects, uncommittedChange } from './projects.js';
import { commands, statusNotification, type InitializationOptions, type StatusParams } from './protocol.js';
import { parseRewriteArgs, runRewrite } from './rewriteCommand.js';
import { DocumentScheduler, globalTimers, type Timers } from './scheduler.js';
import { defaultDebounceMs } from './settings.js';
import { findProjectRoot } from '../engine/project.js';
import { serveWarmPath } from '../daemon/daemon.js';

export interface ServerOptions {
  /** Where the wasm grammars (and, bundled, TypeScript's lib files) are: the bundle's folder. */
  assetsDir: string;
  /** Trusted by the person who started the server (`--trust-project`, CRITIC_TRUST_PROJECT=1). */
  trusted?: boolean;
  /** OPENAI_API_KEY and friends, read once. */
  env?: NodeJS.ProcessEnv;
  verbose?: boolean;
  timers?: Timers;
  /**
   * Also serve the CLI's warm path (`critic check`/`diff` of the workspace's projects, see
   * src/daemon) with this Critic build's identity. Only `critic lsp` sets it: the bundle VS Code
   * starts is another build than the user's CLI, so the CLI would never use it.
   */
  warmPath?: { build: string };
}

/** TypeScript's scanner and parser diagnostics (1000–1199), which a region answer has for the whole file. */
const isTsSyntax = (d: Diagnostic) => /^ts-1[01]\d\d$/.test(String(d.code));

function toSignal(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

export function startServer(connection: Connection, opts: ServerOptions): void {
  const docs = new Map<string, TextDocument>();
  const states = new Map<string, DocumentState>();
  const debounceByRoot = new Map<string, number>();
  let init: InitializationOptions = {};
  let pushedSettings: unknown;
  let configurationSupport = false;
  let watchRegistration = false;
  let configRegistration = false;
  let progressSupport = false;
  let folders: string[] = [];
  let trusted = opts.trusted === true;
  const apiKey = () => init.apiKey ?? opts.env?.OPENAI_API_KEY ?? undefined;
  const log = connectionLogger(connection.console, { verbose: opts.verbose === true, secrets: () => [apiKey() ?? ''] });
  const cache = new ExecCache({ capacity: 256, log });
  let projects!: Projects;

  const stateOf = (uri: string) => {
    let s = states.get(uri);
    if (!s) states.set(uri, (s = new DocumentState()));
    return s;
  };
  const pathOf = (uri: string) => (uri.startsWith('file:') ? fileURLToPath(uri) : undefined);
  const folderOf = (path: string) => folders.filter((f) => path === f || path.startsWith(f + sep)).sort((a, b) => b.length - a.length)[0];
  const languageOf = (doc: TextDocument, path: string): LanguageId | undefined => languageOfDocument(doc.languageId, path);

  const lastSent = new Map<string, string>();
  const omitted = (d: Diagnostic) => typeof d.code === 'string' && (init.omitDiagnostics ?? []).some((prefix) => typeof prefix === 'string' && prefix !== '' && d.code!.toString().startsWith(prefix));
  const publish = (uri: string, version: number, all: Diagnostic[]) => {
    const diagnostics = all.filter((d) => !omitted(d));
    stateOf(uri).diagnostics = diagnostics;
    // A tool that found nothing new does not make the client redraw the same list.
    const key = `${version}\0${JSON.stringify(diagnostics)}`;
    if (lastSent.get(uri) === key) return;
    lastSent.set(uri, key);
    void connection.sendDiagnostics({ uri, version, diagnostics });
  };
  const status = (p: StatusParams) => void connection.sendNotification(statusNotification, p);
  // A missing tool is said once per session, not once per keystroke.
  const noticed = new Set<string>();
  const noticeOnce = (message: string) => {
    const key = message.replace(/\S*\/\S+/g, '');
    if (noticed.has(key)) return;
    noticed.add(key);
    log.warn(message);
  };

  async function check(uri: string, signal: AbortSignal): Promise<void> {
    const doc = docs.get(uri);
    const path = pathOf(uri);
    if (!doc || !path) return;
    const language = languageOf(doc, path);
    if (!language) return;
    const version = doc.version;
    const root = projects.rootOf(path, folderOf(path));
    try {
      await projects.use(root, async ({ settings, critic }) => {
        debounceByRoot.set(root, settings.debounceMs);
        if (signal.aborted) return;
        const rel = relative(root, path).split(sep).join('/');
        if (settings.config.ignore.length && !rel.startsWith('..') && ignore().add(settings.config.ignore).ignores(rel)) {
          publish(uri, version, []);
          return;
        }
        const source: SourceDocument = { path, text: doc.getText(), language, projectRoot: root, version };
        const base: StatusParams = { root, isolation: critic.isolation, isolationReason: critic.isolationReason, trusted, models: [...critic.modelIds], uri, version };
        status({ ...base, state: 'checking' });
        const current = () => !signal.aborted && docs.get(uri)?.version === version;
        const onProgress = (r: CheckResult) => {
          if (!current()) return;
          const fresh = r.findings.map((f) => toDiagnostic(f, version));
          const finished = (tool: string) => r.timings[tool] !== undefined;
          const shown = stateOf(uri).diagnostics;
          publish(uri, version, r.region ? regionDiagnostics(fresh, shown, finished, r.region, isTsSyntax) : partialDiagnostics(fresh, shown, finished));
          status({ ...base, state: 'tools-done', findings: r.findings.length, ...(r.region ? { partial: 'region' as const } : {}) });
        };
        const edited = [...stateOf(uri).edited];
        const change = await uncommittedChange(settings.config, path, source.text);
        const result = await critic.check(source, { signal, onProgress, ...change, ...(edited.length ? { edited } : {}) }).catch((err: unknown) => {
          if (isAbortError(err) || signal.aborted) status({ ...base, state: 'cancelled' });
          throw err;
        });
        if (!current()) return;
        for (const n of result.notices) noticeOnce(n.message);
        publish(uri, version, result.findings.map((f) => toDiagnostic(f, version)));
        stateOf(uri).edited = [];
        stateOf(uri).checked = { version, findings: result.findings, units: result.units, probes: result.records.filter((r) => r.kind === 'probe') };
        status({ ...base, state: 'done', findings: result.findings.length });
        const perTool = Object.entries(result.timings).filter(([k]) => k !== 'total').map(([k, ms]) => `${k} ${Math.round(ms)}`).join(', ');
        log.debug(`checked ${path} v${version}: ${result.findings.length} findings in ${Math.round(result.timings.total ?? 0)} ms (${perTool})`);
      });
    } catch (err) {
      if (isAbortError(err) || signal.aborted) return;
      log.error(`Critic could not critique ${path}`, err);
    }
  }

  const scheduler = new DocumentScheduler(check, opts.timers ?? globalTimers);
  registerClientRequests(connection, {
    projects: () => projects,
    rootOf: (path) => projects.rootOf(path, folderOf(path)),
    trusted: () => trusted,
    omitted: (rule) => omitted({ code: rule } as Diagnostic),
    toSignal,
  });
  const debounceFor = (uri: string) => {
    const path = pathOf(uri);
    const root = path ? projects.rootOf(path, folderOf(path)) : undefined;
    return (root !== undefined ? debounceByRoot.get(root) : undefined) ?? defaultDebounceMs;
  };
  const recheckAll = () => {
    projects.invalidate();
    for (const uri of docs.keys()) scheduler.schedule(uri, debounceFor(uri));
  };

  connection.onInitialize((params): InitializeResult => {
    init = (params.initializationOptions ?? {}) as InitializationOptions;
    trusted = trusted || init.trusted === true;
    pushedSettings = init.settings;
    const caps = params.capabilities;
    configurationSupport = caps.workspace?.configuration === true;
    watchRegistration = caps.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    configRegistration = caps.workspace?.didChangeConfiguration?.dynamicRegistration === true;
    progressSupport = caps.window?.workDoneProgress === true;
    folders = (params.workspaceFolders ?? []).map((f) => pathOf(f.uri)).filter((p): p is string => p !== undefined);
    if (!folders.length && params.rootUri) folders = [pathOf(params.rootUri)].filter((p): p is string => p !== undefined);
    projects = new Projects({
      log,
      assetsDir: opts.assetsDir,
      cache,
      trusted,
      settingsFor: async (root) => {
        if (!configurationSupport) return pushedSettings;
        const s = await connection.workspace.getConfiguration({ scopeUri: pathToFileURL(root).href, section: 'critic' });
        return s ?? pushedSettings;
      },
      models: (model, config) =>
        modelsFor(model, config, { apiKey: apiKey(), log, chat: (name) => createChatModel(connection, { model: name, timeoutMs: config.model.timeoutMs, log }) }),
      warn: (m) => {
        log.warn(m);
        void connection.window.showWarningMessage(m);
      },
      onBuilt: (root, critic) => status({ root, isolation: critic.isolation, isolationReason: critic.isolationReason, trusted, models: [...critic.modelIds] }),
    });
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        ...(init.clientDriven === true
          ? {}
          : { codeActionProvider: { codeActionKinds: ['quickfix'] }, executeCommandProvider: { commands: Object.values(commands) } }),
        workspace: { workspaceFolders: { supported: true } },
      },
      serverInfo: { name: 'critic', version: pkg.version },
    };
  });

  /** Resolves with the closer of the CLI's warm path, once it listens (see ServerOptions.warmPath). */
  let warmPath: Promise<(() => Promise<void>) | undefined> | undefined;

  connection.onInitialized(() => {
    if (opts.warmPath) {
      const roots = [...new Set(folders.map((f) => findProjectRoot(f).root))];
      warmPath = serveWarmPath(roots, { build: opts.warmPath.build, assetsDir: opts.assetsDir, env: opts.env ?? process.env, log }).catch((err: unknown) => {
        log.error('the warm path for critic check/diff could not start', err);
        return undefined;
      });
    }
    log.info(`Critic language server: ${trusted ? 'trusted — examples and tests run in the sandbox' : 'not trusted — static tools only (pass initializationOptions.trusted or --trust-project to run code)'}`);
    // A client may refuse a registration it advertised (Emacs 28's eglot 1.9 answers "Internal
    // error" when it cannot watch the files): the server goes on without it instead of crashing.
    const refused = (what: string) => (err: unknown) => log.warn(`the editor refused to ${what} (${(err as Error).message}); restart the server after changing it`);
    if (watchRegistration) connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/.critic.json' }] }).catch(refused('watch .critic.json'));
    if (configRegistration) connection.client.register(DidChangeConfigurationNotification.type, { section: 'critic' }).catch(refused('send changes of the critic settings'));
  });

  connection.onDidChangeConfiguration((p) => {
    const s = (p.settings as { critic?: unknown } | null)?.critic;
    if (s !== undefined) pushedSettings = s;
    recheckAll();
  });
  connection.onDidChangeWatchedFiles(() => recheckAll());

  connection.onDidOpenTextDocument((p) => {
    const d = p.textDocument;
    docs.set(d.uri, TextDocument.create(d.uri, d.languageId, d.version, d.text));
    states.set(d.uri, new DocumentState());
    scheduler.schedule(d.uri, 0);
  });
  connection.onDidChangeTextDocument((p) => {
    const doc = docs.get(p.textDocument.uri);
    if (!doc) return;
    docs.set(p.textDocument.uri, TextDocument.update(doc, p.contentChanges, p.textDocument.version));
    const state = stateOf(p.textDocument.uri);
    // What the edit touched goes at once (clients that do not move diagnostics get them moved);
    // new findings come after the idle delay.
    if (state.applyChanges(p.contentChanges)) publish(p.textDocument.uri, p.textDocument.version, state.diagnostics);
    scheduler.schedule(p.textDocument.uri, debounceFor(p.textDocument.uri));
  });
  connection.onDidCloseTextDocument((p) => {
    const uri = p.textDocument.uri;
    scheduler.cancel(uri);
    docs.delete(uri);
    states.delete(uri);
    lastSent.delete(uri);
    void connection.sendDiagnostics({ uri, diagnostics: [] });
    const path = pathOf(uri);
    if (path) void projects.peek(projects.rootOf(path, folderOf(path))).then((c) => c?.drop(path));
  });

  connection.onCodeAction(async (p) => {
    const doc = docs.get(p.textDocument.uri);
    const path = pathOf(p.textDocument.uri);
    if (!doc || !path) return [];
    const language = languageOf(doc, path);
    if (!language) return [];
    const critic = await projects.peek(projects.rootOf(path, folderOf(path)));
    return codeActionsFor({
      uri: doc.uri,
      version: doc.version,
      language,
      lines: doc.getText().split('\n'),
      diagnostics: p.context.diagnostics,
      canRewrite: critic?.canRewrite === true,
    });
  });

  // Registered directly rather than with onExecuteCommand, which strips `workDoneToken` first.
  connection.onRequest(ExecuteCommandRequest.type, async (p, token) => {
    const signal = toSignal(token);
    if (p.command === commands.checkDocument) {
      const uri = (Array.isArray(p.arguments) ? (p.arguments[0] as { uri?: string } | undefined)?.uri : undefined) ?? '';
      if (!docs.has(uri)) return { findings: 0, summary: 'that document is not open' };
      await scheduler.runNow(uri, signal);
      return { findings: stateOf(uri).diagnostics.length, cancelled: signal.aborted };
    }
    if (p.command !== commands.rewrite && p.command !== commands.previewRewrite) return null;
    const args = parseRewriteArgs(p.arguments);
    if (typeof args === 'string') return { status: 'failed', summary: `Critic: ${p.command}: ${args}` };
    const doc = docs.get(args.uri);
    const path = pathOf(args.uri);
    const language = doc && path ? languageOf(doc, path) : undefined;
    if (!doc || !path || !language) return { status: 'stale', summary: 'That document is not open any more.' };
    const reporter = await progressFor(p.workDoneToken);
    reporter.begin('Critic: rewriting', undefined, 'asking the model', true);
    try {
      const root = projects.rootOf(path, folderOf(path));
      const result = await projects.use(root, ({ critic }) =>
        runRewrite({
          args,
          current: () => docs.get(args.uri),
          state: states.get(args.uri),
          source: { path, text: doc.getText(), language, projectRoot: root, version: doc.version },
          critic,
          signal,
          progress: (m) => reporter.report(m),
        }),
      );
      log.info(`rewrite of ${result.unit ?? '?'} in ${path}: ${result.status}: ${result.summary}`);
      if (p.command === commands.rewrite && result.edit) {
        const applied = await connection.workspace.applyEdit({ label: `Critic: rewrite ${result.unit}`, edit: result.edit as never });
        result.applied = applied.applied;
      }
      return result;
    } finally {
      reporter.done();
    }
  });

  /** The client's progress token when it sent one, else one the server creates (when the client supports it). */
  async function progressFor(token: ProgressToken | undefined): Promise<WorkDoneProgressReporter> {
    const given = connection.window.attachWorkDoneProgress(token);
    if (token !== undefined || !progressSupport) return given;
    try {
      return await connection.window.createWorkDoneProgress();
    } catch {
      return given;
    }
  }

  connection.onShutdown(async () => {
    scheduler.dispose();
    await (await warmPath)?.();
    await projects?.dispose();
  });
}
