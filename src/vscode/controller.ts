/**
 * Connects VS Code's documents and settings to Critic's language server: the per-document runs
 * (the client's autoCheck policy decides when), the server client that runs them, and what to tell
 * the user once (restricted mode, no model, tool notices). No engine code runs here.
 */
import * as vscode from 'vscode';
import type { LanguageId } from '../engine/languages.js';
import { languageIds } from '../engine/languages.js';
import type { CheckResult } from '../engine/pipeline.js';
import type { EngineInfo } from '../lsp/protocol.js';
import { readFile, stat } from 'node:fs/promises';
import { FindingDiagnostics } from './diagnostics.js';
import { FindingsPersistence } from './findingsPersistence.js';
import { contentHash, type FindingsStore, type ShownFinding } from './findingsStore.js';
import { DocumentRuns, autoCheckModes, type AutoCheck, type DocSnapshot, type RunScope } from './documentRuns.js';
import type { Logger } from '../engine/types.js';
import { OpenTrigger } from './openTrigger.js';
import { ServerClient, type TextOf } from './serverClient.js';
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

const stateKeys = {
  noModelHintDismissed: 'critic.noModelHint.dismissed',
  restrictedExplained: 'critic.restrictedMode.explained',
} as const;

export class CriticController implements vscode.Disposable {
  readonly runs: DocumentRuns;
  readonly server: ServerClient;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly ran = new vscode.EventEmitter<RunRecord>();
  /** Fires after every finished run (not cancelled ones). */
  readonly onDidRun = this.ran.event;
  /** Fires when a critique ran on a new engine (model, sandbox). */
  readonly onDidCreateEngine: vscode.Event<EngineInfo>;
  private readonly running = new vscode.EventEmitter<boolean>();
  readonly onDidChangeRunning = this.running.event;
  private inFlight = 0;
  private readonly noticesShown = new Set<string>();
  private noModelHintShown = false;
  lastRun?: RunRecord;
  /** `critic.autoCheck: open` (the only trigger that mode adds; its edits behave like `insertions`). */
  private readonly openTrigger = new OpenTrigger((key) => void this.runs.request(key, { reason: 'open' }));
  readonly store: FindingsStore;
  private readonly persistence: FindingsPersistence;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: Logger,
    readonly diagnostics: FindingDiagnostics,
    private readonly channel: vscode.LogOutputChannel,
  ) {
    this.server = new ServerClient(context, channel, log);
    this.store = diagnostics.store;
    this.persistence = new FindingsPersistence(this.store, context.storageUri ?? context.globalStorageUri, log);
    this.onDidCreateEngine = this.server.onDidUseEngine;
    this.runs = new DocumentRuns({
      snapshot: (key) => this.snapshot(key),
      check: (doc, scope, signal, onPartial) => this.check(doc, scope, signal, onPartial),
      units: (doc, signal) => this.server.units(this.textOf(doc), signal),
      publish: (key, findings) => this.publish(key, findings),
      checked: (key, doc, findings, units) => {
        // What the check found for exactly this text: shown again for it after an undo or a reload.
        this.store.remember({ uri: key, hash: contentHash(doc.text), length: doc.text.length, findings: findings.filter((f) => !f.rechecking), units: [...units] });
        this.persistence.scheduleSave();
      },
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
        this.server.drop(d.uri.toString());
      }),
      vscode.workspace.onDidDeleteFiles((e) => {
        for (const uri of e.files) this.runs.close(uri.toString());
      }),
      this.ran,
      this.running,
      this.server,
    );
    // The editor whose language activated the extension is already visible.
    this.openTrigger.visible(vscode.window.visibleTextEditors.map((e) => this.openedDocument(e.document)));
  }

  private publish(key: string, findings: readonly ShownFinding[]): void {
    // The version only: hashing the whole text here would cost a full copy and a sha256 per keystroke.
    const d = this.documentOf(key);
    this.diagnostics.set(vscode.Uri.parse(key), findings, d ? { version: d.version } : {});
  }

  /**
   * At startup: the findings of the last session for files whose text is still what was checked
   * (open documents, else the file on disk — the commit check reads closed files' diagnostics too),
   * marked restored; the next check of each re-verifies them.
   */
  async restoreSavedFindings(): Promise<void> {
    const loaded = await this.persistence.load();
    if (!loaded) return;
    let files = 0;
    let findings = 0;
    for (const key of this.store.rememberedUris()) {
      const uri = vscode.Uri.parse(key);
      if (uri.scheme !== 'file' || this.store.get(key) || this.runs.findings(key).length) continue;
      let text = this.documentOf(key)?.getText();
      if (text === undefined) {
        try {
          if ((await stat(uri.fsPath)).size > 4_000_000) continue;
          text = await readFile(uri.fsPath, 'utf8');
        } catch {
          continue;
        }
      }
      const entry = this.store.recall(key, contentHash(text));
      if (!entry?.findings.length || this.runs.findings(key).length) continue;
      this.runs.restore(key, entry.findings, entry.units);
      files++;
      findings += entry.findings.length;
    }
    this.log.info(`restored ${findings} findings of ${files} unchanged files from the last session (${loaded} checked versions remembered)`);
  }

  /** "Clear Findings": every document's, the staged views' included, and what earlier checks found. */
  clearFindings(): void {
    this.runs.clearAll();
    for (const d of this.store.all()) this.store.set(d.uri, []);
    this.forgetHistory();
  }

  /** Checks remembered for earlier settings or trust may be wrong now: forget them. */
  forgetHistory(): void {
    this.store.forget();
    this.persistence.scheduleSave();
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

  textOf(doc: DocSnapshot): TextOf {
    return { uri: doc.key, languageId: doc.language, version: doc.version, text: doc.text };
  }

  /** The engine the last critique ran on (model, sandbox), from the server. */
  get lastEngine(): EngineInfo | undefined {
    return this.server.lastEngine;
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
    const key = e.document.uri.toString();
    this.runs.edit(key, edits, opts.autoCheck === 'open' ? { ...opts, autoCheck: 'insertions' } : opts);
    // Undo or redo back to a version critiqued before: its findings again, at once. The length
    // (from the line index, no copy of the text) rules out almost every edit before any hashing.
    const last = e.document.lineAt(e.document.lineCount - 1).range.end;
    if (this.store.remembers(key, e.document.offsetAt(last))) {
      const entry = this.store.recall(key, contentHash(e.document.getText()));
      if (entry) this.runs.restore(key, entry.findings, entry.units);
    }
  }

  private async check(doc: DocSnapshot, scope: RunScope, signal: AbortSignal, onPartial: (partial: CheckResult) => void): Promise<CheckResult> {
    this.setRunning(+1);
    try {
      if (!vscode.workspace.isTrusted) this.explainRestrictedMode();
      return await this.server.check(this.textOf(doc), { signal, changedLines: scope.lines, model: scope.model, diffHunk: scope.diffHunk, onProgress: onPartial });
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

  private explainRestrictedMode(): void {
    const state = this.context.workspaceState;
    if (state.get(stateKeys.restrictedExplained)) return;
    void state.update(stateKeys.restrictedExplained, true);
    const off = '';
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
    if (this.lastEngine?.models.length) return;
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

  /** Trust or the API key changed: the server restarts with them (settings reach it as they change). */
  async reset(): Promise<void> {
    await this.server.restart();
  }

  dispose(): void {
    void this.persistence.flush();
    this.runs.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
