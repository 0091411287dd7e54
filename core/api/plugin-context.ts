/**
 * What `activate(ctx)` receives. A bundle reaches the host only through this object: it never
 * carries its own tsyringe (tsyringe keeps global state), it uses the container handed in here.
 */
import type { DependencyContainer } from 'tsyringe';
import type { ComponentKind, ComponentKinds, GrantHandler, TesseraEvent } from './extension-points.ts';
import type { Client, RefreshTokenRecord, ServerRef } from './model.ts';

export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/** Read access to the core's records that plugins legitimately need. */
export interface CoreServices {
  clients: {
    find(server: ServerRef, clientId: string): Promise<Client | null>;
  };
  tokens: {
    /** The refresh token record for a presented value (any state), or null when unknown. */
    findRefreshToken(server: ServerRef, value: string): Promise<RefreshTokenRecord | null>;
  };
  events: {
    emit(event: Omit<TesseraEvent, 'at'>): void;
  };
  /**
   * One-time values (assertion or proof `jti`): `claim` is true the first time, false for a replay
   * until `expiresAt` (epoch seconds, capped at 24 h). Stored, so every node and worker agrees.
   */
  replay: ReplayService;
  /** Fetching and caching clients' `jwks_uri` documents (https only, bounded by `[limits]`). */
  jwks: JwksService;
  /** base64url(SHA-256(der)) */
  thumbprint(der: Uint8Array): string;
}

export interface ReplayService {
  claim(server: ServerRef, namespace: string, id: string, expiresAt: number): Promise<boolean>;
}

/** A JWK Set as fetched: the keys are plain objects, not yet checked for any particular use. */
export interface PublicJwkSet {
  readonly keys: readonly Readonly<Record<string, unknown>>[];
}

export interface JwksCacheOptions {
  /** How long a fetched document is used before it is fetched again. */
  readonly cacheMs: number;
  /** Least time between two fetches for one client (refreshes and failures included). */
  readonly refetchIntervalMs: number;
  /** Most clients remembered (default 10 000); the oldest goes first. */
  readonly maxEntries?: number;
  /** Most keys kept of one document (default 100). */
  readonly maxKeys?: number;
  /** Extra CA certificates (PEM text) trusted next to the system roots, e.g. an internal CA. */
  readonly extraCa?: string | null;
}

export interface JwksUriLookup {
  /** The document, or null when the (last) fetch failed. */
  readonly jwks: PublicJwkSet | null;
  /** Why the (last) fetch failed. */
  readonly problem: string | null;
  /** Whether this lookup fetched the document (false: from the cache, fresh or rate-limited). */
  readonly fetched: boolean;
}

export interface JwksUriCache {
  /**
   * The document at `uri` for `client` (any stable key, e.g. tenant/server/client_id). `refresh`:
   * the cached document lacked the key or certificate presented, so fetch again if the rate limit allows.
   */
  lookup(client: string, uri: string, refresh?: boolean): Promise<JwksUriLookup>;
}

export interface JwksService {
  /** A cache of its own for a component (each sets its freshness); the fetch rules are the core's. */
  cache(options: JwksCacheOptions): JwksUriCache;
}

/** What a component factory gets when the core builds the component. */
export interface ComponentDeps {
  /** `properties` of the component's `[[event_listener]]` entry (or `{}`). */
  readonly properties: Readonly<Record<string, unknown>>;
  readonly order: number;
  readonly logger: Logger;
  /** For a GrantHandler override: the handler it replaces (composition, not copying). */
  readonly next?: GrantHandler;
  /** The grant type a GrantHandler is built for. */
  readonly grantType?: string;
}

export type ComponentFactory<K extends ComponentKind> = (deps: ComponentDeps) => ComponentKinds[K];

export interface PluginContext {
  /** The core API version this host implements (semver). */
  readonly apiVersion: string;
  readonly bundle: { readonly name: string; readonly version: string; readonly dir: string };
  /** The host's container; bundles resolve shared services from it and never bring their own. */
  readonly container: DependencyContainer;
  readonly logger: Logger;
  /** The whole validated deployment configuration, read-only. */
  readonly config: Readonly<Record<string, unknown>>;
  /** This bundle's own section, `[plugins.<bundle name>]`, unvalidated: the bundle checks it. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly services: CoreServices;
  /** Provide the implementation of a component the manifest declares. */
  provide<K extends ComponentKind>(kind: K, name: string, factory: ComponentFactory<K>): void;
}

/** The module a bundle's entry file must be. */
export interface PluginModule {
  activate(ctx: PluginContext): void | Promise<void>;
  deactivate?(): void | Promise<void>;
}

/**
 * Names of the host services registered in the container handed to bundles
 * (`ctx.container.resolve(SERVICE_TOKENS.Store)`); plain strings so a bundle needs no host import.
 */
export const SERVICE_TOKENS = {
  Config: 'tessera.Config',
  Logger: 'tessera.Logger',
  Store: 'tessera.Store',
  Tokens: 'tessera.TokenService',
  Users: 'tessera.UserService',
  Events: 'tessera.EventBus',
  Certificates: 'tessera.ClientCertificateService',
} as const;
