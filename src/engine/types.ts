/**
 * The ports through which the engine reaches the outside world. The CLI and the VS Code
 * extension each supply adapters; tests supply real ones. Keep this small.
 */
import type { CriticConfig } from './config.js';

export interface Logger {
  error(message: string, err?: unknown): void;
  warn(message: string): void;
  info(message: string): void;
  debug(message: string): void;
}

/**
 * Read-only access to the project's files. Evidence and prompts read the project through it, never
 * through `node:fs` (the dependency rules say which modules may): the façade wraps it so every
 * text read also teaches the secret vault (model/learningFs.ts). The engine never writes the
 * user's files itself.
 */
export interface FileSystemPort {
  readFile(path: string): Promise<string>;
  exists(path: string): Promise<boolean>;
  /** The entries of a folder; undefined when it is not one (or cannot be read). */
  readdir(path: string): Promise<DirEntry[] | undefined>;
}

export interface DirEntry {
  name: string;
  isDirectory: boolean;
  isFile: boolean;
}

export interface ExecRequest {
  command: string;
  args: string[];
  cwd?: string;
  /** Text written to the child's stdin, then closed. */
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Captured output beyond this many bytes per stream is dropped and flagged. */
  maxOutputBytes?: number;
  /**
   * Data for descriptors 3, 4, …: each a pipe the child can read to its end (bubblewrap reads its
   * seccomp filter and the run's files this way, so nothing of a run is written to the host disk).
   */
  extraInputs?: Uint8Array[];
  /**
   * How many more pipes the child may write to, on the descriptors after the inputs' (3 + inputs,
   * …): result channels of their own, read whole up to `maxExtraOutputBytes` each, so they never
   * share the cap of the program's stdout and stderr.
   */
  extraOutputs?: number;
  maxExtraOutputBytes?: number;
}

export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  truncated: boolean;
  durationMs: number;
  /** What the child wrote to each `extraOutputs` pipe. */
  extraOutputs?: string[];
}

/** Spawns trusted helper programs (git, interpreters probing their version, the sandbox). */
export interface ExecPort {
  run(req: ExecRequest): Promise<ExecResult>;
}

/** Where bundled, read-only assets (wasm runtime, grammars) live. */
export interface AssetsPort {
  /** Absolute path of an asset shipped next to the bundle, e.g. `tree-sitter-python.wasm`. */
  path(name: string): string;
}

export interface EngineContext {
  log: Logger;
  fs: FileSystemPort;
  exec: ExecPort;
  assets: AssetsPort;
  config: CriticConfig;
}

export const silentLogger: Logger = {
  error() {},
  warn() {},
  info() {},
  debug() {},
};
