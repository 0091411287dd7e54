/** When the primary restarts a dead worker, and when it gives up (core/runtime/restart-policy.ts). */
import { describe, expect, it } from 'vitest';
import { RestartPolicy } from '../../core/runtime/restart-policy.ts';

function policy() {
  let now = 1_000_000;
  const p = new RestartPolicy({ minDelayMs: 100, maxDelayMs: 1_000, windowMs: 60_000, maxCrashes: 5 }, () => now);
  return { p, advance: (ms: number) => (now += ms) };
}

describe('RestartPolicy', () => {
  it('doubles the delay with each crash of a slot within the window, up to the maximum', () => {
    const { p, advance } = policy();
    const delays = [];
    for (let i = 0; i < 5; i++) {
      const decision = p.onCrash(1);
      expect(decision.action).toBe('restart');
      delays.push(decision.action === 'restart' ? decision.delayMs : 0);
      advance(1_000);
    }
    expect(delays).toEqual([100, 200, 400, 800, 1_000]);
  });

  it('counts each slot apart for the delay, every slot for the crash loop', () => {
    const { p } = policy();
    expect(p.onCrash(1)).toEqual({ action: 'restart', delayMs: 100 });
    expect(p.onCrash(2)).toEqual({ action: 'restart', delayMs: 100 });
    expect(p.onCrash(2)).toEqual({ action: 'restart', delayMs: 200 });
    p.onCrash(1);
    p.onCrash(2);
    expect(p.onCrash(1)).toEqual({ action: 'give-up', crashes: 6, windowMs: 60_000 });
  });

  it('forgets crashes older than the window: a worker that crashes now and then is always restarted', () => {
    const { p, advance } = policy();
    for (let i = 0; i < 20; i++) {
      expect(p.onCrash(1)).toEqual({ action: 'restart', delayMs: 100 });
      advance(60_000);
    }
  });
});
