/**
 * The one source of "now" for the running server. Production uses the process clock; tests pass a
 * TestClock to startServer and move time forward instead of waiting for lifetimes to run out.
 * Certificates handed to TLS are the exception: OpenSSL checks them against the real clock.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Whole seconds since the Unix epoch: the unit of every stored expiry and JWT time claim. */
export function epochSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

/** A clock that stands still until told to move; starts at the process clock's time. */
export class TestClock implements Clock {
  private current: number;

  constructor(start: number = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`a clock only moves forward (advance(${ms}))`);
    this.current += ms;
  }
}
