/**
 * The one façade every host uses (the CLI, the language server, benchmarks): it composes the
 * engine — static tools always, execution tools when the project is trusted and a sandbox exists,
 * the critic-model stage when models are given — and the critique-guided rewrite over the same
 * engine, so no host wires a model stage or adapts the rewrite loop itself.
 *
 *   const critic = await createCritic(ctx, { models, trusted, cache });
 *   await critic.check(doc, { signal, onProgress });
 *   await critic.rewrite({ doc, unitName: 'Cart.total', signal });
 *   await critic.dispose();
 *
 * Hosts create one per project and configuration and reuse it: language services, parse trees,
 * the sandbox probe and the caches stay warm between checks.
 */
import { createModelStage } from './critique/modelStage.js';
import type { EslintPlacement } from './evidence/eslint.js';
import type { ExecCache } from './evidence/execCache.js';
import { createJsExamplesTool } from './evidence/jsExamples.js';
import { createPythonExamplesTool } from './evidence/pythonExamples.js';
import { createPythonSourceTool } from './evidence/pythonSource.js';
import { createRelatedTestsTool } from './evidence/relatedTests.js';
import type { EvidenceTool, SourceDocument } from './evidence/tool.js';
import type { CriticModel } from './model/provider.js';
import { Engine, type CheckOptions, type CheckResult, type ToolNotice } from './pipeline.js';
import { rerunProbes, type ProbeRerun } from './critique/probeRerun.js';
import { rewriteUnit, type RewriteRequest, type RewriteResult } from './rewrite/rewrite.js';
import { createSandbox } from './sandbox/sandbox.js';
import type { Isolation, Sandbox, SandboxUnavailable } from './sandbox/types.js';
import { SyntaxService } from './syntax/syntaxService.js';
import type { CodeUnit } from './syntax/units.js';
import { staticTools } from './toolset.js';
import type { EngineContext } from './types.js';
import { learningFs } from './model/learningFs.js';

export interface CriticOptions {
  /**
   * Whether the project's code may run: examples, tests and probes in the sandbox, and the
   * project's ESLint configuration (which is JavaScript). Default false: a host says so explicitly.
   */
  trusted?: boolean;
  /**
   * The user trusted the project (`--trust-project`, a trusted root, VS Code Workspace Trust): its
   * ESLint configuration may load in this process. Otherwise (the default) it runs only in the
   * sandbox, and not at all when there is no sandbox.
   */
  projectTrusted?: boolean;
  /**
   * Critic models, one instance each for the whole session; several make a panel for critiques.
   * The first one rewrites. None: tool evidence only, and `rewrite` is unavailable.
   */
  models?: readonly CriticModel[];
  /** Shared cache of execution results (in memory, optionally on disk); may outlive the critic. */
  cache?: ExecCache;
}

/** What `rewrite` takes: the engine's rewrite request without the parts the façade supplies. */
export type CriticRewriteRequest = RewriteRequest;

export interface Critic {
  /** Things to tell the user once (why code is not executed, …). */
  readonly notices: readonly ToolNotice[];
  /** How code runs: `bubblewrap`, `limits-only`, or `none` (not at all; see `isolationReason`). */
  readonly isolation: Isolation | 'none';
  /** Why code is not executed, when it is not. */
  readonly isolationReason?: string;
  /** Ids of the critic models (empty: tool evidence only). */
  readonly modelIds: readonly string[];
  /** Whether `rewrite` can run (it needs a model). */
  readonly canRewrite: boolean;
  /** The pipeline itself, for tools and tests that need it below the façade. */
  readonly engine: Engine;
  /** Critiques one document: tools in parallel (each reported through `onProgress`), then the model. */
  check(doc: SourceDocument, opts?: CheckOptions): Promise<CheckResult>;
  /** The document's code units (functions, methods, classes, the module), from the parse-tree cache. */
  units(doc: SourceDocument, signal?: AbortSignal): Promise<CodeUnit[]>;
  /** Rewrites one unit with the first model and verifies it; throws NoRewriteModelError without one. */
  rewrite(req: CriticRewriteRequest): Promise<RewriteResult>;
  /** Forgets a closed document's parse trees. */
  drop(path: string): void;
  /** Hints that these documents are about to be checked, so tools that batch (sandboxed ESLint) can start early. */
  prefetch(docs: readonly SourceDocument[]): void;
  dispose(): Promise<void>;
}

/** `rewrite` was called on a critic created without models. */
export class NoRewriteModelError extends Error {
  constructor() {
    super('rewriting needs a critic model, and none is configured');
    this.name = 'NoRewriteModelError';
  }
}

/** Builds the engine for one project; see the module comment. */
export async function createCritic(hostCtx: EngineContext, opts: CriticOptions = {}): Promise<Critic> {
  // Every file the engine reads feeds redaction by value (model/learningFs.ts).
  const ctx: EngineContext = { ...hostCtx, fs: learningFs(hostCtx.fs) };
  const trusted = opts.trusted ?? false;
  const models = [...(opts.models ?? [])];
  const notices: ToolNotice[] = [];
  const syntax = new SyntaxService(ctx.assets);
  let sandbox: Sandbox | SandboxUnavailable;
  if (!trusted) sandbox = { isolation: 'none', reason: 'this project is not trusted, so Critic does not run its code; trust it to run examples and tests' };
  else if (!ctx.config.execution.enabled) sandbox = { isolation: 'none', reason: 'execution is turned off' };
  else sandbox = await createSandbox({ exec: ctx.exec, log: ctx.log, execution: ctx.config.execution, probes: opts.cache?.probes, lazyLimits: true });
  const eslint: EslintPlacement = opts.projectTrusted ? { where: 'in-process' } : { where: 'sandbox', sandbox };
  const tools: EvidenceTool[] = staticTools(ctx, eslint).filter((t) => trusted || t.id !== 'eslint');
  // Compiles (never runs) Python the interpreter may refuse; in Critic's words without a sandbox.
  tools.push(createPythonSourceTool(sandbox)(ctx));
  const runnable = sandbox.isolation === 'none' ? undefined : (sandbox as Sandbox);
  if (!runnable) {
    if (trusted && ctx.config.execution.enabled) notices.push({ tool: 'sandbox', message: (sandbox as SandboxUnavailable).reason });
  } else {
    const deps = { sandbox: runnable, cache: opts.cache };
    tools.push(createPythonExamplesTool({ ...deps, syntax })(ctx), createJsExamplesTool({ ...deps, syntax })(ctx), createRelatedTestsTool({ ...deps, syntax })(ctx));
  }
  const modelStage = models.length ? createModelStage({ ctx, syntax, models, sandbox: runnable }) : undefined;
  const engine = new Engine(ctx, tools, { syntax, modelStage });
  const rewriter = models[0];
  return {
    notices,
    isolation: sandbox.isolation,
    isolationReason: runnable ? undefined : (sandbox as SandboxUnavailable).reason,
    modelIds: models.map((m) => m.id),
    canRewrite: rewriter !== undefined,
    engine,
    check: (doc, checkOpts) => engine.check(doc, checkOpts),
    units: async (doc, signal) => (await syntax.analyse(doc.path, doc.text, doc.language, signal)).units,
    rewrite: async (req) => {
      if (!rewriter) throw new NoRewriteModelError();
      const rerun: ProbeRerun | undefined = runnable
        ? (doc, probes, signal) => rerunProbes(doc, probes, { ctx, sandbox: runnable, signal, notice: (m) => ctx.log.info(`rewrite: ${m}`) })
        : undefined;
      return rewriteUnit({ engine, model: rewriter, log: ctx.log, ...(rerun ? { rerunProbes: rerun } : {}) }, req);
    },
    drop: (path) => engine.drop(path),
    prefetch: (docs) => {
      for (const t of tools) t.prefetch?.(docs);
    },
    dispose: () => engine.dispose(),
  };
}
