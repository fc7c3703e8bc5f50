/**
 * Connects VS Code's documents and settings to the engine: which project and configuration a
 * document has, the lazily loaded engine host, the per-document runs, and what to tell the user
 * once (restricted mode, no model, tool notices).
 */
import { createHash } from 'node:crypto';
import { relative, sep } from 'node:path';
import ignore from 'ignore';
import * as vscode from 'vscode';
import type { LanguageId } from '../engine/languages.js';
import { languageIds } from '../engine/languages.js';
import type { CheckResult } from '../engine/pipeline.js';
import type { SourceDocument } from '../engine/evidence/tool.js';
import { lmModelId, resolveSettings, type HostSettings, type ResolvedSettings } from './configFromSettings.js';
import { FindingDiagnostics } from './diagnostics.js';
import { DocumentRuns, autoCheckModes, type AutoCheck, type DocSnapshot, type RunScope } from './documentRuns.js';
import type { EngineHost, ModelChoice, ProjectEngine, ProjectSpec } from './engineHost.js';
import type { Logger } from '../engine/types.js';
import { projectOf, type ProjectConfig } from './projectConfig.js';
import { OpenTrigger } from './openTrigger.js';
import { readSettingValues } from './settings.js';
import { apiKeySecret } from './secrets.js';
import type { TextEdit } from './rangeEdits.js';

export const supportedLanguages: readonly string[] = languageIds;
export const documentSelector: vscode.DocumentSelector = languageIds.map((language) => ({ language, scheme: 'file' }));

export interface RunRecord {
  file: string;
  scope: RunScope;
  at: Date;
  ms: number;
  result?: CheckResult;
  error?: unknown;
}

export interface Resolved {
  project: ProjectConfig;
  settings: ResolvedSettings;
  spec: ProjectSpec;
}

const stateKeys = {
  noModelHintDismissed: 'critic.noModelHint.dismissed',
  restrictedExplained: 'critic.restrictedMode.explained',
} as const;

export class CriticController implements vscode.Disposable {
  readonly runs: DocumentRuns;
  private host?: Promise<EngineHost>;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly ran = new vscode.EventEmitter<RunRecord>();
  /** Fires after every finished run (not cancelled ones). */
  readonly onDidRun = this.ran.event;
  private readonly engineChanged = new vscode.EventEmitter<ProjectEngine>();
  /** Fires when a project's engine was (re)built: model, sandbox. */
  readonly onDidCreateEngine = this.engineChanged.event;
  private readonly running = new vscode.EventEmitter<boolean>();
  readonly onDidChangeRunning = this.running.event;
  private inFlight = 0;
  private readonly noticesShown = new Set<string>();
  private noModelHintShown = false;
  private readonly modelChoices = new Map<string, Promise<ModelChoice>>();
  lastRun?: RunRecord;
  lastEngine?: ProjectEngine;
  /** `critic.autoCheck: open` (the only trigger that mode adds; its edits behave like `insertions`). */
  private readonly openTrigger = new OpenTrigger((key) => void this.runs.request(key, { reason: 'open' }));

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: Logger,
    readonly diagnostics: FindingDiagnostics,
    private readonly channel: vscode.LogOutputChannel,
  ) {
    this.runs = new DocumentRuns({
      snapshot: (key) => this.snapshot(key),
      check: (doc, scope, signal, onPartial) => this.check(doc, scope, signal, onPartial),
      units: async (doc, signal) => {
        const document = this.documentOf(doc.key);
        if (!document) return [];
        const { spec, project } = await this.resolve(document);
        return (await this.engineHost()).units(spec, this.sourceOf(doc, project), signal);
      },
      publish: (key, findings) => this.diagnostics.set(vscode.Uri.parse(key), findings),
      finished: (key, scope, outcome) => this.finished(key, scope, outcome),
      log,
    });
    this.disposables.push(
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (this.isSupported(d) && this.hostSettingsOf(d).autoCheck === 'save') this.runs.saved(d.uri.toString());
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => this.openTrigger.visible(editors.map((e) => this.openedDocument(e.document)))),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.openTrigger.closed(d.uri.toString());
        if (!this.isSupported(d)) return;
        // A closed file keeps its findings while they still describe it (the commit check reads them).
        if (d.isDirty) this.runs.close(d.uri.toString());
        else this.runs.release(d.uri.toString());
        void this.host?.then((h) => h.drop(d.uri.fsPath));
      }),
      vscode.workspace.onDidDeleteFiles((e) => {
        for (const uri of e.files) this.runs.close(uri.toString());
      }),
      this.ran,
      this.engineChanged,
      this.running,
    );
    // The editor whose language activated the extension is already visible.
    this.openTrigger.visible(vscode.window.visibleTextEditors.map((e) => this.openedDocument(e.document)));
  }

  private openedDocument(d: vscode.TextDocument): { key: string; supported: boolean; mode: string } {
    const supported = this.isSupported(d);
    return { key: d.uri.toString(), supported, mode: supported ? this.hostSettingsOf(d).autoCheck : 'off' };
  }

  isSupported(document: vscode.TextDocument): boolean {
    return document.uri.scheme === 'file' && supportedLanguages.includes(document.languageId);
  }

  private documentOf(key: string): vscode.TextDocument | undefined {
    return vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
  }

  private snapshot(key: string): DocSnapshot | undefined {
    const d = this.documentOf(key);
    if (!d || !this.isSupported(d)) return undefined;
    return { key, path: d.uri.fsPath, version: d.version, text: d.getText(), language: d.languageId as LanguageId };
  }

  private sourceOf(doc: DocSnapshot, project: ProjectConfig): SourceDocument {
    return { path: doc.path, text: doc.text, language: doc.language, projectRoot: project.root, version: doc.version };
  }

  /** The engine half, loaded on the first critique (it holds TypeScript, ruff and tree-sitter). */
  engineHost(): Promise<EngineHost> {
    this.host ??= (async () => {
      const started = performance.now();
      // Kept out of the activation bundle on purpose: see esbuild.mjs.
      const mod = require('./engineHost.js') as typeof import('./engineHost.js');
      const host = mod.createEngineHost({ log: this.log, assetsDir: this.context.asAbsolutePath('dist') });
      this.log.info(`engine host loaded in ${Math.round(performance.now() - started)} ms`);
      return host;
    })();
    this.host.catch(() => (this.host = undefined));
    return this.host;
  }

  /** The autoCheck mode and delay for a document (read on every edit, so kept cheap). */
  hostSettingsOf(document: vscode.TextDocument): { autoCheck: AutoCheck; delayMs: number } {
    const config = vscode.workspace.getConfiguration('critic', document);
    const mode = config.get<string>('autoCheck', 'insertions');
    const delay = config.get<number>('autoCheckDelayMs', 800);
    return {
      autoCheck: (autoCheckModes as readonly string[]).includes(mode) ? (mode as AutoCheck) : 'insertions',
      delayMs: Number.isInteger(delay) && delay >= 100 && delay <= 60_000 ? delay : 800,
    };
  }

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    if (!e.contentChanges.length || !this.isSupported(e.document)) return;
    const edits: TextEdit[] = e.contentChanges.map((c) => ({
      range: { start: { line: c.range.start.line, character: c.range.start.character }, end: { line: c.range.end.line, character: c.range.end.character } },
      text: c.text.replace(/\r\n/g, '\n'),
    }));
    const opts = this.hostSettingsOf(e.document);
    // `open` adds a trigger on open; edits then behave as with `insertions`.
    this.runs.edit(e.document.uri.toString(), edits, opts.autoCheck === 'open' ? { ...opts, autoCheck: 'insertions' } : opts);
  }

  /** Project, settings and engine spec of a document. */
  async resolve(document: vscode.TextDocument): Promise<Resolved> {
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    const trusted = vscode.workspace.isTrusted;
    const project = projectOf(document.uri.fsPath, folder?.uri.fsPath ?? vscode.Uri.joinPath(document.uri, '..').fsPath, trusted);
    const settings = resolveSettings(readSettingValues(document), project.config, { trusted });
    for (const p of [...settings.problems, ...(project.problem ? [project.problem] : [])]) this.noticeOnce(p, 'warn');
    const model = await this.cachedModelChoice(settings.host);
    const identity = {
      root: project.root,
      config: settings.config,
      trusted,
      provider: model.provider,
      models: model.provider === 'vscode-lm' ? model.chats.map(lmModelId) : model.provider === 'openai' ? model.models : [],
      baseUrl: model.provider === 'openai' ? model.baseUrl : undefined,
      // Which key, as a short hash: the key itself is never part of a log line or a map key.
      apiKey: model.provider === 'openai' && model.apiKey ? createHash('sha256').update(model.apiKey).digest('hex').slice(0, 12) : '',
    };
    const spec: ProjectSpec = { root: project.root, config: settings.config, trusted, model, key: JSON.stringify(identity) };
    return { project, settings, spec };
  }

  /**
   * The model choice per settings, remembered until `reset()`: every change it depends on
   * (settings, trust, secrets, the chat models on offer) resets the controller, and resolving it
   * asks SecretStorage or vscode.lm, which an automatic critique should not do on every edit.
   */
  private cachedModelChoice(host: HostSettings): Promise<ModelChoice> {
    const key = JSON.stringify(host);
    let choice = this.modelChoices.get(key);
    if (!choice) {
      choice = this.modelChoice(host);
      this.modelChoices.set(key, choice);
    }
    return choice;
  }

  private async modelChoice(host: HostSettings): Promise<ModelChoice> {
    if (host.provider === 'openai') {
      const apiKey = await this.context.secrets.get(apiKeySecret(host.baseUrl));
      return { provider: 'openai', models: host.models, baseUrl: host.baseUrl, apiKey };
    }
    if (host.provider === 'vscode-lm') {
      const chats: vscode.LanguageModelChat[] = [];
      try {
        if (!host.models.length) chats.push(...(await vscode.lm.selectChatModels()).slice(0, 1));
        for (const name of host.models) {
          const slash = name.indexOf('/');
          const selector = slash > 0 ? { vendor: name.slice(0, slash), id: name.slice(slash + 1) } : { id: name };
          const found = (await vscode.lm.selectChatModels(selector))[0] ?? (slash < 0 ? (await vscode.lm.selectChatModels({ family: name }))[0] : undefined);
          if (found) chats.push(found);
          else this.noticeOnce(`VS Code language model "${name}" is not available; it is left out — choose another with "Critic: Select Model".`, 'warn');
        }
      } catch (err) {
        this.log.error('listing VS Code language models failed', err);
      }
      if (chats.length) {
        return {
          provider: 'vscode-lm',
          chats,
          api: { LanguageModelChatMessage: vscode.LanguageModelChatMessage, CancellationTokenSource: vscode.CancellationTokenSource, LanguageModelError: vscode.LanguageModelError },
        };
      }
    }
    return { provider: 'none' };
  }

  /** The engine of a document's project (created on first use). */
  async projectEngine(document: vscode.TextDocument): Promise<{ engine: ProjectEngine; resolved: Resolved }> {
    const resolved = await this.resolve(document);
    const engine = await (await this.engineHost()).project(resolved.spec);
    this.noteEngine(engine);
    return { engine, resolved };
  }

  private noteEngine(engine: ProjectEngine): void {
    if (this.lastEngine === engine) return;
    this.lastEngine = engine;
    this.engineChanged.fire(engine);
  }

  /** Whether the document is excluded by the project's `ignore` patterns. */
  private ignored(document: vscode.TextDocument, resolved: Resolved): boolean {
    const patterns = resolved.settings.config.ignore;
    if (!patterns.length) return false;
    const rel = relative(resolved.project.root, document.uri.fsPath).split(sep).join('/');
    return !rel.startsWith('..') && ignore().add(patterns).ignores(rel);
  }

  private async check(doc: DocSnapshot, scope: RunScope, signal: AbortSignal, onPartial: (partial: CheckResult) => void): Promise<CheckResult> {
    const document = this.documentOf(doc.key);
    if (!document) throw new Error(`${doc.path} is not open any more`);
    this.setRunning(+1);
    try {
      const { resolved } = await this.projectEngine(document);
      if (this.ignored(document, resolved)) {
        this.log.info(`${doc.path} matches an ignore pattern of ${resolved.project.configFile ?? 'the critic.ignore setting'}; not critiqued`);
        return { file: doc.path, findings: [], units: [], records: [], suppressed: 0, timings: {}, notices: [] };
      }
      if (!resolved.spec.trusted) this.explainRestrictedMode(resolved.settings.restricted);
      // Through the host, which keeps this engine alive until the check ends even if a settings
      // change retires it meanwhile.
      return await (await this.engineHost()).check(resolved.spec, this.sourceOf(doc, resolved.project), {
        signal,
        changedLines: scope.lines,
        model: scope.model,
        diffHunk: scope.diffHunk,
        onProgress: onPartial,
      });
    } finally {
      this.setRunning(-1);
    }
  }

  private setRunning(delta: number): void {
    const was = this.inFlight > 0;
    this.inFlight += delta;
    if (was !== this.inFlight > 0) this.running.fire(this.inFlight > 0);
  }

  /** Resolves true once no critique is running or scheduled, false after `timeoutMs`. */
  async idle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.inFlight === 0 && !this.runs.busy()) return true;
      await new Promise((r) => setTimeout(r, 50));
    }
    return false;
  }

  /** Runs a critique now (a command). Resolves undefined when it was superseded by an edit. */
  critique(document: vscode.TextDocument, scope: RunScope): Promise<CheckResult | undefined> {
    return this.runs.request(document.uri.toString(), scope);
  }

  private finished(key: string, scope: RunScope, outcome: { result?: CheckResult; error?: unknown; ms: number }): void {
    const file = vscode.Uri.parse(key).fsPath;
    const record: RunRecord = { file, scope, at: new Date(), ms: outcome.ms, result: outcome.result, error: outcome.error };
    this.lastRun = record;
    if (outcome.error) {
      this.log.error(`critique of ${file} failed`, outcome.error);
    } else if (outcome.result) {
      const r = outcome.result;
      const timings = Object.entries(r.timings)
        .map(([k, v]) => `${k} ${Math.round(v)}`)
        .join(', ');
      this.log.info(`${scope.reason} ${file}${scope.lines ? ` lines ${scope.lines.map((l) => `${l.start + 1}-${l.end + 1}`).join(',')}` : ''}: ${r.findings.length} findings (${timings} ms)`);
      const interactive = scope.reason !== 'auto' && scope.reason !== 'recheck' && scope.reason !== 'open';
      for (const n of r.notices) this.noticeOnce(n.message, interactive ? 'show' : 'warn');
      if (interactive) this.maybeHintNoModel();
    }
    this.ran.fire(record);
  }

  /** Logs a message once per session; `show` also shows it as a warning notification once. */
  noticeOnce(message: string, how: 'warn' | 'show'): void {
    if (this.noticesShown.has(message)) return;
    this.noticesShown.add(message);
    this.log.warn(message);
    if (how === 'show') {
      void vscode.window.showWarningMessage(`Critic: ${message}`, 'Show Log').then((choice) => {
        if (choice) this.channel.show(true);
      });
    }
  }

  private explainRestrictedMode(restricted: readonly string[]): void {
    const state = this.context.workspaceState;
    if (state.get(stateKeys.restrictedExplained)) return;
    void state.update(stateKeys.restrictedExplained, true);
    const off = restricted.length ? ` Turned off here: ${restricted.join(', ')}.` : '';
    void vscode.window
      .showInformationMessage(
        `Critic runs in Restricted Mode in this untrusted workspace: only static checks that run none of its code (syntax, TypeScript, ruff); no examples or tests are executed, the project's ESLint configuration is not loaded, and no code is sent to a model.${off} Trust the workspace to enable them.`,
        'Manage Workspace Trust',
      )
      .then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
      });
  }

  private maybeHintNoModel(): void {
    if (this.noModelHintShown || !vscode.workspace.isTrusted) return;
    if (this.lastEngine?.modelIds.length) return;
    if (this.context.globalState.get(stateKeys.noModelHintDismissed)) return;
    this.noModelHintShown = true;
    void vscode.window
      .showInformationMessage(
        'Critic is showing tool evidence only (syntax, types, lint, executed examples). Add a critic model for its reading of the code and for verified rewrites: an OpenAI-compatible endpoint, a VS Code language model, or a local Ollama / LM Studio server.',
        'Select Model',
        "Don't Show Again",
      )
      .then((choice) => {
        if (choice === 'Select Model') void vscode.commands.executeCommand('critic.selectModel');
        else if (choice === "Don't Show Again") void this.context.globalState.update(stateKeys.noModelHintDismissed, true);
      });
  }

  /** Settings, trust or keys changed: engines are rebuilt on next use; findings stay until then. */
  async reset(): Promise<void> {
    this.lastEngine = undefined;
    this.modelChoices.clear();
    await (await this.host)?.reset();
  }

  dispose(): void {
    this.runs.dispose();
    for (const d of this.disposables) d.dispose();
    void this.host?.then((h) => h.dispose()).catch(() => {});
  }
}
