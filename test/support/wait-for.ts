/**
 * Waits for a state, not for a number of milliseconds: polls `probe` until `done` holds, and fails
 * with `what` once the deadline passes (a state that never comes is a failure, not a stuck run).
 */
export interface WaitForOptions {
  /** How long the state may take; generous, since the machine is shared. Default 10 s. */
  timeoutMs?: number;
  /** Pause between probes. Default 25 ms. */
  intervalMs?: number;
  /** Names the awaited state in the error. */
  what?: string;
}

export async function waitFor<T>(probe: () => T | Promise<T>, done: (value: T) => boolean = Boolean, options: WaitForOptions = {}): Promise<T> {
  const { timeoutMs = 10_000, intervalMs = 25, what = 'the awaited state' } = options;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (performance.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms (last: ${describe(value)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    return String(value);
  }
}
