/**
 * `critic daemon`: a warm Critic for one project in the foreground. It serves `critic check`,
 * `critic diff` and `critic diff --staged` over the project's socket (socketPath.ts) and exits
 * after an idle timeout (default 30 minutes) or on SIGTERM/SIGINT, removing its socket.
 */
import { findProjectRoot } from '../engine/project.js';
import type { Logger } from '../engine/types.js';
import { listenOn } from './listener.js';
import { currentUid, locateSocket } from './socketPath.js';
import { WarmService } from './warmService.js';

export const daemonHelp = `critic daemon — keep Critic warm for this project (for the git hook and repeated runs)

Usage:
  critic daemon [--idle-timeout MINUTES] [--verbose]

Runs in the foreground for the project of the current folder and listens on a private Unix
socket ($XDG_RUNTIME_DIR/critic/, else critic-<uid> in the temp folder). While it runs,
critic check / diff / diff --staged in this project use it (unless --no-daemon) and print the
same output; the TypeScript program, ruff and the sandbox probe are then paid once. It runs no
critic model: with a model configured the CLI checks in process. Exits after MINUTES without a
request (default 30) or on SIGTERM / Ctrl-C.
`;

export interface DaemonArgs {
  idleMs: number;
  verbose: boolean;
}

/** Parses the arguments after `daemon`; a string is the usage error. */
export function parseDaemonArgs(argv: readonly string[]): DaemonArgs | string {
  const out: DaemonArgs = { idleMs: 30 * 60_000, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--verbose') out.verbose = true;
    else if (a === '--idle-timeout' || a.startsWith('--idle-timeout=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      const n = Number(v);
      if (v === undefined || !Number.isFinite(n) || n <= 0 || n > 7 * 24 * 60) return `--idle-timeout must be a number of minutes from 0 to ${7 * 24 * 60} (got "${v ?? ''}")`;
      out.idleMs = Math.round(n * 60_000);
    } else return `unknown option "${a}" for critic daemon (expected --idle-timeout MINUTES, --verbose)`;
  }
  return out;
}

export interface DaemonTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface DaemonOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  build: string;
  assetsDir: string;
  log: Logger;
  idleMs: number;
  timers?: DaemonTimers;
}

export type RunningDaemon = { ok: true; root: string; socket: string; stop: () => Promise<void>; stopped: Promise<void> } | { ok: false; reason: string; alreadyRunning?: boolean };

/** Starts listening; `stopped` resolves once the idle timeout or `stop()` closed it. */
export async function startDaemon(opts: DaemonOptions): Promise<RunningDaemon> {
  const root = findProjectRoot(opts.cwd).root;
  const uid = currentUid();
  const where = locateSocket(root, { env: opts.env, create: true });
  if (!where.ok || uid === undefined) return { ok: false, reason: where.ok ? 'no user id on this system' : where.reason };
  const service = new WarmService({ root, build: opts.build, assetsDir: opts.assetsDir, log: opts.log });
  const timers = opts.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
  let timer: unknown;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => (resolveStopped = r));
  let stopping: Promise<void> | undefined;
  const arm = () => {
    if (timer !== undefined) timers.clearTimeout(timer);
    timer = undefined;
    // Counted when a request ends: the timer never stops a check in flight.
    if (service.busy === 0) timer = timers.setTimeout(() => void stop(), opts.idleMs);
  };
  const listening = await listenOn(where.path, service, { log: opts.log, uid, onActivity: () => queueMicrotask(arm) });
  if (!listening.ok) {
    await service.dispose();
    return listening;
  }
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (timer !== undefined) timers.clearTimeout(timer);
      await listening.close();
      await service.dispose();
      resolveStopped();
    })();
    return stopping;
  };
  arm();
  return { ok: true, root, socket: where.path, stop, stopped };
}

/**
 * The warm path inside another long-lived host (the language server): one listener per project
 * root, none of them keeping the process alive. A root whose socket is taken or unsafe is skipped
 * with an info line. Resolves with a function that closes them all.
 */
export async function serveWarmPath(roots: readonly string[], opts: { build: string; assetsDir: string; env: NodeJS.ProcessEnv; log: Logger }): Promise<() => Promise<void>> {
  const closers: Array<() => Promise<void>> = [];
  const uid = currentUid();
  for (const root of uid === undefined ? [] : roots) {
    const where = locateSocket(root, { env: opts.env, create: true });
    if (!where.ok) {
      opts.log.info(`no warm path for critic check/diff in ${root}: ${where.reason}`);
      continue;
    }
    const service = new WarmService({ root, build: opts.build, assetsDir: opts.assetsDir, log: opts.log });
    const listening = await listenOn(where.path, service, { log: opts.log, uid: uid!, unref: true });
    if (!listening.ok) {
      opts.log.info(`no warm path for critic check/diff in ${root}: ${listening.reason}`);
      await service.dispose();
      continue;
    }
    opts.log.info(`critic check/diff in ${root} use this server (socket ${where.path})`);
    closers.push(async () => {
      await listening.close();
      await service.dispose();
    });
  }
  return async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  };
}
