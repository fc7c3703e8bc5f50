/**
 * The identity of everything an engine (a `createCritic` instance) is built from. Hosts that keep
 * engines warm (the language server, `critic daemon`) reuse one only for identical inputs, so a
 * request with other settings (say, `--no-exec`) never runs on an engine built with looser ones.
 */
import type { CriticConfig } from './config.js';

export interface EngineInputs {
  root: string;
  /** Whether the project's code may run, and how far the project itself is trusted. */
  trusted: boolean;
  config: CriticConfig;
  /** Anything else the host builds the engine from (the model settings, the cache folder). */
  [more: string]: unknown;
}

export function engineKeyOf(inputs: EngineInputs): string {
  return JSON.stringify(inputs);
}
