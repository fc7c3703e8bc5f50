/**
 * Node implementations of the engine's ports, shared by the CLI, the tests and (later) the
 * extension host, which runs on Node too.
 */
import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { closeSync, constants, existsSync, fstatSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AbortError } from './abort.js';
import type { AssetsPort, ExecPort, ExecRequest, ExecResult, FileSystemPort } from './types.js';

/**
 * A file's text, refusing what is not a regular file: opened non-blocking, so a FIFO or device a
 * hostile checkout puts where a test file is expected cannot stall the process.
 */
function readRegularFile(path: string): string {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    if (!fstatSync(fd).isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EINVAL' });
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * The port over node:fs. Synchronous system calls behind the promises: the engine asks about
 * thousands of small files and mostly missing paths (test discovery, module resolution), and on
 * Node 20 each fs.promises call costs a thread-pool round trip several times the call itself,
 * which made planning a 50-module check CPU-bound on the main thread.
 */
export const nodeFs: FileSystemPort = {
  readFile: async (path) => readRegularFile(path),
  readdir: async (path) => {
    try {
      return readdirSync(path, { withFileTypes: true }).map((e) => ({ name: e.name, isDirectory: e.isDirectory(), isFile: e.isFile() }));
    } catch {
      return undefined;
    }
  },
  exists: async (path) => existsSync(path),
};

export function assetsIn(dir: string): AssetsPort {
  return { path: (name) => join(dir, name) };
}

const defaultMaxOutput = 8 * 1024 * 1024;

/** Kills the child's whole process group (it is started detached so it leads one). */
function killTree(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** Spawns a program in its own process group, with timeout, cancellation and an output cap. */
export const nodeExec: ExecPort = {
  run(req: ExecRequest): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      if (req.signal?.aborted) {
        reject(new AbortError());
        return;
      }
      const max = req.maxOutputBytes ?? defaultMaxOutput;
      const child = spawn(req.command, req.args, {
        cwd: req.cwd,
        env: req.env ?? process.env,
        stdio: ['pipe', 'pipe', 'pipe', ...(req.extraInputs ?? []).map(() => 'pipe' as const), ...Array.from({ length: req.extraOutputs ?? 0 }, () => 'pipe' as const)],
        detached: process.platform !== 'win32',
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      let truncated = false;
      let timedOut = false;
      const collect = (chunks: Buffer[], size: number, chunk: Buffer): number => {
        const room = max - size;
        if (room <= 0) {
          truncated = true;
          return size;
        }
        if (chunk.length > room) truncated = true;
        chunks.push(chunk.subarray(0, room));
        return size + Math.min(room, chunk.length);
      };
      const inputs = req.extraInputs?.length ?? 0;
      const maxExtra = req.maxExtraOutputBytes ?? 64 * 1024 * 1024;
      const extra = Array.from({ length: req.extraOutputs ?? 0 }, (_, i) => {
        const channel = { chunks: [] as Buffer[], size: 0 };
        (child.stdio[3 + inputs + i] as Readable).on('data', (c: Buffer) => {
          const room = maxExtra - channel.size;
          if (room <= 0) return;
          channel.chunks.push(c.subarray(0, room));
          channel.size += Math.min(room, c.length);
        });
        return channel;
      });
      child.stdout.on('data', (c: Buffer) => (outBytes = collect(out, outBytes, c)));
      child.stderr.on('data', (c: Buffer) => (errBytes = collect(err, errBytes, c)));
      const timer = req.timeoutMs
        ? setTimeout(() => {
            timedOut = true;
            killTree(child.pid);
          }, req.timeoutMs)
        : undefined;
      const onAbort = () => killTree(child.pid);
      req.signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (e) => {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        // Reap anything the child left behind in its group.
        killTree(child.pid);
        if (req.signal?.aborted) {
          reject(new AbortError());
          return;
        }
        resolve({
          exitCode: code,
          signal,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          timedOut,
          truncated,
          durationMs: Date.now() - started,
          ...(extra.length ? { extraOutputs: extra.map((c) => Buffer.concat(c.chunks).toString('utf8')) } : {}),
        });
      });
      child.stdin.on('error', () => {
        /* the child may exit before reading its input */
      });
      child.stdin.end(req.input ?? '');
      (req.extraInputs ?? []).forEach((data, i) => {
        const stream = child.stdio[3 + i] as Writable;
        stream.on('error', () => {
          /* the child may exit without reading it */
        });
        stream.end(data);
      });
    });
  },
};
