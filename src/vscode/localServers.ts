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

/** The outcome of asking an OpenAI-compatible endpoint for its models. */
export type EndpointCheck = { ok: true; models: string[] } | { ok: false; problem: string; kind: 'url' | 'auth' | 'unreachable' | 'timeout' | 'not-found' | 'server' | 'not-openai' };

function oneLineOf(text: string, max = 140): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/**
 * `GET {baseUrl}/models` with the key (if any), within `timeoutMs`: the models the endpoint
 * serves, or one actionable line about what is wrong (bad URL, rejected key, nothing listening,
 * no answer, not an OpenAI-compatible API). The key never appears in the line, even when the
 * server echoes it.
 */
export async function listEndpointModels(baseUrl: string, apiKey: string | undefined, { timeoutMs = 8_000, signal }: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<EndpointCheck> {
  let url: URL;
  try {
    url = new URL(`${baseUrl.replace(/\/+$/, '')}/models`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    return { ok: false, kind: 'url', problem: `"${oneLineOf(baseUrl, 80)}" is not an http(s) URL: enter the endpoint's base URL, ending in /v1 (e.g. https://api.openai.com/v1).` };
  }
  const where = url.origin;
  const scrub = (text: string) => (apiKey ? text.split(apiKey).join('***') : text);
  const deadline = AbortSignal.timeout(timeoutMs);
  let res: Response;
  try {
    res = await fetch(url, { signal: signal ? AbortSignal.any([signal, deadline]) : deadline, headers: { accept: 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) } });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') return { ok: false, kind: 'timeout', problem: `${where} did not answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}: check the URL and that the server is running.` };
    if (e.name === 'AbortError') throw err;
    const code = e.cause?.code ?? '';
    if (code === 'ECONNREFUSED') return { ok: false, kind: 'unreachable', problem: `nothing is listening at ${where} (connection refused): start the server, or correct the URL.` };
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { ok: false, kind: 'unreachable', problem: `the host ${url.hostname} was not found: check the URL (and your network).` };
    if (/CERT|SSL|TLS/i.test(code)) return { ok: false, kind: 'unreachable', problem: `the TLS certificate of ${where} was not accepted (${code}): check the URL, or use the server's http:// address on a trusted network.` };
    return { ok: false, kind: 'unreachable', problem: `${where} could not be reached (${oneLineOf(scrub(code || e.cause?.message || e.message), 80)}): check the URL and your network.` };
  }
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const serverMessage = (body as { error?: { message?: unknown } } | undefined)?.error?.message;
  const said = typeof serverMessage === 'string' && serverMessage ? `: "${oneLineOf(scrub(serverMessage), 100)}"` : '';
  if (res.status === 401 || res.status === 403) {
    return { ok: false, kind: 'auth', problem: apiKey ? `${where} rejected the API key (HTTP ${res.status}${said}): enter the right one with "Critic: Set API Key".` : `${where} needs an API key (HTTP ${res.status}): enter it with "Critic: Set API Key".` };
  }
  if (res.status === 404) {
    const hint = /\/v1\/?$/.test(baseUrl) ? 'check the path' : 'the base URL usually ends in /v1';
    return { ok: false, kind: 'not-found', problem: `${url.href} does not exist (HTTP 404): ${hint}, e.g. http://127.0.0.1:11434/v1 for Ollama.` };
  }
  if (!res.ok) return { ok: false, kind: 'server', problem: `${where} answered HTTP ${res.status}${said} when asked for its models: try again, or check the server.` };
  const data = (body as { data?: unknown } | undefined)?.data;
  if (!Array.isArray(data)) return { ok: false, kind: 'not-openai', problem: `${url.href} did not answer with a model list, so it is not an OpenAI-compatible API: check the URL (it usually ends in /v1).` };
  const models = data.map((m) => (m as { id?: unknown } | null)?.id).filter((id): id is string => typeof id === 'string' && id !== '');
  return { ok: true, models: [...new Set(models)].sort((a, b) => a.localeCompare(b)) };
}
