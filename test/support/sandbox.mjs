// The one place tests learn whether the real sandbox (bubblewrap) works on this machine.
//
//   import { needsSandbox, realSandbox } from './support/sandbox.mjs';
//   test('runs code', needsSandbox, async () => { const sandbox = await realSandbox(); … });
//
// Without a working bubblewrap, tests that pass `needsSandbox` are skipped with one line naming
// the reason and the fix, except under CI=true, where they run (and fail) and an extra test fails
// with the reason: CI must never pass without the sandbox. There is no fallback to an unisolated
// sandbox here: a test that needs one asks for it explicitly (`allowUnsandboxed`).
import { test } from 'node:test';
import { out } from './engine.mjs';

const { createSandbox } = await import(out('engine/sandbox/sandbox.js'));
const { nodeExec } = await import(out('engine/nodePorts.js'));
const { silentLogger } = await import(out('engine/types.js'));
const { defaultConfig } = await import(out('engine/config.js'));

const { findOnPath, probeBwrap } = await import(out('engine/sandbox/bubblewrap.js'));

const probe = process.platform === 'linux' ? await probeBwrap(nodeExec, findOnPath('bwrap') ?? '/usr/bin/bwrap') : { ok: false, reason: `bubblewrap needs Linux (this is ${process.platform})` };

/** True when bubblewrap creates sandboxes here. */
export const hasSandbox = probe.ok;
/** Why not (one line), or undefined. */
export const noSandboxReason = hasSandbox ? undefined : probe.reason;

const inCi = process.env.CI === 'true';
const skipLine = `needs the bubblewrap sandbox: ${noSandboxReason}; fix: npm run setup:linux`;

/** Options for `test(name, needsSandbox, fn)`: skip (one line: reason and fix) unless the sandbox works or CI=true. */
export const needsSandbox = hasSandbox || inCi ? {} : { skip: skipLine };

if (!hasSandbox && inCi) {
  test('the bubblewrap sandbox works (required because CI=true)', () => {
    throw new Error(`CI=true but ${skipLine}`);
  });
}

/**
 * The real bubblewrap sandbox with the default execution settings plus `execution` overrides, or
 * undefined when it does not work here (only reached in tests that are skipped, or under CI).
 */
export async function realSandbox(execution = {}, deps = {}) {
  if (!hasSandbox) return undefined;
  const sb = await createSandbox({ exec: nodeExec, log: silentLogger, ...deps, execution: { ...defaultConfig().execution, ...execution } });
  if (sb.isolation !== 'bubblewrap') throw new Error(`the sandbox probe succeeded but createSandbox returned ${sb.isolation}: ${sb.reason}`);
  return sb;
}
