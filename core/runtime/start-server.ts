/**
 * Start-up, in order: configuration → logger → store (migrated) → cache invalidation channel →
 * default tenant, server and super admin → plugin bundles → HTTP app → listeners → sweeper.
 * `stop()` drains in-flight requests.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import type { Server as TlsServer } from 'node:tls';
import { join, resolve } from 'node:path';
import { container as rootContainer } from 'tsyringe';
import type { Hono } from 'hono';
import type { Logger } from '../api/plugin-context.ts';
import { SERVICE_TOKENS } from '../plugins/service-tokens.ts';
import { pluginServices } from '../plugins/plugin-services.ts';
import { DEFAULT_CONFIG_FILE, formatIssue, loadConfig, type LoadedConfig } from '../config/load-config.ts';
import type { TesseraConfig } from '../config/schema.ts';
import { composeApp } from './compose-app.ts';
import type { TesseraEnv } from '../http/hono-env.ts';
import { createLogger } from '../logging/logger.ts';
import { ClientAuthentication } from '../oauth/client-auth/client-authentication.ts';
import { buildExtensionSet } from '../plugins/extension-set.ts';
import { loadPlugins, type LoadedPlugins } from '../plugins/plugin-loader.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/repositories.ts';
import { SigningKeys } from '../tokens/signing-keys.ts';
import { TokenService } from '../tokens/token-service.ts';
import { ClientCertificateService } from '../transport/client-certificate-service.ts';
import { drainListener, startListener, type ListenerSpec, type RunningListener } from '../transport/listeners.ts';
import { loadServerKeystore } from '../transport/server-keystore.ts';
import { TrustedProxies } from '../transport/trusted-proxies.ts';
import { UserService } from '../users/user-service.ts';
import { CredentialCache } from '../users/credential-cache.ts';
import { builtinComponents } from './builtin-components.ts';
import type { CoreRuntime } from './core-runtime.ts';
import { EventBus } from '../events/event-bus.ts';
import { epochSeconds, systemClock, type Clock } from '../time/clock.ts';
import { RecentEvents } from '../observability/recent-events.ts';
import { ensureDefaults } from './default-records.ts';
import { createPrivateDir, warnAboutSharedEntries, warnAboutSharedFile } from '../files/private-files.ts';
import { KeyWrapError, KeyWrapper } from '../crypto/key-wrapping.ts';
import { ConfigError } from '../config/config-error.ts';
import { isLoopbackHost, refuseExposedDefaultAdmin } from './exposed-default-admin.ts';
import { metricsApp, metricsListenerAddress } from '../observability/metrics-listener.ts';
import { storeStack } from './store-stack.ts';
import { ServerDirectory } from '../servers/server-directory.ts';
import { DEFAULT_SERVER } from '../servers/server-context.ts';
import { Metrics } from '../observability/metrics.ts';
import type { GrantDependencies } from '../oauth/grants/grant-dependencies.ts';
import { LocalInvalidationBus, type InvalidationBus } from '../cluster/invalidation-bus.ts';
import { PostgresInvalidationBus } from '../cluster/postgres-invalidation-bus.ts';
import { CombinedInvalidationBus } from '../cluster/ipc-invalidation-bus.ts';
import { AggregatorRegistry } from 'prom-client';
import type { WorkerLink } from './worker-link.ts';

export interface StartOptions {
  /** Path of deployment.toml; default ./deployment.toml. Ignored when `loaded` is given. */
  configFile?: string;
  loaded?: LoadedConfig;
  /** Overrides `[server] dropins_dir` (default: `dropins/` next to the project's package.json). */
  dropinsDir?: string;
  logger?: Logger;
  /** The server's time; default the process clock. Tests pass a TestClock and advance it. */
  clock?: Clock;
  /** Mount more routes (admin API, metrics, playground) before the catch-all server routes. */
  mount?: (app: Hono<TesseraEnv>, runtime: CoreRuntime) => void;
  /** Set in a worker of `[server] workers` > 1 (runtime/worker-main.ts): the link to the primary. */
  worker?: WorkerLink;
}

export interface RunningTessera {
  runtime: CoreRuntime;
  plugins: LoadedPlugins;
  listeners: RunningListener[];
  /** Base URL of the main listener (public_url when set). */
  baseUrl: string;
  url(name: RunningListener['name']): string;
  /**
   * Drains: /health answers 503 {"status":"draining"} at once, requests are still served for
   * `[server] drain_delay_ms`, then the listeners stop accepting and in-flight requests finish
   * (up to `graceMs`). See transport/listeners.ts for how keep-alive connections end.
   */
  stop(graceMs?: number): Promise<void>;
}

export const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');

/** `[server] dropins_dir` (already absolute, resolved against the config file's folder), else the installation's. */
export function dropinsDirOf(config: TesseraConfig): string {
  return config.server.dropins_dir || join(PROJECT_ROOT, 'dropins');
}

export async function startServer(options: StartOptions = {}): Promise<RunningTessera> {
  const loaded = options.loaded ?? loadConfig(options.configFile);
  const { config } = loaded;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logging.level, undefined, config.logging.format);
  // `key` is a redacted field name in logs (private keys), so the setting's name travels as `setting`.
  for (const warning of loaded.warnings) logger.warn({ config: { setting: warning.key, file: warning.file, line: warning.line } }, formatIssue(warning));

  createPrivateDir(config.server.data_dir);
  warnAboutSharedEntries(config.server.data_dir, logger);
  // One wrapper for the signing keys and the client_secret_jwt secrets; a bad file stops start-up here.
  const wrapper = keyWrapper(config, loaded.file, logger);
  const database = await openStore({
    url: config.database.url || null,
    sqliteFile: config.database.sqlite_file,
    schema: config.database.schema || undefined,
    poolSize: config.database.pool_size,
  });
  let listeners: RunningListener[] = [];
  let sweeper: NodeJS.Timeout | undefined;
  let invalidation: InvalidationBus | undefined;
  try {
    // Listening before anything is cached, so no change made by another node meanwhile is missed.
    invalidation = await openInvalidationBus(config, database.kind, logger, options.worker);
    return await assemble(invalidation, storeStack(database, invalidation, clock, wrapper, logger));
  } catch (err) {
    for (const listener of listeners) await drainListener(listener, 0);
    if (sweeper) clearInterval(sweeper);
    await invalidation?.close();
    await database.close();
    throw err;
  }

  async function assemble(invalidation: InvalidationBus, store: Store): Promise<RunningTessera> {
    const users = new UserService(store, { maxAttempts: config.limits.login_max_attempts, lockoutSeconds: config.limits.login_lockout_seconds }, clock);
    refuseExposedDefaultAdmin(config, await ensureDefaults(store, users, config, logger), loaded.file);

    // One child container per running server: several servers in one process (tests) stay apart.
    const container = rootContainer.createChildContainer();
    const metrics = new Metrics();
    const worker = options.worker;
    if (worker) {
      // Every worker's series apart, and the primary collects them all for any worker's /metrics.
      metrics.registry.setDefaultLabels({ worker: String(worker.worker) });
      AggregatorRegistry.setRegistries([metrics.registry]);
    }
    const recentEvents = new RecentEvents();
    const events = new EventBus(logger, [(event) => metrics.onEvent(event), (event) => recentEvents.record(event)], clock, worker?.worker);
    const keys = new SigningKeys(store, wrapper, clock);
    const adminCredentials = new CredentialCache(undefined, undefined, () => clock.now());
    invalidation.subscribe((event) => {
      // A user changed on some node (the super admin's password is re-applied from deployment.toml
      // at start): what was verified may no longer hold.
      if (event.scope === 'all' || event.scope === 'users' || event.scope === 'server') adminCredentials.clear();
      if (event.scope === 'all') keys.forget();
      else if (event.scope === 'server' || event.scope === 'keys') keys.forget(event);
    });
    // A stored key this node cannot unwrap stops start-up with the setting to fix, not the first token.
    await keys.checkReadable(DEFAULT_SERVER).catch((err: unknown) => {
      throw err instanceof KeyWrapError ? keyFileError(loaded.file, err.message) : err;
    });
    // Signing keys exist from the first start on, not from the first token (issue #3).
    await keys.ensureKeys(DEFAULT_SERVER);
    const tokens = new TokenService(
      store,
      keys,
      { accessToken: config.oauth.access_token_lifetime, refreshToken: config.oauth.refresh_token_lifetime, idToken: config.oauth.id_token_lifetime, clockSkew: config.oauth.clock_skew },
      { accessToken: config.oauth.access_token_signing_alg, idToken: config.oauth.id_token_signing_alg },
      clock,
    );
    const trustedProxies = new TrustedProxies(config.transport.http.trusted_proxies);
    const certificates = new ClientCertificateService({
      header: config.oauth.mutualtls.client_certificate_header.toLowerCase(),
      maxBytes: config.oauth.mutualtls.max_certificate_bytes,
      trustedProxies,
      logger,
    });
    for (const [token, value] of Object.entries({
      [SERVICE_TOKENS.Config]: config, [SERVICE_TOKENS.Logger]: logger, [SERVICE_TOKENS.Store]: store, [SERVICE_TOKENS.Tokens]: tokens,
      [SERVICE_TOKENS.Users]: users, [SERVICE_TOKENS.Events]: events, [SERVICE_TOKENS.Certificates]: certificates, [SERVICE_TOKENS.Clock]: clock,
    })) container.register(token, { useValue: value });

    const grantDeps: GrantDependencies = {
      store, tokens, users, events, clock,
      settings: { defaultScopes: config.oauth.default_scopes, allowPlainPkce: config.oauth.allow_plain_pkce, requirePkceForPublicClients: config.oauth.require_pkce_for_public_clients },
    };
    const plugins = await loadPlugins({
      dropinsDir: options.dropinsDir ?? dropinsDirOf(config),
      activation: { eventListeners: config.event_listener, grantTypes: config.oauth.grant_type, where: loaded.where },
      builtins: builtinComponents(() => grantDeps),
      logger,
      // Typed, read-only facades over the container: bundles never hold the raw store.
      services: pluginServices(container),
      config: config as unknown as Record<string, unknown>,
      pluginSettings: config.plugins,
    });
    const extensions = buildExtensionSet(plugins, config.oauth.grant_type, logger);
    events.setListeners(extensions.eventListeners);

    let baseUrl = config.server.public_url.replace(/\/$/, '');
    let mtlsBaseUrl: string | null = null;
    const servers = new ServerDirectory(store, () => baseUrl, config.oauth.access_token_format, () => mtlsBaseUrl, clock);
    invalidation.subscribe((event) => {
      if (event.scope === 'all') servers.clear();
      else if (event.scope === 'server') servers.forget(event);
    });
    const runtime: CoreRuntime = {
      config, logger, store, keys, tokens, users, events, extensions, certificates, trustedProxies, servers, invalidation, adminCredentials, recentEvents, clock,
      clientAuth: new ClientAuthentication(store, extensions.clientAuthenticators, events),
    };
    let draining = false;
    const app = composeApp(runtime, {
      metrics,
      // A worker that does not answer the primary (starting, dying) fails the aggregation: this worker's own series then.
      metricsText: worker
        ? () =>
            worker.clusterMetrics().catch((err: Error) => {
              logger.warn({ err: err.message }, 'could not collect the metrics of every worker; answering with this worker\'s own');
              return metrics.registry.metrics();
            })
        : undefined,
      mount: options.mount ? (a) => options.mount!(a, runtime) : undefined,
      health: () => storeHealth(store),
      bundles: enabledBundles(plugins),
      draining: () => draining,
    });

    listeners = await openListeners(app, config, logger, worker?.ticketKeys());
    if (worker) {
      // node:cluster hands a worker the ticket keys of the first worker that listened on the port
      // (so a replaced worker would get stale ones): the primary's current keys win, now and on rotation.
      const applyTicketKeys = (keys: Buffer) => {
        for (const listener of listeners) if (listener.name !== 'http' && listener.name !== 'metrics') (listener.server as unknown as TlsServer).setTicketKeys(keys);
      };
      applyTicketKeys(worker.ticketKeys());
      worker.onTicketKeys((keys) => {
        applyTicketKeys(keys);
        logger.info({}, 'TLS session ticket keys replaced by the primary\'s');
      });
    }
    const metricsAt = metricsListenerAddress(config.observability.metrics_listener);
    if (metricsAt) {
      // Last, so listeners[0] stays the main one.
      listeners.push(await startListener(metricsApp(metrics), { name: 'metrics', ...metricsAt, ...listenerLimits(config) }, metricsAt.host.includes(':') ? `[${metricsAt.host}]` : metricsAt.host));
    }
    const main = listeners[0];
    if (!baseUrl) baseUrl = main.url;
    mtlsBaseUrl = listeners.find((l) => l.name === 'mtls')?.url ?? null;
    // One sweeper per machine is enough: the first worker's.
    if (!worker || worker.worker === 1) sweeper = startSweeper(store, config, logger, clock);

    const urls = listeners.map((l) => `${l.name} ${l.url}`).join(', ');
    // Started in a folder without deployment.toml and without --config: say so where everyone looks.
    const configNote = loaded.file === null ? `; no ${DEFAULT_CONFIG_FILE} in ${loaded.dir}: all defaults (tessera start --config FILE)` : '';
    logger.info(
      { listeners: listeners.map((l) => ({ name: l.name, url: l.url })), config: loaded.file, bundles: plugins.bundles.map((b) => `${b.name}@${b.version ?? '?'}:${b.status}`) },
      `Tessera ready: ${urls}; discovery ${baseUrl}/.well-known/openid-configuration; home ${baseUrl}/${configNote}`,
    );

    let stopping: Promise<void> | undefined;
    return {
      runtime,
      plugins,
      listeners,
      baseUrl,
      url: (name) => listeners.find((l) => l.name === name)?.url ?? '',
      stop(graceMs = 10_000) {
        stopping ??= (async () => {
          draining = true;
          const delay = config.server.drain_delay_ms;
          if (delay > 0) {
            logger.info({ drainDelayMs: delay }, `draining: /health answers 503; still serving for ${delay} ms`);
            await new Promise((resolve) => setTimeout(resolve, delay));
          }
          clearInterval(sweeper);
          await Promise.all(listeners.map((l) => drainListener(l, graceMs, { keepIdle: delay > 0 })));
          await plugins.deactivate();
          await invalidation.close();
          await store.close();
          container.dispose?.();
        })();
        return stopping;
      },
    };
  }
}

/** The wrapper of `[server] key_encryption_key_file`, or null when it is not set. */
function keyWrapper(config: TesseraConfig, file: string | null, logger: Logger): KeyWrapper | null {
  const keyFile = config.server.key_encryption_key_file;
  if (!keyFile) return null;
  warnAboutSharedFile(keyFile, logger);
  try {
    return KeyWrapper.fromFile(keyFile);
  } catch (err) {
    throw err instanceof KeyWrapError ? keyFileError(file, err.message) : err;
  }
}

function keyFileError(file: string | null, message: string): ConfigError {
  return new ConfigError([{ key: 'server.key_encryption_key_file', file: file ?? 'deployment.toml', line: null, message }]);
}

function listenerLimits(config: TesseraConfig) {
  const { https } = config.transport;
  return { requestTimeoutMs: https.request_timeout_ms, keepAliveTimeoutMs: https.keep_alive_timeout_ms, maxHeaderBytes: config.limits.max_header_bytes };
}

async function openListeners(app: Hono<TesseraEnv>, config: TesseraConfig, logger: Logger, ticketKeys?: Buffer): Promise<RunningListener[]> {
  const { https, http } = config.transport;
  const common = listenerLimits(config);
  // A wildcard bind is named by the host name; so is a loopback HTTPS bind (the default), whose
  // generated certificate names the host name, not the address.
  const hostForUrl = (host: string, tls: boolean) =>
    host === '0.0.0.0' || host === '::' || (tls && isLoopbackHost(host)) ? config.server.hostname : host;
  const specs: ListenerSpec[] = [];
  if (https.enabled) {
    const keystore = await loadServerKeystore({ certFile: https.cert_file, keyFile: https.key_file, dataDir: config.server.data_dir, hostname: config.server.hostname });
    if (keystore.generated) logger.warn({ certFile: keystore.certFile }, `generated a self-signed server certificate at ${keystore.certFile}; configure transport.https cert_file/key_file for production`);
    const ca = https.truststore ? readFileSync(https.truststore, 'utf8') : undefined;
    specs.push({ name: 'https', host: https.host, port: https.port, tls: { cert: keystore.cert, key: keystore.key, clientAuth: https.clientAuth, ca, ticketKeys }, ...common });
    if (config.oauth.mutualtls.endpoint_alias_port) {
      specs.push({ name: 'mtls', host: https.host, port: config.oauth.mutualtls.endpoint_alias_port, tls: { cert: keystore.cert, key: keystore.key, clientAuth: 'want', ca, ticketKeys }, ...common });
    }
  }
  if (http.enabled) specs.push({ name: 'http', host: http.host, port: http.port, ...common });
  const started: RunningListener[] = [];
  for (const spec of specs) started.push(await startListener(app, spec, hostForUrl(spec.host, spec.name !== 'http')));
  return started;
}

function startSweeper(store: Store, config: TesseraConfig, logger: Logger, clock: Clock): NodeJS.Timeout {
  const timer = setInterval(() => {
    store.sweepExpired(epochSeconds(clock)).then(
      (count) => count > 0 && logger.debug({ count }, 'swept expired rows'),
      (err: Error) => logger.warn({ err: err.message }, 'sweep failed'),
    );
  }, config.oauth.sweep_interval * 1000);
  timer.unref();
  return timer;
}

/**
 * LISTEN/NOTIFY between the nodes sharing a PostgreSQL store; cluster IPC through the primary
 * between the workers of one machine (on SQLite as on PostgreSQL); in-process for one process on SQLite.
 */
async function openInvalidationBus(config: TesseraConfig, kind: Store['kind'], logger: Logger, worker?: WorkerLink): Promise<InvalidationBus> {
  const machine = worker?.invalidationBus(logger);
  if (kind !== 'postgres') return machine ?? new LocalInvalidationBus(logger);
  const nodes = await PostgresInvalidationBus.open({ url: config.database.url, scope: config.database.schema, logger });
  return machine ? new CombinedInvalidationBus([machine, nodes]) : nodes;
}

/** Bundles with at least one enabled component, and those components: what the landing page lists. */
function enabledBundles(plugins: LoadedPlugins) {
  return plugins.bundles
    .map((b) => ({ name: b.name, version: b.version, components: b.components.filter((c) => c.enabled).map((c) => c.name) }))
    .filter((b) => b.components.length > 0);
}

async function storeHealth(store: Store) {
  try {
    await store.ping();
    return { ok: true, details: { store: { kind: store.kind, status: 'up' } } };
  } catch (err) {
    return { ok: false, details: { store: { kind: store.kind, status: 'down', error: (err as Error).message } } };
  }
}
