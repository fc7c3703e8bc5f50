/** Cancellation in the engine is an AbortSignal; a cancelled run is never reported as an error. */
export class AbortError extends Error {
  constructor() {
    super('The operation was cancelled');
    this.name = 'AbortError';
  }
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && (err.name === 'AbortError' || err.name === 'APIUserAbortError');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError();
}
