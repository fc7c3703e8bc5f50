/**
 * Assembles an Engine the way hosts need it: static tools always, execution tools when a sandbox
 * is allowed and available, the critic-model stage when models are given. Hosts call this once
 * and reuse the engine (warm language services, parse trees, sandbox probes, caches).
 */
import type { ModelStage } from './critique/types.js';
import type { ExecCache } from './evidence/execCache.js';
import { createJsExamplesTool } from './evidence/jsExamples.js';
import { createPythonExamplesTool } from './evidence/pythonExamples.js';
import { createPythonSourceTool } from './evidence/pythonSource.js';
import { createRelatedTestsTool } from './evidence/relatedTests.js';
import type { EvidenceTool } from './evidence/tool.js';
import { Engine, type ToolNotice } from './pipeline.js';
import { createSandbox } from './sandbox/sandbox.js';
import type { Isolation, Sandbox, SandboxUnavailable } from './sandbox/types.js';
import { SyntaxService } from './syntax/syntaxService.js';
import { staticTools } from './toolset.js';
import type { EngineContext } from './types.js';

export interface CreateEngineOptions {
  /**
   * False in untrusted workspaces: nothing of the project runs — no examples, tests or probes,
   * and no project ESLint configuration (which is JavaScript).
   */
  trusted?: boolean;
  /** Shared cache of execution results (in memory, optionally on disk). */
  cache?: ExecCache;
  /** Builds the model stage once the engine's syntax service and sandbox exist. */
  modelStage?: (parts: { syntax: SyntaxService; sandbox?: Sandbox }) => ModelStage | undefined;
}

export interface CreatedEngine {
  engine: Engine;
  /** Things to tell the user once (e.g. why code is not executed). */
  notices: ToolNotice[];
  isolation: Isolation | 'none';
  sandbox: Sandbox | SandboxUnavailable;
}

export async function createEngine(ctx: EngineContext, opts: CreateEngineOptions = {}): Promise<CreatedEngine> {
  const trusted = opts.trusted ?? true;
  const notices: ToolNotice[] = [];
  const syntax = new SyntaxService(ctx.assets);
  let sandbox: Sandbox | SandboxUnavailable;
  if (!trusted) sandbox = { isolation: 'none', reason: 'this workspace is not trusted, so Critic does not run its code; trust the workspace to run examples and tests' };
  else if (!ctx.config.execution.enabled) sandbox = { isolation: 'none', reason: 'execution is turned off' };
  else sandbox = await createSandbox({ exec: ctx.exec, log: ctx.log, execution: ctx.config.execution });
  const tools: EvidenceTool[] = staticTools(ctx).filter((t) => trusted || t.id !== 'eslint');
  // Compiles (never runs) Python the interpreter may refuse; in Critic's words without a sandbox.
  tools.push(createPythonSourceTool(sandbox)(ctx));
  if (sandbox.isolation === 'none') {
    if (trusted && ctx.config.execution.enabled) notices.push({ tool: 'sandbox', message: (sandbox as SandboxUnavailable).reason });
  } else {
    const deps = { sandbox, cache: opts.cache };
    tools.push(createPythonExamplesTool(deps)(ctx), createJsExamplesTool(deps)(ctx), createRelatedTestsTool({ ...deps, syntax })(ctx));
  }
  const runnable = sandbox.isolation === 'none' ? undefined : (sandbox as Sandbox);
  const modelStage = opts.modelStage?.({ syntax, sandbox: runnable });
  const engine = new Engine(ctx, tools, { syntax, modelStage });
  return { engine, notices, isolation: sandbox.isolation, sandbox };
}
