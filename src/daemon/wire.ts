/**
 * The warm path's wire format: newline-delimited JSON-RPC 2.0 over a Unix socket, one message per
 * line (JSON.stringify never emits a raw newline). Every request carries `protocol`; a line longer
 * than `maxMessageBytes` ends the connection instead of growing a buffer without bound.
 *
 *   → {"jsonrpc":"2.0","id":1,"method":"critic/hello","params":{"protocol":1,"build":"0.1.0:…"}}
 *   ← {"jsonrpc":"2.0","id":1,"result":{"protocol":1,"build":"0.1.0:…","root":"/repo","pid":42}}
 *   → {"jsonrpc":"2.0","id":2,"method":"critic/check","params":{ CheckRequest }}
 *   ← {"jsonrpc":"2.0","id":2,"result":{ CheckAnswer }}
 */
import type { Socket } from 'node:net';
import type { CriticConfig } from '../engine/config.js';
import type { ExecutionSummary } from '../engine/executionSummary.js';
import type { Finding } from '../engine/findings.js';
import type { LanguageId } from '../engine/languages.js';
import type { ModelStats } from '../engine/critique/types.js';
import type { LineRange, ToolNotice } from '../engine/pipeline.js';

export const protocolVersion = 1;
/** Staged blobs of a large commit fit; a runaway peer does not. */
export const maxMessageBytes = 64 * 1024 * 1024;

export const methods = { hello: 'critic/hello', check: 'critic/check' } as const;

/** JSON-RPC error codes of the warm path (the standard ones plus ours from -32000 down). */
export const errorCodes = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  wrongRoot: -32001,
  wrongBuild: -32002,
  wrongProtocol: -32003,
  wrongEnvironment: -32004,
} as const;

export interface HelloAnswer {
  protocol: number;
  /** The Critic build serving (version, size and time of its bundle): results of another build may differ. */
  build: string;
  root: string;
  pid: number;
  /** Check requests answered so far (for status lines and tests). */
  served: number;
}

export interface CheckDocument {
  path: string;
  text: string;
  language: LanguageId;
  changedLines?: LineRange[];
  /** The file's uncommitted lines (CheckOptions.changed). */
  changed?: LineRange[];
}

/**
 * Everything the engine is built from, as the CLI resolved it (flags, env, user config, the
 * project's file restricted unless trusted): the daemon applies exactly this, never its own.
 */
export interface CheckRequest {
  protocol: number;
  build: string;
  root: string;
  config: CriticConfig;
  /** The user trusted the project: its ESLint config may load in the serving process. */
  projectTrusted: boolean;
  /** The execution cache folder the CLI would use. */
  cacheDir: string;
  jobs: number;
  /** engineEnvironment() of the CLI: which interpreters it would find. */
  environment: Record<string, string>;
  docs: CheckDocument[];
}

/** What the CLI's report needs of each document's result, in the order of `docs`. */
export interface DocumentAnswer {
  findings: Finding[];
  notices: ToolNotice[];
  modelStats?: ModelStats;
  execution?: ExecutionSummary;
}

export interface CheckAnswer {
  isolation: string;
  isolationReason?: string;
  notices: ToolNotice[];
  results: DocumentAnswer[];
}

export interface RpcMessage {
  jsonrpc: '2.0';
  id?: number | string | null;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

/**
 * Splits a socket's bytes into JSON messages. `onMessage` gets each parsed line, `onError` one
 * reason (unparsable line, oversized message) after which nothing more is delivered.
 */
export function readMessages(socket: Socket, onMessage: (m: RpcMessage) => void, onError: (reason: string) => void): void {
  let chunks: Buffer[] = [];
  let size = 0;
  let failed = false;
  socket.on('data', (data: Buffer) => {
    if (failed) return;
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      const line = Buffer.concat([...chunks, data.subarray(start, nl)]);
      chunks = [];
      size = 0;
      start = nl + 1;
      if (line.length > maxMessageBytes) return fail(`a message is larger than ${maxMessageBytes} bytes`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(line.toString('utf8'));
      } catch {
        return fail('a message is not JSON');
      }
      if (typeof parsed !== 'object' || parsed === null || (parsed as RpcMessage).jsonrpc !== '2.0') return fail('a message is not JSON-RPC 2.0');
      onMessage(parsed as RpcMessage);
      if (failed) return;
    }
    const rest = data.subarray(start);
    size += rest.length;
    if (size > maxMessageBytes) return fail(`a message is larger than ${maxMessageBytes} bytes`);
    if (rest.length) chunks.push(rest);
  });
  function fail(reason: string): void {
    failed = true;
    chunks = [];
    onError(reason);
  }
}

export function send(socket: Socket, message: RpcMessage): void {
  if (!socket.destroyed) socket.write(`${JSON.stringify(message)}\n`);
}
