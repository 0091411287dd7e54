/**
 * The runtime's clock and the event bus's idle(): what tests use instead of fixed waits. idle()
 * resolves only once every listener has had every event, including events emitted while waiting,
 * and a listener that throws neither blocks it nor escapes; a TestClock moves only when told.
 */
import { describe, expect, it } from 'vitest';
import type { TesseraEvent } from '../../core/api/extension-points.ts';
import { createLogger } from '../../core/logging/logger.ts';
import { TestClock, epochSeconds, systemClock } from '../../core/time/clock.ts';
import { EventBus } from '../../core/events/event-bus.ts';

const logger = createLogger('silent');
const event = (clientId: string): Omit<TesseraEvent, 'at'> => ({ type: 'token.issued', tenantId: 'default', serverId: 'default', clientId }) as Omit<TesseraEvent, 'at'>;

describe('EventBus.idle()', () => {
  it('resolves once slow listeners got every event, stamped by the injected clock', async () => {
    const clock = new TestClock(1_000_000);
    const bus = new EventBus(logger, [], clock);
    const seen: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    bus.setListeners([
      { name: 'slow', instance: { onEvent: async (e) => { await gate; seen.push(`slow:${e.clientId}@${e.at}`); } } },
      { name: 'second', instance: { onEvent: (e) => void seen.push(`second:${e.clientId}`) } },
    ]);
    bus.emit(event('a'));
    bus.emit(event('b'));
    let idle = false;
    const waiting = bus.idle().then(() => (idle = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(idle).toBe(false);
    release();
    await waiting;
    expect(seen.sort()).toEqual(['second:a', 'second:b', 'slow:a@1000000', 'slow:b@1000000']);
  });

  it('waits for events emitted by a listener while it waits, and survives a listener that throws', async () => {
    const bus = new EventBus(logger);
    const seen: string[] = [];
    bus.setListeners([
      { name: 'bomb', instance: { onEvent: () => { throw new Error('listener exploded'); } } },
      { name: 'chain', instance: { onEvent: async (e) => { seen.push(e.clientId as string); if (e.clientId === 'first') bus.emit(event('follow-up')); } } },
    ]);
    bus.emit(event('first'));
    await bus.idle();
    expect(seen).toEqual(['first', 'follow-up']);
  });

  it('is already idle with nothing queued or no listeners', async () => {
    const bus = new EventBus(logger);
    bus.emit(event('nobody-listens'));
    await expect(bus.idle()).resolves.toBeUndefined();
  });
});

describe('clocks', () => {
  it('a TestClock stands still until advanced, and only forward', () => {
    const clock = new TestClock(5_500);
    expect(clock.now()).toBe(5_500);
    expect(epochSeconds(clock)).toBe(5);
    clock.advance(600);
    expect(epochSeconds(clock)).toBe(6);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(clock.now()).toBe(6_100);
  });

  it('the system clock is the process clock', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
