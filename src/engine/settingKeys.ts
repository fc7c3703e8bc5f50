/**
 * The editor settings (`critic.*`, without the prefix) that map onto the engine configuration, each
 * with its place there. One table for the language server and the extension's settings reader.
 */
export const engineSettingKeys: Record<string, (v: unknown) => Record<string, unknown>> = {
  'tools.syntax': (v) => ({ tools: { syntax: v } }),
  'tools.typescript': (v) => ({ tools: { typescript: v } }),
  'tools.ruff': (v) => ({ tools: { ruff: v } }),
  'tools.eslint': (v) => ({ tools: { eslint: v } }),
  'tools.examples': (v) => ({ tools: { examples: v } }),
  'tools.tests': (v) => ({ tools: { tests: v } }),
  'execution.enabled': (v) => ({ execution: { enabled: v } }),
  'execution.allowUnsandboxed': (v) => ({ execution: { allowUnsandboxed: v } }),
  'execution.exampleTimeoutMs': (v) => ({ execution: { exampleTimeoutMs: v } }),
  'execution.testTimeoutMs': (v) => ({ execution: { testTimeoutMs: v } }),
  'execution.memoryMb': (v) => ({ execution: { memoryMb: v } }),
  maxFindingsPerUnit: (v) => ({ model: { maxFindingsPerUnit: v } }),
  minConfidence: (v) => ({ model: { minConfidence: v } }),
  'model.timeoutMs': (v) => ({ model: { timeoutMs: v } }),
  'model.probes': (v) => ({ model: { probes: v } }),
  'model.quorum': (v) => ({ model: { quorum: v } }),
  rules: (v) => ({ rules: v }),
  ignore: (v) => ({ ignore: v }),
};
