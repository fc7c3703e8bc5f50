// The real bubblewrap sandbox for tests that execute code, or a skip reason when this machine has
// none. With CI=true a missing sandbox is an error, so CI never passes by skipping.
import { out } from './engine.mjs';

const { createSandbox } = await import(out('engine/sandbox/sandbox.js'));
const { nodeExec } = await import(out('engine/nodePorts.js'));
const { silentLogger } = await import(out('engine/types.js'));
const { defaultConfig } = await import(out('engine/config.js'));

/** `{ sandbox, skip }`: `skip` is false, or one line naming the reason and the fix. */
export async function bwrapSandbox(execution = {}) {
  const sandbox = await createSandbox({ exec: nodeExec, log: silentLogger, execution: { ...defaultConfig().execution, allowUnsandboxed: false, ...execution } });
  if (sandbox.isolation === 'bubblewrap') return { sandbox, skip: false };
  const reason = `needs bubblewrap (${sandbox.reason ?? sandbox.isolation}); run \`npm run setup:linux\``;
  if (process.env.CI === 'true') throw new Error(`CI=true and the sandbox is missing: ${reason}`);
  return { sandbox: undefined, skip: reason };
}
