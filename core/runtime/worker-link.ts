/**
 * A worker's side of the cluster (`[server] workers` > 1): what start-server needs from the primary.
 * The TLS ticket keys (shared, rotated by the primary), the IPC invalidation bus, the aggregated
 * /metrics of all workers, and telling the primary that this worker is ready.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { Logger } from '../api/plugin-context.ts';
import { IpcInvalidationBus } from '../cluster/ipc-invalidation-bus.ts';
import { isTesseraMessage, WORKER_SLOT_ENV, type PrimaryToWorker, type WorkerToPrimary } from '../cluster/worker-messages.ts';

/** How long a worker waits for its first ticket keys, and for aggregated metrics. */
const PRIMARY_ANSWER_MS = 10_000;

export interface WorkerLink {
  /** The worker's slot, 1..n (a replaced worker takes its predecessor's slot). */
  readonly worker: number;
  /** The current TLS session ticket keys (48 bytes). */
  ticketKeys(): Buffer;
  onTicketKeys(listener: (keys: Buffer) => void): void;
  invalidationBus(logger: Logger): IpcInvalidationBus;
  /** The Prometheus text of every worker, aggregated by the primary (series labelled `worker`). */
  clusterMetrics(): Promise<string>;
  ready(listeners: { name: string; url: string }[]): void;
  /** Called once when the primary asks this worker to stop. */
  onStop(listener: () => void): void;
}

/** Connects to the primary; resolves once the ticket keys arrived (the primary answers the hello with them). */
export async function connectWorker(): Promise<WorkerLink> {
  if (!cluster.isWorker || !process.send) throw new Error('not a cluster worker');
  const worker = Number(process.env[WORKER_SLOT_ENV] ?? cluster.worker?.id ?? 1);
  const send = (message: WorkerToPrimary) => {
    if (process.connected) process.send!(message);
  };
  let keys: Buffer | null = null;
  const keyListeners: ((keys: Buffer) => void)[] = [];
  const stopListeners: (() => void)[] = [];
  /** The primary may ask before this worker is ready (SIGTERM during start-up): remembered for onStop. */
  let stopAsked = false;
  let bus: IpcInvalidationBus | null = null;
  let nextMetrics = 1;
  /** Metric requests in flight: one per /metrics scrape, each settled within PRIMARY_ANSWER_MS. */
  const metrics = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();
  let gotKeys: () => void = () => undefined;
  const keysArrived = new Promise<void>((resolve) => (gotKeys = resolve));

  process.on('message', (message: unknown) => {
    if (!isTesseraMessage<PrimaryToWorker>(message)) return;
    switch (message.type) {
      case 'tessera:ticket-keys':
        keys = Buffer.from(message.keys, 'base64');
        for (const listener of keyListeners) listener(keys);
        gotKeys();
        break;
      case 'tessera:invalidate':
        // Before the bus exists nothing is cached yet: confirm at once.
        if (bus) bus.receive(message);
        else send({ type: 'tessera:invalidated', ref: message.ref });
        break;
      case 'tessera:invalidate-done':
        bus?.receive(message);
        break;
      case 'tessera:metrics-result': {
        const waiting = metrics.get(message.id);
        metrics.delete(message.id);
        if (message.text !== undefined) waiting?.resolve(message.text);
        else waiting?.reject(new Error(message.error ?? 'no metrics'));
        break;
      }
      case 'tessera:stop':
        stopAsked = true;
        for (const listener of stopListeners.splice(0)) listener();
        break;
    }
  });

  // Constructing one installs prom-client's answer to the primary's metric requests in this worker.
  new AggregatorRegistry();
  send({ type: 'tessera:hello' });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    keysArrived,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('the primary sent no TLS ticket keys')), PRIMARY_ANSWER_MS);
    }),
  ]);
  clearTimeout(timer);

  return {
    worker,
    ticketKeys: () => keys!,
    onTicketKeys: (listener) => keyListeners.push(listener),
    invalidationBus(logger) {
      bus = new IpcInvalidationBus({ send }, logger, worker);
      return bus;
    },
    clusterMetrics() {
      const id = nextMetrics++;
      return new Promise<string>((resolve, reject) => {
        const timeout = setTimeout(() => {
          metrics.delete(id);
          reject(new Error('the primary did not answer with the metrics'));
        }, PRIMARY_ANSWER_MS);
        metrics.set(id, {
          resolve: (text) => (clearTimeout(timeout), resolve(text)),
          reject: (err) => (clearTimeout(timeout), reject(err)),
        });
        send({ type: 'tessera:metrics', id });
      });
    },
    ready: (listeners) => send({ type: 'tessera:ready', listeners }),
    onStop(listener) {
      if (stopAsked) queueMicrotask(listener);
      else stopListeners.push(listener);
    },
  };
}
