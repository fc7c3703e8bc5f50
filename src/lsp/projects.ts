/**
 * One Critic (the engine façade) per project root and effective settings. A project's critic is
 * rebuilt only when the inputs of its engine change (`engineKey`): a cosmetic setting keeps the
 * warm TypeScript service and ruff instance. An engine being replaced is disposed once the work
 * running on it is done.
 */
import { dirname } from 'node:path';
import { ConfigError, defaultConfig, type CriticConfig } from '../engine/config.js';
import { createCritic, type Critic } from '../engine/critic.js';
import type { ExecCache } from '../engine/evidence/execCache.js';
import type { LineRange } from '../engine/findings.js';
import { uncommittedEdits } from '../engine/git.js';
import { createOpenAiModel, type CriticModel } from '../engine/model/provider.js';
import { assetsIn, nodeExec, nodeFs } from '../engine/nodePorts.js';
import { findProjectRoot, loadProject } from '../engine/project.js';
import type { Logger } from '../engine/types.js';
import { resolveServerSettings, type ModelSettings, type ServerSettings } from './settings.js';

export interface ProjectsDeps {
  log: Logger;
  assetsDir: string;
  cache: ExecCache;
  trusted: boolean;
  /** The `critic` settings section for a folder (workspace/configuration, or the initialization options). */
  settingsFor(root: string): Promise<unknown>;
  /** Creates the models for the resolved model settings (OpenAI-compatible, or the client's critic/chat). */
  models(model: ModelSettings, config: CriticConfig): CriticModel[];
  /** Tells the user something once (a bad `.critic.json`, an ignored setting). */
  warn(message: string): void;
  /** A project's engine was (re)built. */
  onBuilt?(root: string, critic: Critic, settings: ServerSettings): void;
}

export interface Project {
  root: string;
  settings: ServerSettings;
  critic: Critic;
}

interface Entry {
  key: string;
  ready: Promise<Critic>;
  active: number;
  retired: boolean;
}

export class Projects {
  private readonly entries = new Map<string, Entry>();
  /** Resolved settings per root, until settings or `.critic.json` change. */
  private readonly resolved = new Map<string, Promise<ServerSettings>>();
  private readonly warned = new Set<string>();

  constructor(private readonly deps: ProjectsDeps) {}

  /** The project root of a file (nearest `.critic.json`, else the git root, else the workspace folder). */
  rootOf(path: string, workspaceFolder?: string): string {
    return findProjectRoot(dirname(path), workspaceFolder ?? dirname(path)).root;
  }

  /** Settings or `.critic.json` changed: resolve again on next use (engines are rebuilt only if their key changed). */
  invalidate(): void {
    this.resolved.clear();
  }

  /** The critic of a project if it exists already (for code actions, which only look things up). */
  async peek(root: string): Promise<Critic | undefined> {
    return this.entries.get(root)?.ready.catch(() => undefined);
  }

  /** Runs `fn` on the project's critic, keeping it alive meanwhile. */
  async use<T>(root: string, fn: (p: Project) => Promise<T>): Promise<T> {
    const settings = await this.settings(root);
    const entry = this.entry(root, settings);
    entry.active++;
    try {
      return await fn({ root, settings, critic: await entry.ready });
    } finally {
      if (--entry.active === 0 && entry.retired) this.disposeEntry(entry);
    }
  }

  async dispose(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.ready.then((c) => c.dispose()).catch(() => {})));
  }

  private settings(root: string): Promise<ServerSettings> {
    let s = this.resolved.get(root);
    if (!s) {
      s = this.resolve(root);
      this.resolved.set(root, s);
      s.catch(() => this.resolved.delete(root));
    }
    return s;
  }

  private async resolve(root: string): Promise<ServerSettings> {
    let project = defaultConfig();
    let trusted = this.deps.trusted;
    try {
      // Untrusted, the project file may only tighten limits (engine/projectTrust.ts); a root listed
      // in the user's `trustedProjects` (or CRITIC_TRUST_PROJECT=1) is trusted as with the CLI.
      const loaded = loadProject(root, { trustFlag: this.deps.trusted, env: process.env });
      project = loaded.config;
      trusted ||= loaded.trust !== undefined;
      for (const w of loaded.warnings) this.warnOnce(`Critic: ${w}`);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      this.warnOnce(`Critic: ${err.message}; using the defaults until it is fixed.`);
    }
    const raw = await this.deps.settingsFor(root);
    const settings = resolveServerSettings(raw, project, { trusted, root });
    for (const p of settings.problems) this.warnOnce(`Critic: ${p}`);
    return settings;
  }

  private warnOnce(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.deps.warn(message);
  }

  private entry(root: string, settings: ServerSettings): Entry {
    const current = this.entries.get(root);
    if (current && current.key === settings.engineKey) return current;
    if (current) {
      current.retired = true;
      if (current.active === 0) this.disposeEntry(current);
    }
    const entry: Entry = { key: settings.engineKey, ready: this.build(root, settings), active: 0, retired: false };
    this.entries.set(root, entry);
    entry.ready.catch(() => {
      if (this.entries.get(root) === entry) this.entries.delete(root);
    });
    return entry;
  }

  private disposeEntry(entry: Entry): void {
    void entry.ready.then((c) => c.dispose()).catch(() => {});
  }

  private async build(root: string, settings: ServerSettings): Promise<Critic> {
    const started = performance.now();
    const { log } = this.deps;
    const ctx = { log, fs: nodeFs, exec: nodeExec, assets: assetsIn(this.deps.assetsDir), config: settings.config };
    const models = this.deps.models(settings.model, settings.config);
    // A trusted session is the user's trust in the project: its ESLint config may load in this process.
    const critic = await createCritic(ctx, { trusted: this.deps.trusted, projectTrusted: this.deps.trusted, cache: this.deps.cache, models });
    log.info(
      `engine for ${root}: sandbox ${critic.isolation}${critic.isolationReason ? ` (${critic.isolationReason})` : ''}, models [${critic.modelIds.join(', ')}], ${this.deps.trusted ? 'trusted' : 'not trusted: static tools only'} (${Math.round(performance.now() - started)} ms)`,
    );
    this.deps.onBuilt?.(root, critic, settings);
    return critic;
  }
}

/** The models of resolved settings: OpenAI-compatible endpoints here; the client's through `chat`. */
export function modelsFor(model: ModelSettings, config: CriticConfig, opts: { apiKey?: string; log: Logger; chat: (name: string) => CriticModel }): CriticModel[] {
  if (model.provider === 'none') return [];
  if (model.provider === 'client') return model.models.map((m) => opts.chat(m));
  return model.models.map((name) =>
    createOpenAiModel({ model: name, baseUrl: model.baseUrl, apiKey: opts.apiKey, timeoutMs: config.model.timeoutMs, maxRetries: config.model.maxRetries, log: opts.log }),
  );
}

/**
 * The buffer's uncommitted lines, for a check that runs the project's code: a failing test whose
 * run went through them is placed on what the user edited (see changePlacement). Nothing when
 * execution is off or git does not track the file.
 */
export async function uncommittedChange(config: CriticConfig, path: string, text: string): Promise<{ changed?: LineRange[] }> {
  if (!config.execution.enabled) return {};
  const changed = await uncommittedEdits(nodeExec, path, text);
  return changed?.length ? { changed } : {};
}
