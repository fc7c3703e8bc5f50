/**
 * The script that runs JSDoc example blocks inside the sandbox: it imports the bundle (the module
 * with its example blocks appended, see jsdocExamples.ts) and reports each assertion as a marked
 * JSON line, in the same protocol as the Python doctest runner (see exampleBatches.ts).
 * Settings come from `critic_config.json` next to it: marker, blocks to run, blocks to skip.
 */

import { jsCoverageCollector } from './coverageCollector.js';
import { jsRunnerPrelude } from './runnerPrelude.js';

export const jsExampleRunnerFile = 'critic_examples.mjs';
export const jsExampleBundleFile = 'critic_bundle.mjs';

export interface JsExampleRunnerConfig {
  marker: string;
  /** Block ids the engine knows; anything else registered is ignored. */
  blocks: string[];
  skip: string[];
  /** The file whose lines each example's coverage records (coverageCollector.ts); '' for none. */
  coverage: string;
}

// Runs as an ES module after the shared prelude (runnerPrelude.ts); String.raw keeps backslashes,
// and the text has no backtick or dollar-brace.
export const jsExampleRunner = String.raw`${jsRunnerPrelude}
${jsCoverageCollector}
const registry = (globalThis[Symbol.for('critic.examples')] ??= []);
try {
  await import('./critic_bundle.mjs');
} catch (e) {
  emit({ t: 'import', ...excOf(e) });
  process.exit(0);
}

for (const block of registry.slice()) {
  if (!block || typeof block.run !== 'function' || !cfg.blocks.includes(block.id) || cfg.skip.includes(block.id)) continue;
  const test = block.id;
  let current = -1;
  const start = (i) => {
    current = i;
    emit({ t: 'start', test, i });
  };
  const c = {
    at(i) {
      start(i);
    },
    async check(i, actual, expected) {
      start(i);
      let got;
      await covStart();
      try {
        got = await actual();
      } catch (e) {
        emit({ t: 'raise', test, i, cov: await covTake(), ...excOf(e) });
        return;
      }
      const cov = await covTake();
      let want;
      try {
        want = await expected();
      } catch (e) {
        const x = excOf(e);
        emit({ t: 'raise', test, i, exc: x.exc, msg: 'the expected value could not be evaluated: ' + x.msg, frames: [] });
        return;
      }
      if (isDeepStrictEqual(got, want)) emit({ t: 'pass', test, i, cov });
      else emit({ t: 'fail', test, i, cov, got: show(got) });
    },
    async throws(i, actual, name, message) {
      start(i);
      await covStart();
      try {
        const got = await actual();
        emit({ t: 'fail', test, i, cov: await covTake(), got: show(got) });
      } catch (e) {
        const cov = await covTake();
        const text = e && typeof e === 'object' && 'message' in e ? String(e.message) : String(e);
        if (raised(e, name) && (!message || text.includes(message))) emit({ t: 'pass', test, i, cov });
        else emit({ t: 'raise', test, i, cov, ...excOf(e) });
      }
    },
  };
  try {
    await block.run(c);
  } catch (e) {
    // Setup code threw: the block cannot go on, since later lines depend on it.
    emit({ t: 'raise', test, i: current, ...excOf(e) });
  }
  emit({ t: 'done', test });
}
emit({ t: 'end' });
// Timers or sockets the code left open must not hold the run until the timeout.
process.exit(0);
`;
