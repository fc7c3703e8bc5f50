// `{ sandbox, skip }` for tests that take the real sandbox as a value; the decision (skip with one
// line naming the fix, or fail under CI=true) is test/support/sandbox.mjs's.
import { needsSandbox, realSandbox } from './sandbox.mjs';

/** `{ sandbox, skip }`: `skip` is false, or one line naming the reason and the fix. */
export async function bwrapSandbox(execution = {}) {
  return { sandbox: await realSandbox(execution), skip: needsSandbox.skip ?? false };
}
