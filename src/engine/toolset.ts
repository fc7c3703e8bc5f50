/** Assembles the evidence tools an engine runs. */
import { createEslintTool } from './evidence/eslint.js';
import { createRuffTool } from './evidence/ruff.js';
import { createSyntaxTool } from './evidence/syntax.js';
import type { EvidenceTool } from './evidence/tool.js';
import { createTypeScriptTool } from './evidence/typescript.js';
import type { EngineContext } from './types.js';

/** The static tools: cheap, deterministic, safe to run on every keystroke's idle. */
export function staticTools(ctx: EngineContext): EvidenceTool[] {
  return [createSyntaxTool(), createTypeScriptTool(ctx), createRuffTool(ctx), createEslintTool(ctx)];
}
