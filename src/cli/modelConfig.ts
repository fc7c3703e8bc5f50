/** Which critic model(s) the CLI talks to: flags, then environment, then `.critic.json`. */
import type { CriticConfig } from '../engine/config.js';
import { createOpenAiModel, type CriticModel } from '../engine/model/provider.js';
import type { Logger } from '../engine/types.js';
import { UsageError, type CliOptions } from './args.js';

export interface ModelChoice {
  models: CriticModel[];
  baseUrl?: string;
}

/**
 * `--model a,b` / `CRITIC_MODEL` / `model.models` name the models (several make a panel);
 * `--base-url` / `OPENAI_BASE_URL` / `model.baseUrl` the endpoint; `OPENAI_API_KEY` the key
 * (never read from a file). No model named: no model stage, everything else runs as before.
 */
export function chooseModels(opts: CliOptions, env: NodeJS.ProcessEnv, config: CriticConfig, log: Logger): ModelChoice {
  const names = opts.models ?? (env.CRITIC_MODEL ? env.CRITIC_MODEL.split(',').map((s) => s.trim()).filter(Boolean) : config.model.models);
  const baseUrl = opts.baseUrl ?? (env.OPENAI_BASE_URL || undefined) ?? config.model.baseUrl;
  if (baseUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(baseUrl)) throw new UsageError(`the model endpoint must be an http(s) URL (got "${baseUrl}")`);
  const apiKey = env.OPENAI_API_KEY || undefined;
  const models = [...new Set(names)].map((model) =>
    createOpenAiModel({ model, baseUrl, apiKey, timeoutMs: config.model.timeoutMs, maxRetries: config.model.maxRetries, log }),
  );
  return { models, baseUrl };
}

export const noModelHint =
  'no model configured: showing tool evidence only; to add a critic model set CRITIC_MODEL (and OPENAI_BASE_URL / OPENAI_API_KEY), e.g. OPENAI_BASE_URL=http://localhost:11434/v1 CRITIC_MODEL=qwen2.5-coder:7b for Ollama';
