/**
 * Listening on a project's socket without trampling another listener. The socket is bound under a
 * private temporary name and then hard-linked to the project's name: link() fails when the name
 * exists, so of two daemons starting at once exactly one gets it. A name nobody answers on is a
 * stale file of a killed daemon: it is removed (only if it is still the same inode that refused
 * the connection) and the link retried. On close the name is removed only while it is ours.
 */
import { chmodSync, linkSync, lstatSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../engine/types.js';
import { socketFileProblem } from './socketPath.js';
import { errorCodes, methods, readMessages, send, type RpcMessage } from './wire.js';
import { RpcError, type WarmService } from './warmService.js';

export type ListenResult = { ok: true; close: () => Promise<void> } | { ok: false; reason: string; alreadyRunning?: boolean };

/** Whether something accepts connections on `path` (a live daemon) or not (a stale file). */
export function probeSocket(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const inodeOf = (path: string): number | undefined => {
  try {
    return lstatSync(path).ino;
  } catch {
    return undefined;
  }
};

function listenAt(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Serves `service` on `path` (in a folder locateSocket accepted). `onActivity` is called when a
 * request starts and when one ends, for the idle timer; `unref`: the listener alone does not keep
 * the process running.
 */
export async function listenOn(path: string, service: WarmService, opts: { log: Logger; uid: number; onActivity?: () => void; unref?: boolean }): Promise<ListenResult> {
  const server = createServer((socket) => serveConnection(socket, service, opts));
  // In a host with its own lifetime (the language server), the socket must not keep the process alive.
  if (opts.unref) server.unref();
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 10)}`;
  try {
    await listenAt(server, temp);
    chmodSync(temp, 0o600);
  } catch (err) {
    server.close();
    return { ok: false, reason: `cannot listen on ${temp} (${(err as Error).message})` };
  }
  const dropTemp = () => {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  };
  const ours = inodeOf(temp);
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      linkSync(temp, path);
      dropTemp();
      return { ok: true, close: () => closeServer(server, path, ours) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        server.close();
        dropTemp();
        return { ok: false, reason: `cannot create ${path} (${(err as Error).message})` };
      }
    }
    const seen = inodeOf(path);
    if (await probeSocket(path)) {
      server.close();
      dropTemp();
      return { ok: false, reason: `a Critic daemon or language server already listens on ${path}`, alreadyRunning: true };
    }
    // Never remove what is not a socket of ours: a file planted there is left for the user to see.
    const problem = socketFileProblem(path, opts.uid);
    if (problem) {
      server.close();
      dropTemp();
      return { ok: false, reason: `${problem}; remove it to start the daemon` };
    }
    if (seen !== undefined && inodeOf(path) === seen) {
      opts.log.info(`removing the stale socket ${path} (nothing listens on it)`);
      try {
        unlinkSync(path);
      } catch {
        // another daemon removed it first; the next link decides
      }
    }
  }
  server.close();
  dropTemp();
  return { ok: false, reason: `could not take ${path}: another daemon keeps replacing it` };
}

function closeServer(server: Server, path: string, ours: number | undefined): Promise<void> {
  if (ours !== undefined && inodeOf(path) === ours) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
  // New connections stop at once; a client still connected finishes on its own (its check is
  // aborted when the daemon's engines are disposed, and it falls back to in-process work).
  server.close();
  return Promise.resolve();
}

/** One client connection: requests in, answers out; a closed connection cancels its checks. */
function serveConnection(socket: Socket, service: WarmService, opts: { log: Logger; onActivity?: () => void }): void {
  const controller = new AbortController();
  socket.on('close', () => controller.abort());
  socket.on('error', () => controller.abort());
  readMessages(
    socket,
    (m) => void answer(m),
    (reason) => {
      send(socket, { jsonrpc: '2.0', id: null, error: { code: errorCodes.parse, message: reason } });
      socket.end();
    },
  );
  async function answer(m: RpcMessage): Promise<void> {
    if (m.id === undefined || typeof m.method !== 'string') {
      send(socket, { jsonrpc: '2.0', id: m.id ?? null, error: { code: errorCodes.invalidRequest, message: 'expected a request with an id and a method' } });
      return;
    }
    const id = m.id;
    opts.onActivity?.();
    try {
      if (m.method === methods.hello) send(socket, { jsonrpc: '2.0', id, result: service.hello() });
      else if (m.method === methods.check) send(socket, { jsonrpc: '2.0', id, result: await service.check(m.params, controller.signal) });
      else send(socket, { jsonrpc: '2.0', id, error: { code: errorCodes.methodNotFound, message: `unknown method ${m.method}` } });
    } catch (err) {
      if (controller.signal.aborted) return;
      if (err instanceof RpcError) send(socket, { jsonrpc: '2.0', id, error: { code: err.code, message: err.message } });
      else {
        opts.log.error(`a request failed`, err);
        send(socket, { jsonrpc: '2.0', id, error: { code: errorCodes.internal, message: (err as Error).message } });
      }
    } finally {
      opts.onActivity?.();
    }
  }
}
