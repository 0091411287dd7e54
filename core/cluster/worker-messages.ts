/**
 * What the primary and its workers (`[server] workers` > 1, node:cluster) say to each other over the
 * cluster's IPC channel. Every message has a `type` starting with `tessera:`, so messages of other
 * libraries on the same channel (prom-client's metric requests) pass by untouched.
 */
import type { Invalidation } from './invalidation-bus.ts';

export type PrimaryToWorker =
  /** The TLS session ticket keys every worker uses (48 bytes, base64), so a session resumes on any worker. */
  | { type: 'tessera:ticket-keys'; keys: string }
  /** Another worker changed something this worker may cache; answer with `tessera:invalidated`. */
  | { type: 'tessera:invalidate'; ref: string; event: Invalidation }
  /** Every other worker has applied the invalidation numbered `id` (or did not answer in time). */
  | { type: 'tessera:invalidate-done'; id: number }
  | { type: 'tessera:metrics-result'; id: number; text?: string; error?: string }
  /** Drain and exit 0 (the primary got SIGTERM or SIGINT). */
  | { type: 'tessera:stop' };

export type WorkerToPrimary =
  /** Listening: send the ticket keys (a message sent before the worker listens would be lost). */
  | { type: 'tessera:hello' }
  | { type: 'tessera:ready'; listeners: { name: string; url: string }[] }
  | { type: 'tessera:invalidate'; id: number; event: Invalidation }
  | { type: 'tessera:invalidated'; ref: string }
  /** The aggregated /metrics of every worker. */
  | { type: 'tessera:metrics'; id: number };

export function isTesseraMessage<T extends { type: string }>(message: unknown): message is T {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string' && (message as { type: string }).type.startsWith('tessera:');
}

/** Environment variable naming a worker's slot (1..n): stable across restarts, so logs and metric labels are too. */
export const WORKER_SLOT_ENV = 'TESSERA_WORKER';
