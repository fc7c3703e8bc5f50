/**
 * The CLI's side of the warm path: ask a running `critic daemon` (or language server) of the
 * project to check the documents, with the engine inputs the CLI resolved. Whatever goes wrong,
 * the caller checks in process; `absent` (no daemon) is normal and silent, `refused` (an unsafe
 * socket folder or file) and `failed` (an error, garbage, a dropped connection) are said once.
 */
import { connect, type Socket } from 'node:net';
import { levels } from '../engine/findings.js';
import { locateSocket, currentUid, socketFileProblem } from '../daemon/socketPath.js';
import { maxMessageBytes, methods, protocolVersion, readMessages, send, type CheckAnswer, type CheckRequest, type HelloAnswer, type RpcMessage } from '../daemon/wire.js';

export type WarmOutcome = { kind: 'answered'; answer: CheckAnswer; socket: string } | { kind: 'absent' | 'refused' | 'failed'; reason: string };

const missing = (reason: string) => /\(ENOENT\)/.test(reason);

/** Sends `req` to the project's daemon; never throws. */
export async function checkWithDaemon(req: Omit<CheckRequest, 'protocol'>, opts: { env: NodeJS.ProcessEnv; helloTimeoutMs?: number }): Promise<WarmOutcome> {
  // The whole request is one message: past the bound the daemon would refuse it anyway.
  if (req.docs.reduce((n, d) => n + Buffer.byteLength(d.text), 0) > maxMessageBytes / 2) return { kind: 'absent', reason: 'the files are too large for one message to the daemon' };
  const where = locateSocket(req.root, { env: opts.env, create: false });
  if (!where.ok) return { kind: missing(where.reason) ? 'absent' : 'refused', reason: where.reason };
  const uid = currentUid()!;
  const problem = socketFileProblem(where.path, uid);
  if (problem) return { kind: missing(problem) ? 'absent' : 'refused', reason: `${problem}; Critic connects only to its own sockets` };
  let socket: Socket;
  try {
    socket = await open(where.path);
  } catch (err) {
    // Nobody listens (a daemon that was killed left its file): the next daemon removes it.
    return { kind: 'absent', reason: `nothing answers on ${where.path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  const rpc = new Client(socket);
  try {
    // A daemon that accepts but never answers (stopped, deadlocked) must not hang a git hook.
    const hello = (await rpc.call(methods.hello, { protocol: protocolVersion, build: req.build }, opts.helloTimeoutMs ?? 5_000)) as HelloAnswer;
    if (typeof hello !== 'object' || hello === null || hello.protocol !== protocolVersion) return { kind: 'failed', reason: `it speaks protocol ${String((hello as HelloAnswer | null)?.protocol)}, not ${protocolVersion}; restart it` };
    if (hello.build !== req.build) return { kind: 'failed', reason: `it is another build of Critic (${String(hello.build)}); restart it` };
    const answer = await rpc.call(methods.check, { protocol: protocolVersion, ...req });
    const bad = answerProblem(answer, req.docs.length);
    if (bad) return { kind: 'failed', reason: `its answer is unusable (${bad})` };
    return { kind: 'answered', answer: answer as CheckAnswer, socket: where.path };
  } catch (err) {
    return { kind: 'failed', reason: (err as Error).message };
  } finally {
    socket.destroy();
  }
}

function open(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

class Client {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly socket: Socket) {
    readMessages(socket, (m) => this.onMessage(m), (reason) => this.failAll(`it sent ${reason}`));
    socket.on('error', (err) => this.failAll(`the connection failed (${err.message})`));
    socket.on('close', () => this.failAll('it closed the connection before answering'));
  }

  call(method: string, params: unknown, timeoutMs?: number): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => this.settle(id, new Error(`it did not answer within ${timeoutMs / 1000} s`)), timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      send(this.socket, { jsonrpc: '2.0', id, method, params });
    });
  }

  private onMessage(m: RpcMessage): void {
    if (typeof m.id !== 'number' || !this.pending.has(m.id)) {
      if (m.error) this.failAll(`it answered an error: ${m.error.message}`);
      return;
    }
    if (m.error) this.settle(m.id, new Error(`it answered an error: ${String(m.error.message).slice(0, 300)}`));
    else this.settle(m.id, undefined, m.result);
  }

  private settle(id: number, err: Error | undefined, value?: unknown): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (err) p.reject(err);
    else p.resolve(value);
  }

  private failAll(reason: string): void {
    for (const id of [...this.pending.keys()]) this.settle(id, new Error(reason));
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPos = (p: unknown) => isObj(p) && Number.isInteger(p.line) && Number.isInteger(p.character);
const isRange = (r: unknown) => isObj(r) && isPos(r.start) && isPos(r.end);

/** What is wrong with a check answer, if anything: the output is built from it, so it must have the engine's shape. */
function answerProblem(a: unknown, docs: number): string | undefined {
  if (!isObj(a)) return 'not an object';
  if (typeof a.isolation !== 'string' || !Array.isArray(a.notices) || !Array.isArray(a.results)) return 'isolation, notices or results missing';
  if (a.results.length !== docs) return `${a.results.length} results for ${docs} documents`;
  const notice = (n: unknown) => isObj(n) && typeof n.tool === 'string' && typeof n.message === 'string';
  if (!a.notices.every(notice)) return 'a malformed notice';
  for (const r of a.results) {
    if (!isObj(r) || !Array.isArray(r.findings) || !Array.isArray(r.notices) || !r.notices.every(notice)) return 'a malformed result';
    for (const f of r.findings) {
      const ok =
        isObj(f) && typeof f.file === 'string' && isRange(f.range) && (levels as readonly unknown[]).includes(f.level) && typeof f.rule === 'string' && typeof f.message === 'string' && typeof f.unit === 'string' && typeof f.tier === 'string' && Array.isArray(f.related) && f.related.every((x) => isObj(x) && typeof x.file === 'string' && isRange(x.range) && typeof x.message === 'string');
      if (!ok) return 'a malformed finding';
    }
  }
  return undefined;
}
