/**
 * One debounce per document, and a newer run supersedes the one in flight: scheduling a document
 * aborts its running critique (through its AbortSignal, into the engine) and restarts the idle
 * wait. Timers are injected so tests drive them with node:test mock timers.
 */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The global timers, looked up at call time (so mock timers installed later still apply). */
export const globalTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

interface Slot {
  timer?: unknown;
  controller?: AbortController;
  /** The run in flight, so callers can wait for it. */
  running?: Promise<void>;
}

export class DocumentScheduler {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly run: (key: string, signal: AbortSignal) => Promise<void>,
    private readonly timers: Timers = globalTimers,
  ) {}

  private slot(key: string): Slot {
    let s = this.slots.get(key);
    if (!s) this.slots.set(key, (s = {}));
    return s;
  }

  /** Aborts the document's run and pending wait; the next run starts after `delayMs` of quiet. */
  schedule(key: string, delayMs: number): void {
    const s = this.slot(key);
    this.stop(s);
    s.timer = this.timers.setTimeout(() => {
      s.timer = undefined;
      void this.start(key, s);
    }, delayMs);
  }

  /** Runs now (an explicit request), superseding whatever runs; `signal` (the request's cancellation) also aborts it. */
  runNow(key: string, signal?: AbortSignal): Promise<void> {
    const s = this.slot(key);
    this.stop(s);
    const p = this.start(key, s);
    signal?.addEventListener('abort', () => s.controller?.abort(), { once: true });
    return p;
  }

  /** Stops everything for the document (closed). */
  cancel(key: string): void {
    const s = this.slots.get(key);
    if (!s) return;
    this.stop(s);
    this.slots.delete(key);
  }

  /** Whether a run or a wait is pending for the document. */
  busy(key: string): boolean {
    const s = this.slots.get(key);
    return s !== undefined && (s.timer !== undefined || s.controller !== undefined);
  }

  dispose(): void {
    for (const s of this.slots.values()) this.stop(s);
    this.slots.clear();
  }

  private stop(s: Slot): void {
    if (s.timer !== undefined) this.timers.clearTimeout(s.timer);
    s.timer = undefined;
    s.controller?.abort();
    s.controller = undefined;
  }

  private async start(key: string, s: Slot): Promise<void> {
    const controller = new AbortController();
    s.controller = controller;
    const running = this.run(key, controller.signal).finally(() => {
      if (s.controller === controller) s.controller = undefined;
    });
    s.running = running;
    return running;
  }
}
