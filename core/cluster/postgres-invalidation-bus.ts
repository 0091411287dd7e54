/**
 * The invalidation bus over PostgreSQL LISTEN/NOTIFY, channel `tessera_invalidate`.
 *
 * - One dedicated connection per node LISTENs (a pooled connection cannot: it is handed around).
 *   When it drops, it reconnects with backoff; every successful LISTEN delivers `{ scope: 'all' }`
 *   locally, since events sent while it was away are lost. A heartbeat notices a connection that
 *   died silently (no RST), so a partition costs at most HEARTBEAT_MS + HEARTBEAT_TIMEOUT_MS.
 * - Publishing goes through a one-connection pool, independent of the listener's state.
 *   `pg_notify` outside a transaction is delivered after the change it describes has committed
 *   (the caller publishes after its write returned), so a receiver that reloads sees the change.
 * - Payload: `{"v":1,"s":<deployment scope>,"n":<node id>,"k":<scope>,"t":<tenant>,"a":<server>}`.
 *   NOTIFY channels are per database, not per schema: deployments sharing one database in several
 *   schemas (and parallel test runs) see each other's events and drop those of another scope.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../api/plugin-context.ts';
import { InvalidationListeners, type Invalidation, type InvalidationBus, type InvalidationListener, type InvalidationScope } from './invalidation-bus.ts';

export const INVALIDATION_CHANNEL = 'tessera_invalidate';

const SCOPES: ReadonlySet<string> = new Set<InvalidationScope>(['server', 'keys', 'clients', 'users']);
const ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface PostgresInvalidationOptions {
  /** postgres:// URL of the database the store uses. */
  url: string;
  /** Separates deployments sharing one database: the store's schema ('' for the default). */
  scope: string;
  logger: Logger;
  /** Default: a random UUID. */
  nodeId?: string;
  /** Reconnect backoff, doubling from min to max. Default 100 ms .. 5 s. */
  reconnectDelayMs?: { min: number; max: number };
  /** Default 10 s; the heartbeat query's timeout is 5 s. */
  heartbeatMs?: number;
}

const HEARTBEAT_MS = 10_000;
const HEARTBEAT_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 5_000;

interface Payload {
  v: 1;
  s: string;
  n: string;
  k: string;
  t?: string;
  a?: string;
}

export class PostgresInvalidationBus implements InvalidationBus {
  readonly nodeId: string;
  private readonly listeners: InvalidationListeners;
  private readonly publisher: pg.Pool;
  private listener: pg.Client | null = null;
  private closed = false;
  private delayMs: number;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly heartbeat: NodeJS.Timeout;
  private listening: (() => void) | null = null;

  private constructor(private readonly options: PostgresInvalidationOptions) {
    this.nodeId = options.nodeId ?? randomUUID();
    this.listeners = new InvalidationListeners(options.logger);
    this.delayMs = this.backoff.min;
    this.publisher = new pg.Pool({
      connectionString: options.url,
      max: 1,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'tessera-invalidation',
    });
    // Failures reach publish() through its query; an idle client's error needs no handling.
    this.publisher.on('error', () => undefined);
    this.heartbeat = setInterval(() => void this.checkListener(), options.heartbeatMs ?? HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /**
   * Starts listening. Waits for the first LISTEN; if it fails, start-up goes on (the store itself
   * was just reached, so this is transient) and the bus keeps retrying in the background.
   */
  static async open(options: PostgresInvalidationOptions): Promise<PostgresInvalidationBus> {
    const bus = new PostgresInvalidationBus(options);
    await bus.connect();
    return bus;
  }

  /** Resolves when the listener is connected (tests, and callers that need the channel up). */
  whenListening(): Promise<void> {
    if (this.listener) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.listening;
      this.listening = () => {
        previous?.();
        resolve();
      };
    });
  }

  /** The PostgreSQL backend pid of the listening connection, null while disconnected (diagnostics, tests). */
  get listenerPid(): number | null {
    return (this.listener as (pg.Client & { processID?: number }) | null)?.processID ?? null;
  }

  async publish(event: Invalidation): Promise<void> {
    this.listeners.deliver(event);
    if (this.closed) return;
    const payload: Payload = { v: 1, s: this.options.scope, n: this.nodeId, k: event.scope };
    if (event.scope !== 'all') Object.assign(payload, { t: event.tenantId, a: event.serverId });
    try {
      await this.publisher.query('select pg_notify($1, $2)', [INVALIDATION_CHANNEL, JSON.stringify(payload)]);
    } catch (err) {
      this.options.logger.warn({ err: (err as Error).message, event }, 'could not tell the other nodes about a change; their caches expire on their own');
    }
  }

  subscribe(listener: InvalidationListener): () => void {
    return this.listeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.reconnectTimer);
    this.listeners.clear();
    const client = this.listener;
    this.listener = null;
    await Promise.all([client ? endQuietly(client) : undefined, this.publisher.end().catch(() => undefined)]);
  }

  private get backoff(): { min: number; max: number } {
    return this.options.reconnectDelayMs ?? { min: 100, max: 5_000 };
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({
      connectionString: this.options.url,
      application_name: 'tessera-invalidation',
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      keepAlive: true,
    });
    client.on('notification', (message) => this.onNotification(message));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
      await client.query(`listen ${INVALIDATION_CHANNEL}`);
    } catch (err) {
      void endQuietly(client);
      this.options.logger.warn({ err: (err as Error).message, retryInMs: this.delayMs }, 'cache invalidation channel: cannot listen; retrying');
      this.scheduleReconnect();
      return;
    }
    if (this.closed) {
      await endQuietly(client);
      return;
    }
    this.listener = client;
    this.delayMs = this.backoff.min;
    this.options.logger.debug({ channel: INVALIDATION_CHANNEL, nodeId: this.nodeId }, 'cache invalidation channel listening');
    // Whatever changed while nobody listened on this node is unknown: forget everything.
    this.listeners.deliver({ scope: 'all' });
    const waiting = this.listening;
    this.listening = null;
    waiting?.();
  }

  private lost(client: pg.Client, err: Error | null): void {
    if (this.listener !== client) return;
    this.listener = null;
    void endQuietly(client);
    if (this.closed) return;
    this.options.logger.warn({ err: err?.message ?? 'connection ended' }, 'cache invalidation channel lost; reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.delayMs * 2, this.backoff.max);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  private async checkListener(): Promise<void> {
    const client = this.listener;
    if (!client) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        client.query('select 1'),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('heartbeat timed out')), HEARTBEAT_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      this.lost(client, err as Error);
    } finally {
      clearTimeout(timer);
    }
  }

  private onNotification(message: pg.Notification): void {
    if (message.channel !== INVALIDATION_CHANNEL || !message.payload) return;
    const event = this.parse(message.payload);
    if (event) this.listeners.deliver(event);
  }

  /** The event in a payload of this deployment from another node; null for anything else. */
  private parse(text: string): Invalidation | null {
    let payload: Partial<Payload>;
    try {
      payload = JSON.parse(text) as Partial<Payload>;
    } catch {
      return null;
    }
    if (payload.v !== 1 || payload.s !== this.options.scope || payload.n === this.nodeId) return null;
    if (payload.k === 'all') return { scope: 'all' };
    if (typeof payload.k !== 'string' || !SCOPES.has(payload.k)) return null;
    if (typeof payload.t !== 'string' || typeof payload.a !== 'string' || !ID.test(payload.t) || !ID.test(payload.a)) return null;
    return { scope: payload.k as InvalidationScope, tenantId: payload.t, serverId: payload.a };
  }
}

/** Ends a client without waiting on a dead socket forever. */
async function endQuietly(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.end().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 1_000);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}
