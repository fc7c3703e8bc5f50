/**
 * Finding local OpenAI-compatible model servers (Ollama, LM Studio) on loopback — only when the
 * user asks, with a short timeout. Pure node code.
 */

export interface LocalServer {
  name: string;
  /** OpenAI-compatible base URL, e.g. `http://127.0.0.1:11434/v1`. */
  baseUrl: string;
}

export const knownLocalServers: readonly LocalServer[] = [
  { name: 'Ollama', baseUrl: 'http://127.0.0.1:11434/v1' },
  { name: 'LM Studio', baseUrl: 'http://127.0.0.1:1234/v1' },
];

export interface FoundModel {
  server: LocalServer;
  model: string;
}

export interface ProbeOutcome {
  found: FoundModel[];
  /** Servers that did not answer, with why (for the log). */
  missing: Array<{ server: LocalServer; reason: string }>;
}

/** GET `<baseUrl>/models` on each server in parallel; each gets `timeoutMs`. */
export async function probeLocalServers(servers: readonly LocalServer[] = knownLocalServers, timeoutMs = 1_500, signal?: AbortSignal): Promise<ProbeOutcome> {
  const outcome: ProbeOutcome = { found: [], missing: [] };
  await Promise.all(
    servers.map(async (server) => {
      const deadline = AbortSignal.timeout(timeoutMs);
      try {
        const res = await fetch(`${server.baseUrl}/models`, { signal: signal ? AbortSignal.any([signal, deadline]) : deadline, headers: { accept: 'application/json' } });
        if (!res.ok) {
          outcome.missing.push({ server, reason: `HTTP ${res.status}` });
          return;
        }
        const body = (await res.json()) as { data?: Array<{ id?: unknown }> };
        const ids = (body.data ?? []).map((m) => m.id).filter((id): id is string => typeof id === 'string' && id !== '');
        if (!ids.length) outcome.missing.push({ server, reason: 'no models loaded' });
        for (const model of ids) outcome.found.push({ server, model });
      } catch (err) {
        const e = err as Error & { cause?: { code?: string } };
        outcome.missing.push({ server, reason: e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message) });
      }
    }),
  );
  outcome.found.sort((a, b) => servers.indexOf(a.server) - servers.indexOf(b.server) || a.model.localeCompare(b.model));
  return outcome;
}
