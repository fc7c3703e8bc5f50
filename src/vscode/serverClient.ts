/**
 * The extension's half of Critic's language server: `vscode-languageclient` starts the bundled
 * dist/server.js over node-ipc, and every critique, unit lookup and rewrite is a request to it. The
 * engine (TypeScript, ruff, tree-sitter, the sandbox, the model client) therefore runs in its own
 * process and never on the extension host's thread. What only VS Code has stays here: Workspace
 * Trust, SecretStorage (the API key goes in the initialization options, never in settings or logs)
 * and `vscode.lm`, which answers the server's `critic/chat` requests.
 */
import * as vscode from 'vscode';
import { fork, type ChildProcess } from 'node:child_process';
import { constants, getPriority, setPriority } from 'node:os';
import { IPCMessageReader, IPCMessageWriter, LanguageClient, type LanguageClientOptions, type MessageTransports, type ServerOptions } from 'vscode-languageclient/node';
import type { Finding } from '../engine/findings.js';
import type { ExecutionSummary } from '../engine/executionSummary.js';
import type { CheckPhase, CheckResult, LineRange } from '../engine/pipeline.js';
import type { CodeUnit } from '../engine/syntax/units.js';
import type { Logger } from '../engine/types.js';
import { AbortError } from '../engine/abort.js';
import {
  chatRequest,
  clientRequests,
  dropNotification,
  partialNotification,
  phaseNotification,
  progressNotification,
  type ChatParams,
  type ChatResult,
  type CheckParams,
  type CheckReply,
  type EngineInfo,
  type InitializationOptions,
  type PartialParams,
  type PhaseParams,
  type TextRewriteParams,
  type TextRewriteReply,
} from '../lsp/protocol.js';
import { apiKeySecret } from './secrets.js';

export interface TextOf {
  uri: string;
  languageId: string;
  version: number;
  text: string;
}

export interface ServerCheckOptions {
  signal: AbortSignal;
  changedLines?: readonly LineRange[];
  model?: boolean;
  diffHunk?: string;
  onProgress?: (partial: CheckResult) => void;
}

/** A critique entered a phase, or ended (`done`: finished, failed or cancelled). */
export interface CheckPhaseEvent {
  token: string;
  uri: string;
  phase: CheckPhase | 'done';
}

/** Rule-id prefixes VS Code's own TypeScript support already shows (ts(2339) next to critic(ts-2339)). */
export const omittedInVsCode = ['ts-'];

function tokenFor(signal: AbortSignal): vscode.CancellationTokenSource {
  const source = new vscode.CancellationTokenSource();
  if (signal.aborted) source.cancel();
  else signal.addEventListener('abort', () => source.cancel(), { once: true });
  return source;
}

export class ServerClient implements vscode.Disposable {
  private client?: LanguageClient;
  private starting?: Promise<LanguageClient>;
  private counter = 0;
  private readonly partials = new Map<string, (p: PartialParams) => void>();
  private readonly progress = new Map<string, (message: string) => void>();
  private readonly engineChanged = new vscode.EventEmitter<EngineInfo>();
  /** Fires with the engine a critique ran on (model, sandbox), for the status items. */
  readonly onDidUseEngine = this.engineChanged.event;
  private readonly phases = new vscode.EventEmitter<CheckPhaseEvent>();
  /** Fires when a critique enters a phase (tools, execution, model) and when it ends (`done`), for the status bar. */
  readonly onDidChangePhase = this.phases.event;
  private readonly checking = new Map<string, string>();
  private process?: ChildProcess;
  lastEngine?: EngineInfo;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly channel: vscode.LogOutputChannel,
    private readonly log: Logger,
  ) {}

  /** The running client, started on first use (activation stays cheap). */
  private async ready(): Promise<LanguageClient> {
    if (this.client) return this.client;
    this.starting ??= this.start().catch((err) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  private async initializationOptions(): Promise<InitializationOptions> {
    const config = vscode.workspace.getConfiguration('critic');
    const baseUrl = config.get<string>('model.baseUrl') || undefined;
    const apiKey = config.get<string>('model.provider') === 'openai' ? await this.context.secrets.get(apiKeySecret(baseUrl)) : undefined;
    return { trusted: vscode.workspace.isTrusted, omitDiagnostics: omittedInVsCode, clientDriven: true, ...(apiKey ? { apiKey } : {}) };
  }

  private async start(): Promise<LanguageClient> {
    const started = performance.now();
    const module = this.context.asAbsolutePath('dist/server.js');
    const serverOptions: ServerOptions = () => Promise.resolve(this.spawnServer(module));
    const clientOptions: LanguageClientOptions = {
      // No document sync: the client sends the text to critique with each request, so its
      // autoCheck policy (not every keystroke) decides when the engine runs, and Source Control can
      // send the staged blob instead of the buffer.
      documentSelector: [],
      outputChannel: this.channel,
      revealOutputChannelOn: 4 /* RevealOutputChannelOn.Never */,
      initializationOptions: await this.initializationOptions(),
      synchronize: {
        configurationSection: 'critic',
        fileEvents: vscode.workspace.createFileSystemWatcher('**/.critic.json'),
      },
      workspaceFolder: undefined,
    };
    const client = new LanguageClient('critic', 'Critic', serverOptions, clientOptions);
    client.onNotification(partialNotification, (p: PartialParams) => this.partials.get(p.token)?.(p));
    client.onNotification(phaseNotification, (p: PhaseParams) => {
      const uri = this.checking.get(p.token);
      if (uri) this.phases.fire({ token: p.token, uri, phase: p.phase });
    });
    client.onNotification(progressNotification, (p: { token: string; message: string }) => this.progress.get(p.token)?.(p.message));
    client.onRequest(chatRequest, (p: ChatParams, token: vscode.CancellationToken) => this.chat(p, token));
    await client.start();
    this.client = client;
    this.log.info(`Critic language server started in ${Math.round(performance.now() - started)} ms (node-ipc, ${vscode.workspace.isTrusted ? 'trusted' : 'restricted mode'})`);
    return client;
  }

  /**
   * Forks dist/server.js over node-ipc, as vscode-languageclient's own `TransportKind.ipc` does,
   * then lowers its scheduling priority (below normal, like clangd's background index): on a
   * machine with few cores a cold type check or a test run in the server otherwise takes the CPU
   * from the extension host and the renderer, and typing stutters. Alone on the machine the server
   * runs as fast as before; its sandboxed runs inherit the priority. On Linux this applies to the
   * server's main thread (where the engine runs) and to every process it starts.
   */
  private spawnServer(module: string): MessageTransports {
    const child = fork(module, ['--node-ipc', `--clientProcessId=${process.pid}`], {
      execArgv: [],
      silent: true,
      // VS Code's extension host runs on Electron: this makes its executable behave as Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    });
    if (child.pid === undefined) throw new Error('the Critic language server could not be started (fork failed); see the log');
    try {
      // Never above the editor's own (a user who started VS Code niced keeps that).
      setPriority(child.pid, Math.max(getPriority(), constants.priority.PRIORITY_BELOW_NORMAL));
    } catch (err) {
      this.log.warn(`could not lower the language server's priority: ${(err as Error).message}`);
    }
    child.stderr?.on('data', (d: Buffer) => this.channel.append(d.toString('utf8')));
    child.stdout?.on('data', (d: Buffer) => this.channel.append(d.toString('utf8')));
    this.process = child;
    return { reader: new IPCMessageReader(child), writer: new IPCMessageWriter(child) };
  }

  /** Trust was granted or the API key changed: the next request starts a server that knows. */
  async restart(): Promise<void> {
    const old = this.client ?? (await this.starting?.catch(() => undefined));
    const child = this.process;
    this.client = undefined;
    this.starting = undefined;
    this.lastEngine = undefined;
    this.process = undefined;
    if (old) await old.stop().catch((err) => this.log.error('stopping the Critic language server failed', err));
    // The client started it, so the client makes sure it is gone (a hung server ignores `exit`).
    if (child && child.exitCode === null && child.signalCode === null) {
      const timer = setTimeout(() => child.kill(), 2000);
      child.once('exit', () => clearTimeout(timer));
    }
  }

  async check(doc: TextOf, opts: ServerCheckOptions): Promise<CheckResult> {
    const client = await this.ready();
    const token = `c${++this.counter}`;
    if (opts.onProgress) {
      const onProgress = opts.onProgress;
      this.partials.set(token, (p) => onProgress({ file: doc.uri, findings: p.findings as Finding[], units: [], records: [], suppressed: 0, timings: p.timings, notices: [] }));
    }
    const source = tokenFor(opts.signal);
    this.checking.set(token, doc.uri);
    try {
      const params: CheckParams = { ...doc, token, changedLines: opts.changedLines?.map((l) => ({ start: l.start, end: l.end })), model: opts.model, diffHunk: opts.diffHunk };
      const r = (await client.sendRequest(clientRequests.check, params, source.token)) as CheckReply;
      if (r.cancelled || opts.signal.aborted) throw new AbortError();
      if (r.engine) this.noteEngine(r.engine);
      return {
        file: r.file,
        findings: r.findings as Finding[],
        units: r.units as CodeUnit[],
        records: [],
        suppressed: r.suppressed,
        timings: r.timings,
        notices: r.notices,
        ...(r.execution ? { execution: r.execution as ExecutionSummary } : {}),
      };
    } catch (err) {
      if (opts.signal.aborted) throw new AbortError();
      throw err;
    } finally {
      this.checking.delete(token);
      this.phases.fire({ token, uri: doc.uri, phase: 'done' });
      this.partials.delete(token);
      source.dispose();
    }
  }

  async units(doc: TextOf, signal?: AbortSignal): Promise<CodeUnit[]> {
    const client = await this.ready();
    const source = signal ? tokenFor(signal) : new vscode.CancellationTokenSource();
    try {
      return (await client.sendRequest(clientRequests.units, doc, source.token)) as CodeUnit[];
    } finally {
      source.dispose();
    }
  }

  async rewrite(doc: TextOf, unit: string, findings: Finding[], signal: AbortSignal, progress?: (message: string) => void): Promise<TextRewriteReply> {
    const client = await this.ready();
    const token = `r${++this.counter}`;
    if (progress) this.progress.set(token, progress);
    const source = tokenFor(signal);
    try {
      const params: TextRewriteParams = { ...doc, unit, token, findings: findings.filter((f) => f.tier === 'model' || f.source === 'probes') };
      return (await client.sendRequest(clientRequests.rewrite, params, source.token)) as TextRewriteReply;
    } catch (err) {
      if (signal.aborted) return { status: 'cancelled', summary: 'Rewrite cancelled; nothing changed.' };
      throw err;
    } finally {
      this.progress.delete(token);
      source.dispose();
    }
  }

  /** A document closed: the server forgets its parse trees (only if it is running). */
  drop(uri: string): void {
    void this.client?.sendNotification(dropNotification, { uri }).catch(() => {});
  }

  private noteEngine(engine: EngineInfo): void {
    if (JSON.stringify(engine) === JSON.stringify(this.lastEngine)) return;
    this.lastEngine = engine;
    this.engineChanged.fire(engine);
  }

  /** `critic/chat`: the server asks one of VS Code's language models (vscode.lm). */
  private async chat(p: ChatParams, token: vscode.CancellationToken): Promise<ChatResult> {
    const name = typeof p?.model === 'string' ? p.model : '';
    const slash = name.indexOf('/');
    const selector = !name ? {} : slash > 0 ? { vendor: name.slice(0, slash), id: name.slice(slash + 1) } : { id: name };
    const chat = (await vscode.lm.selectChatModels(selector))[0] ?? (name && slash < 0 ? (await vscode.lm.selectChatModels({ family: name }))[0] : undefined);
    if (!chat) throw new Error(`VS Code language model "${name || 'default'}" is not available — choose another with "Critic: Select Model".`);
    // vscode.lm has no system role: the instructions go first, as their own user message.
    const messages = (Array.isArray(p.messages) ? p.messages : []).map((m) =>
      m.role === 'assistant' ? vscode.LanguageModelChatMessage.Assistant(String(m.content)) : vscode.LanguageModelChatMessage.User(String(m.content)),
    );
    const response = await chat.sendRequest(messages, { justification: 'Critic asks the model to critique the code you asked it to check.' }, token);
    let text = '';
    for await (const part of response.text) text += part;
    return { text };
  }

  /** Resolves once the server process is gone. */
  async stop(): Promise<void> {
    await this.restart();
  }

  dispose(): void {
    this.engineChanged.dispose();
    this.phases.dispose();
    void this.stop();
  }
}
