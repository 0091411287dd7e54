/**
 * The primary process of `[server] workers` > 1. It serves no request itself: it forks the workers
 * (node:cluster; they share the listeners, the primary hands out connections round robin), and
 *
 * - relays cache invalidations between them (cluster IPC, core/cluster/ipc-invalidation-bus.ts):
 *   what one worker changes, every other worker forgets before the change is answered;
 * - generates the TLS session ticket keys and rotates them every TICKET_KEY_ROTATION_MS (and on
 *   SIGUSR2), so a session resumes on whichever worker the next connection reaches;
 * - aggregates /metrics (prom-client's AggregatorRegistry; every series carries a `worker` label);
 * - restarts a worker that dies, with backoff, and stops the server on a crash loop
 *   (restart-policy.ts);
 * - on SIGTERM or SIGINT tells every worker to drain, waits for them, and exits 0.
 *
 * The first worker starts alone (it migrates the store, creates the defaults, generates a missing
 * server certificate); the others start once it is ready.
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { AggregatorRegistry } from 'prom-client';
import type { Logger } from '../api/plugin-context.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import type { TesseraConfig } from '../config/schema.ts';
import { RELAY_TIMEOUT_MS } from '../cluster/ipc-invalidation-bus.ts';
import { isTesseraMessage, WORKER_SLOT_ENV, type PrimaryToWorker, type WorkerToPrimary } from '../cluster/worker-messages.ts';
import { createLogger } from '../logging/logger.ts';
import { DEFAULT_RESTART_POLICY, RestartPolicy, type RestartPolicyOptions } from './restart-policy.ts';

/** Ticket keys encrypt TLS session tickets; a rotation makes older tickets fall back to a full handshake. */
export const TICKET_KEY_ROTATION_MS = 60 * 60 * 1000;
/** Beyond the drain delay and the listeners' grace: how long a stopping worker may take before SIGKILL. */
const STOP_MARGIN_MS = 15_000;

/** The number of workers `[server] workers` asks for ("auto": one per available core). */
export function workerCount(config: TesseraConfig): number {
  return config.server.workers === 'auto' ? availableParallelism() : config.server.workers;
}

export interface SupervisorOptions {
  logger?: Logger;
  restartPolicy?: RestartPolicyOptions;
}

interface Slot {
  worker: Worker;
  ready: boolean;
}

interface Relay {
  origin: Worker;
  id: number;
  waiting: Set<Worker>;
  timer: NodeJS.Timeout;
}

/** Runs the primary until it is told to stop or gives up; resolves with the process exit code. */
export async function superviseWorkers(loaded: LoadedConfig, options: SupervisorOptions = {}): Promise<number> {
  const { config } = loaded;
  const count = workerCount(config);
  const logger = options.logger ?? (createLogger(config.logging.level).child({ role: 'primary' }) as Logger);
  const policy = new RestartPolicy(options.restartPolicy ?? DEFAULT_RESTART_POLICY);
  const aggregator = new AggregatorRegistry();
  const slots = new Map<number, Slot>();
  const relays = new Map<string, Relay>();
  const restartTimers = new Set<NodeJS.Timeout>();
  let stopping = false;
  let starting = true;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));

  let ticketKeys = randomBytes(48);
  const rotateTicketKeys = (reason: string) => {
    ticketKeys = randomBytes(48);
    for (const { worker } of slots.values()) send(worker, { type: 'tessera:ticket-keys', keys: ticketKeys.toString('base64') });
    logger.info({ reason }, `rotated the TLS session ticket keys (${reason})`);
  };
  const rotation = setInterval(() => rotateTicketKeys('hourly'), TICKET_KEY_ROTATION_MS);
  rotation.unref();
  // `kill -USR2 <primary>` rotates at once (a key thought exposed; the workers test, without waiting an hour).
  const onRotateSignal = () => rotateTicketKeys('SIGUSR2');
  process.on('SIGUSR2', onRotateSignal);

  function send(worker: Worker, message: PrimaryToWorker): void {
    if (worker.isConnected()) worker.send(message);
  }

  function slotOf(worker: Worker): number {
    for (const [slot, entry] of slots) if (entry.worker === worker) return slot;
    return 0;
  }

  function fork(slot: number): Worker {
    const worker = cluster.fork({ [WORKER_SLOT_ENV]: String(slot) });
    slots.set(slot, { worker, ready: false });
    logger.info({ worker: slot, pid: worker.process.pid }, `worker ${slot} started (pid ${worker.process.pid})`);
    worker.on('message', (message: unknown) => onMessage(worker, message));
    worker.on('exit', (code, signal) => onExit(slot, worker, code, signal));
    return worker;
  }

  function onMessage(worker: Worker, message: unknown): void {
    if (!isTesseraMessage<WorkerToPrimary>(message)) return;
    const slot = slotOf(worker);
    switch (message.type) {
      case 'tessera:hello':
        send(worker, { type: 'tessera:ticket-keys', keys: ticketKeys.toString('base64') });
        // A stop sent before the worker listened was lost: repeat it (the worker stops once, whatever it got).
        if (stopping) send(worker, { type: 'tessera:stop' });
        break;
      case 'tessera:ready': {
        const entry = slots.get(slot);
        if (entry) entry.ready = true;
        readyListeners.forEach((listener) => listener(slot, message.listeners));
        break;
      }
      case 'tessera:invalidate':
        relay(worker, message.id, message);
        break;
      case 'tessera:invalidated': {
        const pending = relays.get(message.ref);
        pending?.waiting.delete(worker);
        if (pending) settle(message.ref);
        break;
      }
      case 'tessera:metrics':
        aggregator.clusterMetrics().then(
          (text) => send(worker, { type: 'tessera:metrics-result', id: message.id, text }),
          (err: Error) => send(worker, { type: 'tessera:metrics-result', id: message.id, error: err.message }),
        );
        break;
    }
  }

  /** Hands one worker's invalidation to every other worker; the origin hears back when all have applied it. */
  function relay(origin: Worker, id: number, message: Extract<WorkerToPrimary, { type: 'tessera:invalidate' }>): void {
    const ref = `${origin.id}:${id}`;
    const waiting = new Set([...slots.values()].map((s) => s.worker).filter((w) => w !== origin && w.isConnected()));
    // Under the worker's own timeout, so the origin hears "done" rather than timing out itself.
    const timer = setTimeout(() => {
      logger.warn({ event: message.event, unanswered: [...waiting].map(slotOf) }, 'workers did not confirm a cache invalidation');
      waiting.clear();
      settle(ref);
    }, RELAY_TIMEOUT_MS / 2);
    relays.set(ref, { origin, id, waiting, timer });
    for (const worker of waiting) send(worker, { type: 'tessera:invalidate', ref, event: message.event });
    settle(ref);
  }

  function settle(ref: string): void {
    const pending = relays.get(ref);
    if (!pending || pending.waiting.size > 0) return;
    clearTimeout(pending.timer);
    relays.delete(ref);
    send(pending.origin, { type: 'tessera:invalidate-done', id: pending.id });
  }

  const readyListeners = new Set<(slot: number, listeners: { name: string; url: string }[]) => void>();
  const exitListeners = new Set<(slot: number, code: number | null, signal: string | null) => void>();

  function onExit(slot: number, worker: Worker, code: number | null, signal: string | null): void {
    for (const ref of [...relays.keys()]) {
      relays.get(ref)?.waiting.delete(worker);
      settle(ref);
    }
    const entry = slots.get(slot);
    if (entry?.worker === worker) slots.delete(slot);
    exitListeners.forEach((listener) => listener(slot, code, signal));
    if (stopping) return;
    const how = signal ? `signal ${signal}` : `exit code ${code}`;
    if (starting) {
      logger.error({ worker: slot, exitCode: code, signal }, `worker ${slot} exited (${how}) before it was ready; stopping Tessera`);
      void stop(code === 2 ? 2 : 1);
      return;
    }
    const decision = policy.onCrash(slot);
    if (decision.action === 'give-up') {
      logger.error(
        { worker: slot, exitCode: code, signal, crashes: decision.crashes, windowMs: decision.windowMs },
        `workers crash loop: ${decision.crashes} worker crashes within ${decision.windowMs / 1000} s (the last: worker ${slot}, ${how}); stopping Tessera — see the workers' errors above`,
      );
      void stop(1);
      return;
    }
    logger.error({ worker: slot, exitCode: code, signal, restartInMs: decision.delayMs }, `worker ${slot} died (${how}); restarting it in ${decision.delayMs} ms`);
    const timer = setTimeout(() => {
      restartTimers.delete(timer);
      if (!stopping) fork(slot);
    }, decision.delayMs);
    restartTimers.add(timer);
  }

  /** Resolves when the slot's worker is ready; rejects when it exits first. */
  function whenReady(slot: number): Promise<{ name: string; url: string }[]> {
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        readyListeners.delete(onReady);
        exitListeners.delete(onGone);
      };
      const onReady = (s: number, listeners: { name: string; url: string }[]) => {
        if (s === slot) (cleanup(), resolve(listeners));
      };
      const onGone = (s: number) => {
        if (s === slot) (cleanup(), reject(new Error(`worker ${slot} exited`)));
      };
      readyListeners.add(onReady);
      exitListeners.add(onGone);
    });
  }

  let stopped: Promise<void> | undefined;
  function stop(code: number): Promise<void> {
    stopped ??= (async () => {
      stopping = true;
      clearInterval(rotation);
      process.off('SIGUSR2', onRotateSignal);
      for (const timer of restartTimers) clearTimeout(timer);
      const remaining = [...slots.values()].map((s) => s.worker).filter((w) => !w.isDead());
      const exits = remaining.map((w) => new Promise<void>((resolve) => (w.isDead() ? resolve() : w.once('exit', () => resolve()))));
      for (const worker of remaining) send(worker, { type: 'tessera:stop' });
      const kill = setTimeout(() => {
        for (const worker of remaining) if (!worker.isDead()) {
          logger.error({ worker: slotOf(worker) }, 'worker did not stop in time; killing it');
          worker.process.kill('SIGKILL');
        }
      }, config.server.drain_delay_ms + STOP_MARGIN_MS);
      await Promise.all(exits);
      clearTimeout(kill);
      logger.info({ exitCode: code }, code === 0 ? 'stopped' : 'stopped after a failure');
      finish(code);
    })();
    return stopped;
  }

  const onSignal = (signal: string) => {
    if (stopping) return;
    logger.info({ signal }, `received ${signal}: draining ${slots.size} workers and stopping`);
    void stop(0);
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));

  try {
    fork(1);
    const listeners = await whenReady(1);
    const others = Array.from({ length: count - 1 }, (_, i) => i + 2);
    for (const slot of others) fork(slot);
    await Promise.all(others.map((slot) => whenReady(slot)));
    starting = false;
    const pids = [...slots.entries()].map(([slot, s]) => `${slot}:${s.worker.process.pid}`).join(' ');
    logger.info(
      { workers: count, pids: Object.fromEntries([...slots.entries()].map(([slot, s]) => [slot, s.worker.process.pid])), listeners },
      `Tessera ready with ${count} workers (${pids}): ${listeners.map((l) => `${l.name} ${l.url}`).join(', ')}`,
    );
  } catch {
    // A worker exited during start-up: onExit has logged why and is stopping the others.
  }
  return finished;
}
