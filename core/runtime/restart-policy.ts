/**
 * When the primary restarts a worker that died, and when it gives up. A worker is restarted after a
 * delay that doubles with each crash of its slot within the window (100 ms, 200 ms, ... up to
 * 10 s); more than `maxCrashes` crashes of any workers within the window is a crash loop: the
 * server stops with a clear message instead of spinning.
 */
export interface RestartPolicyOptions {
  minDelayMs: number;
  maxDelayMs: number;
  windowMs: number;
  maxCrashes: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = { minDelayMs: 100, maxDelayMs: 10_000, windowMs: 60_000, maxCrashes: 5 };

export type RestartDecision = { action: 'restart'; delayMs: number } | { action: 'give-up'; crashes: number; windowMs: number };

export class RestartPolicy {
  /** Crash times within the window, oldest first; at most maxCrashes + 1 entries. */
  private crashes: { at: number; slot: number }[] = [];

  constructor(
    private readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY,
    private readonly clock: () => number = Date.now,
  ) {}

  onCrash(slot: number): RestartDecision {
    const now = this.clock();
    this.crashes = this.crashes.filter((c) => now - c.at < this.options.windowMs);
    this.crashes.push({ at: now, slot });
    if (this.crashes.length > this.options.maxCrashes) return { action: 'give-up', crashes: this.crashes.length, windowMs: this.options.windowMs };
    const ofSlot = this.crashes.filter((c) => c.slot === slot).length;
    return { action: 'restart', delayMs: Math.min(this.options.minDelayMs * 2 ** (ofSlot - 1), this.options.maxDelayMs) };
  }
}
