/** Assembles the evidence tools an engine runs. */
import { createEslintTool, type EslintPlacement } from './evidence/eslint.js';
import { createRuffTool } from './evidence/ruff.js';
import { createSyntaxTool } from './evidence/syntax.js';
import type { EvidenceTool } from './evidence/tool.js';
import { createTypeScriptTool } from './evidence/typescript.js';
import type { EngineContext } from './types.js';

/**
 * The static tools: cheap, deterministic, safe to run on every keystroke's idle. `eslint` says
 * where the project's ESLint config may load (createCritic decides from the project's trust).
 */
export function staticTools(ctx: EngineContext, eslint: EslintPlacement = { where: 'in-process' }): EvidenceTool[] {
  return [createSyntaxTool(), createTypeScriptTool(ctx), createRuffTool(ctx), createEslintTool(ctx, eslint)];
}
