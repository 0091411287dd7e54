/**
 * The invalidation bus between the workers of one machine (`[server] workers` > 1): cluster IPC,
 * relayed by the primary. This is what keeps the workers' caches (clients, servers, signing keys,
 * admin credentials) in step on SQLite, which has no LISTEN/NOTIFY; on PostgreSQL it runs next to
 * the LISTEN/NOTIFY bus, which reaches the other machines.
 *
 * `publish` resolves once every other worker has applied the event (the primary collects their
 * answers), so when the admin API answers a change, every worker of the machine already sees it.
 * A worker that does not answer within RELAY_TIMEOUT_MS (dying, stuck) does not hold the caller up
 * longer: the caches' own time limits bound what it may still serve.
 */
import type { Logger } from '../api/plugin-context.ts';
import { InvalidationListeners, type Invalidation, type InvalidationBus, type InvalidationListener } from './invalidation-bus.ts';
import type { PrimaryToWorker, WorkerToPrimary } from './worker-messages.ts';

/** How long publish() waits for the primary's "every worker has it". */
export const RELAY_TIMEOUT_MS = 2_000;

/** The worker's end of the IPC channel (process.send / process.on('message') in a cluster worker). */
export interface WorkerChannel {
  send(message: WorkerToPrimary): void;
}

export class IpcInvalidationBus implements InvalidationBus {
  readonly nodeId: string;
  private readonly listeners: InvalidationListeners;
  private nextId = 1;
  /** Publishes waiting for the primary; each entry leaves within RELAY_TIMEOUT_MS, so the map stays small. */
  private readonly pending = new Map<number, () => void>();
  private closed = false;

  constructor(
    private readonly channel: WorkerChannel,
    private readonly logger: Logger,
    worker: number,
  ) {
    this.nodeId = `worker-${worker}`;
    this.listeners = new InvalidationListeners(logger);
  }

  async publish(event: Invalidation): Promise<void> {
    this.listeners.deliver(event);
    if (this.closed) return;
    const id = this.nextId++;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.logger.warn({ event }, 'the other workers did not confirm a cache invalidation in time; their caches expire on their own');
        resolve();
      }, RELAY_TIMEOUT_MS);
      this.pending.set(id, () => {
        clearTimeout(timer);
        resolve();
      });
      try {
        this.channel.send({ type: 'tessera:invalidate', id, event });
      } catch (err) {
        // The channel is gone (the primary died): nobody else to tell.
        this.pending.get(id)?.();
        this.pending.delete(id);
        this.logger.warn({ err: (err as Error).message }, 'cannot reach the primary to invalidate the other workers');
      }
    });
  }

  subscribe(listener: InvalidationListener): () => void {
    return this.listeners.add(listener);
  }

  /** Messages from the primary: another worker's change, or the confirmation of ours. */
  receive(message: PrimaryToWorker): void {
    if (message.type === 'tessera:invalidate') {
      this.listeners.deliver(message.event);
      this.channel.send({ type: 'tessera:invalidated', ref: message.ref });
    } else if (message.type === 'tessera:invalidate-done') {
      const done = this.pending.get(message.id);
      this.pending.delete(message.id);
      done?.();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const done of this.pending.values()) done();
    this.pending.clear();
    this.listeners.clear();
  }
}

/** Both buses at once (workers on PostgreSQL): IPC for this machine's workers, LISTEN/NOTIFY for the other nodes. */
export class CombinedInvalidationBus implements InvalidationBus {
  readonly nodeId: string;

  constructor(private readonly buses: readonly InvalidationBus[]) {
    this.nodeId = buses.map((b) => b.nodeId).join('+');
  }

  /** Each bus also delivers locally: this worker's caches hear the event twice, which only costs a reload. */
  async publish(event: Invalidation): Promise<void> {
    await Promise.all(this.buses.map((b) => b.publish(event)));
  }

  subscribe(listener: InvalidationListener): () => void {
    const unsubscribe = this.buses.map((b) => b.subscribe(listener));
    return () => unsubscribe.forEach((u) => u());
  }

  async close(): Promise<void> {
    await Promise.all(this.buses.map((b) => b.close()));
  }
}
