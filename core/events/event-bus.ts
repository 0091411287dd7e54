/**
 * Delivers audit events to every enabled EventListener in order, after the response is decided: a
 * listener that throws or hangs is logged and never changes the outcome of the request.
 */
import type { EventListener, TesseraEvent } from '../api/extension-points.ts';
import type { Logger } from '../api/plugin-context.ts';
import { systemClock, type Clock } from '../time/clock.ts';

/** An enabled listener and its component name (an ExtensionSet entry fits). */
export interface NamedListener {
  readonly name: string;
  readonly instance: EventListener;
}

export class EventBus {
  private listeners: readonly NamedListener[] = [];
  /** Deliveries not yet finished; at most one per emitted event still running its listeners. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly logger: Logger,
    /** The core's own consumers (metrics), called synchronously before the listeners. */
    private readonly sinks: readonly ((event: TesseraEvent) => void)[] = [],
    private readonly clock: Clock = systemClock,
    /** The worker slot, named in every event when the server runs several workers. */
    private readonly worker?: number,
  ) {}

  setListeners(listeners: readonly NamedListener[]): void {
    this.listeners = listeners;
  }

  emit(event: Omit<TesseraEvent, 'at'>): void {
    const at = this.clock.now();
    const full: TesseraEvent = this.worker === undefined ? { ...event, at } : { ...event, at, worker: this.worker };
    this.logger.info({ audit: full }, full.type);
    for (const sink of this.sinks) sink(full);
    if (this.listeners.length === 0) return;
    const delivery = Promise.resolve().then(() => this.deliver(full));
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }

  /** Resolves once every event emitted so far (and any emitted while waiting) reached every listener. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private async deliver(event: TesseraEvent): Promise<void> {
    for (const { name, instance } of this.listeners) {
      try {
        await instance.onEvent(event);
      } catch (err) {
        this.logger.error({ listener: name, err: (err as Error).message }, `event listener ${name} failed`);
      }
    }
  }
}
