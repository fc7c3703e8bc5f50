/** Where API keys live in SecretStorage: one per endpoint origin, so a key is only ever sent to the server it was entered for. */

export const openAiDefaultBaseUrl = 'https://api.openai.com/v1';

export function endpointOrigin(baseUrl: string | undefined): string {
  try {
    return new URL(baseUrl || openAiDefaultBaseUrl).origin;
  } catch {
    return baseUrl ?? openAiDefaultBaseUrl;
  }
}

/** The SecretStorage key of the API key for an endpoint. */
export function apiKeySecret(baseUrl: string | undefined): string {
  return `critic.apiKey:${endpointOrigin(baseUrl)}`;
}

/** Loopback servers (Ollama, LM Studio, llama.cpp) need no key. */
export function isLoopback(baseUrl: string | undefined): boolean {
  try {
    const host = new URL(baseUrl || openAiDefaultBaseUrl).hostname;
    return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
  } catch {
    return false;
  }
}
