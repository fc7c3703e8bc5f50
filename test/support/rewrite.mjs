// Shared set-up for the verified-rewrite tests (rewrite.test.mjs, fix.test.mjs): the fixture
// files, a correct and a still-wrong rewrite of stats.py's `median`, and the real engine with the
// real `openai` client talking to the scripted OpenAI-compatible server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { out, repoRoot } from './engine.mjs';
import { startOpenAiServer, reply } from './openaiServer.mjs';

const { createCritic } = await import(out('engine/critic.js'));
const { createOpenAiModel } = await import(out('engine/model/provider.js'));

export const fixtures = join(repoRoot, 'test', 'fixtures', 'rewrite');
/** The text of a file in test/fixtures/rewrite. */
export const fixture = (name) => readFileSync(join(fixtures, name), 'utf8');
export { hasSandbox as hasBwrap } from './sandbox.mjs';

/** `median` of fixtures/rewrite/stats.py, fixed: its examples pass. */
export const medianFixed = `def median(xs):
    """The middle value of xs.

    >>> median([3, 1, 2])
    2
    >>> median([4, 1, 3, 2])
    2.5
    """
    s = sorted(xs)
    n = len(s)
    if n % 2:
        return s[n // 2]
    return (s[n // 2 - 1] + s[n // 2]) / 2`;
/** A rewrite of `median` that still fails its even-length example. */
export const medianWrong = medianFixed.replace(/    n = len\(s\)[\s\S]*$/, '    return s[(len(s) - 1) // 2]');

/** The scripted model's answer proposing `code` as the rewrite. */
export const rewrite = (code) => reply.json({ code });

/**
 * Starts the scripted server, the real engine on `ctx` and a model ('test-model') served by the
 * server; `stop()` disposes of the engine, then closes the server.
 */
export async function startRewriteRig(ctx) {
  const server = await startOpenAiServer();
  const model = createOpenAiModel({ model: 'test-model', baseUrl: server.url, timeoutMs: 20_000, maxRetries: 0, log: ctx.log });
  // The façade every host uses; `engine` is its pipeline, for the tests of rewriteUnit itself.
  const critic = await createCritic(ctx, { trusted: true, models: [model] });
  const stop = async () => {
    await critic.dispose();
    await server.close();
  };
  return { server, critic, engine: critic.engine, model, stop };
}
