/**
 * The extension's heavy half, bundled separately (dist/engineHost.js) and loaded on the first
 * critique, so activation stays cheap: the engine with its tools (TypeScript, ruff, tree-sitter),
 * the sandbox, the critic models and the rewrite service. No 'vscode' import here (the VS Code
 * language-model API is passed in), so benchmarks and tests can load it in plain Node.
 */
import type * as vscode from 'vscode';
import type { CriticConfig } from '../engine/config.js';
import { createCritic, type Critic } from '../engine/critic.js';
import { ExecCache } from '../engine/evidence/execCache.js';
import type { SourceDocument } from '../engine/evidence/tool.js';
import { createOpenAiModel, type CriticModel } from '../engine/model/provider.js';
import { assetsIn, nodeExec, nodeFs } from '../engine/nodePorts.js';
import type { CheckOptions, CheckResult, Engine, ToolNotice } from '../engine/pipeline.js';
import { UnitNotFoundError } from '../engine/rewrite/rewrite.js';
import type { CodeUnit } from '../engine/syntax/units.js';
import type { EngineContext, ExecPort, FileSystemPort, Logger } from '../engine/types.js';
import { createLmModel, type LmApi } from './lmModel.js';
import { needsModelMessage, unavailableRewrites, type RewriteService } from './rewriteService.js';

export type ModelChoice =
  | { provider: 'none' }
  | { provider: 'openai'; models: string[]; baseUrl?: string; apiKey?: string }
  | { provider: 'vscode-lm'; chats: vscode.LanguageModelChat[]; api: LmApi };

export interface ProjectSpec {
  root: string;
  config: CriticConfig;
  trusted: boolean;
  model: ModelChoice;
  /** Identity of everything above; the engine is rebuilt when it changes. */
  key: string;
}

export interface ProjectEngine {
  engine: Engine;
  isolation: 'bubblewrap' | 'limits-only' | 'none';
  /** Why code is not executed, when it is not. */
  isolationReason?: string;
  /** Things to tell the user once. */
  notices: ToolNotice[];
  modelIds: string[];
  /** Why there are models but no model findings, for the status item. */
  modelNote?: string;
  rewrites: RewriteService;
}

export interface EngineHostDeps {
  log: Logger;
  /** Where the wasm grammars, ruff's wasm and TypeScript's lib files are (the extension's dist/). */
  assetsDir: string;
  exec?: ExecPort;
  fs?: FileSystemPort;
}

export interface EngineHost {
  /** The engine of a project, created on first use and rebuilt when its spec changes. */
  project(spec: ProjectSpec): Promise<ProjectEngine>;
  check(spec: ProjectSpec, doc: SourceDocument, opts: CheckOptions): Promise<CheckResult>;
  units(spec: ProjectSpec, doc: SourceDocument, signal?: AbortSignal): Promise<CodeUnit[]>;
  /** Forgets a closed document's parse trees in every engine. */
  drop(path: string): void;
  /** Disposes every engine (settings changed, trust granted). */
  reset(): Promise<void>;
  dispose(): Promise<void>;
}

function modelsOf(choice: ModelChoice, config: CriticConfig, log: Logger): CriticModel[] {
  switch (choice.provider) {
    case 'none':
      return [];
    case 'openai':
      return choice.models.map((model) =>
        createOpenAiModel({ model, baseUrl: choice.baseUrl, apiKey: choice.apiKey, timeoutMs: config.model.timeoutMs, maxRetries: config.model.maxRetries, log }),
      );
    case 'vscode-lm':
      return choice.chats.map((chat) => createLmModel(chat, choice.api, { timeoutMs: config.model.timeoutMs, log }));
  }
}

/** The façade's critique-guided rewrite behind the extension's RewriteService; "needs a model" without one. */
function rewritesFor(critic: Critic, log: Logger): RewriteService {
  if (!critic.canRewrite) return unavailableRewrites(needsModelMessage);
  return {
    unavailableReason: () => undefined,
    async rewrite(req) {
      try {
        const r = await critic.rewrite({
          doc: req.doc,
          unitName: req.unit.name,
          signal: req.signal,
          // The model's findings are not re-checkable by the tools, but the model should see them.
          findings: req.findings.filter((f) => f.tier === 'model'),
          onRound: (round) => req.progress?.(`round ${round.round}: ${round.outcome === 'verified' ? 'verified' : round.summary}`),
        });
        const status = r.status === 'no-model-answer' ? 'failed' : r.status;
        log.info(`rewrite of ${req.unit.name} in ${req.doc.path}: ${r.status} after ${r.rounds.length} round(s): ${r.summary}${r.diff ? `\n${r.diff}` : ''}`);
        return { status, newText: r.newText, diff: r.diff, summary: r.summary };
      } catch (err) {
        if (err instanceof UnitNotFoundError) return { status: 'failed', summary: err.message };
        throw err;
      }
    },
  };
}

/** One project's engine and the work running on it (an engine is disposed only when idle). */
interface Entry {
  key: string;
  ready: Promise<ProjectEngine>;
  active: number;
  retired: boolean;
}

class NodeEngineHost implements EngineHost {
  private readonly projects = new Map<string, Entry>();
  /** Execution results survive engine rebuilds (a settings change does not rerun every example). */
  private readonly cache: ExecCache;

  constructor(private readonly deps: EngineHostDeps) {
    this.cache = new ExecCache({ capacity: 256, log: deps.log });
  }

  private entry(spec: ProjectSpec): Entry {
    const current = this.projects.get(spec.root);
    if (current && current.key === spec.key) return current;
    if (current) this.retire(current);
    const entry: Entry = { key: spec.key, ready: undefined as unknown as Promise<ProjectEngine>, active: 0, retired: false };
    entry.ready = this.create(spec, entry);
    this.projects.set(spec.root, entry);
    // A failed creation is retried on the next use.
    entry.ready.catch(() => {
      if (this.projects.get(spec.root) === entry) this.projects.delete(spec.root);
    });
    return entry;
  }

  /** Settings changed: the old engine goes once the checks and rewrites running on it are done. */
  private retire(entry: Entry): void {
    entry.retired = true;
    if (entry.active === 0) void entry.ready.then((p) => p.engine.dispose()).catch(() => {});
  }

  /** Runs `fn` on the project's engine, keeping that engine alive until it is done. */
  private async using<T>(entry: Entry, fn: (p: ProjectEngine) => Promise<T>): Promise<T> {
    entry.active++;
    try {
      return await fn(await entry.ready);
    } finally {
      if (--entry.active === 0 && entry.retired) void entry.ready.then((p) => p.engine.dispose()).catch(() => {});
    }
  }

  project(spec: ProjectSpec): Promise<ProjectEngine> {
    return this.entry(spec).ready;
  }

  private async create(spec: ProjectSpec, entry: Entry): Promise<ProjectEngine> {
    const started = performance.now();
    const { log } = this.deps;
    const ctx: EngineContext = {
      log,
      fs: this.deps.fs ?? nodeFs,
      exec: this.deps.exec ?? nodeExec,
      assets: assetsIn(this.deps.assetsDir),
      config: spec.config,
    };
    const models = spec.trusted ? modelsOf(spec.model, spec.config, log) : [];
    // Workspace Trust is the user's trust in the project, as --trust-project is in the CLI.
    const critic = await createCritic(ctx, { trusted: spec.trusted, projectTrusted: spec.trusted, cache: this.cache, models });
    const isolationReason = critic.isolationReason;
    log.info(
      `engine for ${spec.root}: sandbox ${critic.isolation}${isolationReason ? ` (${isolationReason})` : ''}, models [${models.map((m) => m.id).join(', ')}], ${spec.trusted ? 'trusted' : 'restricted mode'} (${Math.round(performance.now() - started)} ms)`,
    );
    const rewrites = rewritesFor(critic, log);
    return {
      engine: critic.engine,
      isolation: critic.isolation,
      isolationReason,
      notices: [...critic.notices],
      modelIds: models.map((m) => m.id),
      rewrites: {
        unavailableReason: () => rewrites.unavailableReason(),
        rewrite: (req) => this.using(entry, () => rewrites.rewrite(req)),
      },
    };
  }

  check(spec: ProjectSpec, doc: SourceDocument, opts: CheckOptions): Promise<CheckResult> {
    return this.using(this.entry(spec), (p) => p.engine.check(doc, opts));
  }

  units(spec: ProjectSpec, doc: SourceDocument, signal?: AbortSignal): Promise<CodeUnit[]> {
    return this.using(this.entry(spec), async (p) => (await p.engine.syntax.analyse(doc.path, doc.text, doc.language, signal)).units);
  }

  drop(path: string): void {
    for (const e of this.projects.values()) void e.ready.then((p) => p.engine.drop(path)).catch(() => {});
  }

  async reset(): Promise<void> {
    const all = [...this.projects.values()];
    this.projects.clear();
    for (const e of all) this.retire(e);
  }

  async dispose(): Promise<void> {
    const all = [...this.projects.values()];
    this.projects.clear();
    await Promise.all(all.map((e) => e.ready.then((p) => p.engine.dispose()).catch(() => {})));
  }
}

export function createEngineHost(deps: EngineHostDeps): EngineHost {
  return new NodeEngineHost(deps);
}
