// A real `critic daemon` process for tests, and the environment that keeps each test's socket,
// cache and user configuration private (so parallel tests and other sessions never meet).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { cliPath } from './cli.mjs';

/** The daemon's hello answer on `socket`. */
export function hello(socket) {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let data = '';
    s.on('error', reject);
    s.on('data', (d) => {
      data += d;
      if (data.includes('\n')) {
        s.destroy();
        const m = JSON.parse(data.slice(0, data.indexOf('\n')));
        if (m.error) reject(new Error(m.error.message));
        else resolve(m.result);
      }
    });
    s.on('connect', () => s.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'critic/hello', params: { protocol: 1 } })}\n`));
  });
}

/** XDG_RUNTIME_DIR (0700, from mkdtemp), a cache and an empty user config folder of one test. */
export function privateEnv() {
  const base = mkdtempSync(join(tmpdir(), 'critic-daemon-test-'));
  const env = { XDG_RUNTIME_DIR: join(base, 'run'), CRITIC_CACHE_DIR: join(base, 'cache'), XDG_CONFIG_HOME: join(base, 'config') };
  mkdirSync(env.XDG_RUNTIME_DIR, { mode: 0o700 });
  return { base, env, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

/**
 * Starts `critic daemon --verbose` in `cwd`; `ready` resolves with the socket path once it listens
 * (rejects if it exits first). `served()` counts the requests it answered so far.
 */
export function startDaemon(cwd, env, args = []) {
  const child = spawn(process.execPath, [cliPath, 'daemon', '--verbose', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      log += d;
      const m = /listening on (\S+);/.exec(log);
      if (m) resolve(m[1]);
    });
    exited.then(({ code, signal }) => reject(new Error(`critic daemon exited (${code ?? signal}) before listening:\n${log}`)));
  });
  ready.catch(() => {});
  return {
    child,
    ready,
    exited,
    log: () => log,
    /** Check requests it answered, from its own hello (its stderr may lag behind a spawnSync). */
    served: async () => (await hello(await ready)).served,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
