// A test-only Sandbox that runs the interpreter directly (no isolation): a fresh scratch dir,
// the request's files written into it, the timeout enforced through nodeExec. Used when the real
// sandbox (src/engine/sandbox/sandbox.ts) is not built yet; `testSandbox()` prefers the real one.
import { mkdtemp, mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { out } from './engine.mjs';

const { nodeExec } = await import(out('engine/nodePorts.js'));
const { silentLogger } = await import(out('engine/types.js'));
const { defaultConfig } = await import(out('engine/config.js'));

/** Runs requests with python3/node straight from PATH; limits: wall-clock timeout and output cap only. */
export function directSandbox() {
  return {
    isolation: 'limits-only',
    /** No memory or process limits: tests that need them skip on this sandbox. */
    direct: true,
    async run(req) {
      const scratch = await mkdtemp(join(tmpdir(), 'critic-direct-'));
      try {
        for (const [rel, content] of Object.entries(req.files ?? {})) {
          const p = join(scratch, rel);
          await mkdir(dirname(p), { recursive: true });
          await writeFile(p, content);
        }
        const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: scratch, LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1', ...(req.env ?? {}) };
        if (process.env.PYENV_ROOT) env.PYENV_ROOT = process.env.PYENV_ROOT;
        const r = await nodeExec.run({
          command: req.interpreter === 'python' ? 'python3' : 'node',
          args: req.args,
          cwd: req.cwd === 'project' ? req.projectRoot : scratch,
          env,
          input: req.input,
          timeoutMs: req.timeoutMs,
          signal: req.signal,
          maxOutputBytes: 256 * 1024,
        });
        const collected = {};
        for (const name of req.collect ?? []) {
          const p = join(scratch, name);
          if (existsSync(p)) collected[name] = await readFile(p, 'utf8');
        }
        return {
          collected,
          exitCode: r.exitCode,
          signal: r.signal,
          stdout: r.stdout,
          stderr: r.stderr,
          durationMs: r.durationMs,
          isolation: 'limits-only',
          limitHit: r.timedOut ? 'timeout' : r.truncated ? 'output' : undefined,
          truncated: r.truncated,
        };
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The sandbox the execution tests use: the real one when src/engine/sandbox/sandbox.ts is built
 * (with the unsandboxed fallback allowed, so machines without bubblewrap pass too), else the
 * direct one above.
 */
export async function testSandbox(execution = {}) {
  // CRITIC_TEST_SANDBOX=limits-only forces the unsandboxed fallback (as on a machine without
  // bubblewrap); =direct uses the direct sandbox above.
  const mode = process.env.CRITIC_TEST_SANDBOX;
  const real = out('engine/sandbox/sandbox.js');
  if (mode !== 'direct' && existsSync(real)) {
    const { createSandbox } = await import(real);
    const bwrapPath = mode === 'limits-only' ? '/nonexistent/bwrap' : undefined;
    const sb = await createSandbox({ exec: nodeExec, log: silentLogger, bwrapPath, execution: { ...defaultConfig().execution, allowUnsandboxed: true, ...execution } });
    if (sb.isolation !== 'none') return sb;
  }
  return directSandbox();
}
