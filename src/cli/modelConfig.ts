/** Which critic model(s) the CLI talks to, and whether the user's API key goes with the requests. */
import { createOpenAiModel, type CriticModel } from '../engine/model/provider.js';
import type { Logger } from '../engine/types.js';
import { UsageError, type CliOptions } from './args.js';
import type { Project } from '../engine/project.js';

export interface ModelChoice {
  models: CriticModel[];
  baseUrl?: string;
  /** Whether OPENAI_API_KEY is sent: only to an endpoint the user chose (or OpenAI's default when nobody named one). */
  sendsKey: boolean;
  /** Said once when the user has a key that is not sent (the endpoint is the project's). */
  notice?: string;
}

/**
 * `--model a,b` / `CRITIC_MODEL` / `model.models` name the models (several make a panel).
 * The endpoint is the user's: `--base-url` / `OPENAI_BASE_URL` / the user config (or `--config`);
 * a trusted project's `model.baseUrl` is used only when the user named none, and never receives
 * `OPENAI_API_KEY` (never read from a file). An untrusted project's model settings never arrive
 * here (see projectTrust.ts). No model named: no model stage, everything else runs as before.
 */
export function chooseModels(opts: CliOptions, env: NodeJS.ProcessEnv, project: Pick<Project, 'config' | 'userConfig'>, log: Logger): ModelChoice {
  const { config, userConfig } = project;
  const names = opts.models ?? (env.CRITIC_MODEL ? env.CRITIC_MODEL.split(',').map((s) => s.trim()).filter(Boolean) : config.model.models);
  const userBaseUrl = opts.baseUrl ?? (env.OPENAI_BASE_URL || undefined) ?? userConfig.model.baseUrl;
  const baseUrl = userBaseUrl ?? config.model.baseUrl;
  if (baseUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(baseUrl)) throw new UsageError(`the model endpoint must be an http(s) URL (got "${baseUrl}")`);
  const sendsKey = baseUrl === userBaseUrl;
  const apiKey = sendsKey ? env.OPENAI_API_KEY || undefined : undefined;
  const notice =
    !sendsKey && names.length && env.OPENAI_API_KEY
      ? `OPENAI_API_KEY is not sent to ${baseUrl}: that endpoint was named by the project's configuration, not by you; pass --base-url ${baseUrl} (or set OPENAI_BASE_URL) to send your key there`
      : undefined;
  const models = [...new Set(names)].map((model) =>
    createOpenAiModel({ model, baseUrl, apiKey, timeoutMs: config.model.timeoutMs, maxRetries: config.model.maxRetries, log }),
  );
  return { models, baseUrl, sendsKey, ...(notice ? { notice } : {}) };
}

export const noModelHint =
  'no model configured: showing tool evidence only; to add a critic model set CRITIC_MODEL (and OPENAI_BASE_URL / OPENAI_API_KEY), e.g. OPENAI_BASE_URL=http://localhost:11434/v1 CRITIC_MODEL=qwen2.5-coder:7b for Ollama';
