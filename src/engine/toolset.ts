/** Assembles the evidence tools an engine runs. */
import { createSyntaxTool } from './evidence/syntax.js';
import type { EvidenceTool } from './evidence/tool.js';
import type { EngineContext } from './types.js';

/** The static tools: cheap, deterministic, safe to run on every keystroke's idle. */
export function staticTools(ctx: EngineContext): EvidenceTool[] {
  void ctx;
  return [createSyntaxTool()];
}
