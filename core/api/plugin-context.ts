/**
 * What `activate(ctx)` receives. A bundle reaches the host only through this object: typed,
 * read-only services (the host keeps its tsyringe container and store behind them), its settings,
 * a logger, and `provide()` for the components its plugin.json declares.
 */
import type { CertificateValidator, ComponentKind, ComponentKinds, GrantHandler, TesseraEvent } from './extension-points.ts';
import type { Client, RefreshTokenRecord, ServerRef } from './model.ts';
import type { X509Service } from './x509.ts';

export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

/**
 * What the core offers bundles at run time. Lookups are read-only and answer copies: changing one
 * changes nothing in the core. New services are added here (and appear in docs/plugin-api.md).
 */
export interface CoreServices {
  clients: {
    /** A copy of the client registered on that server, or null. */
    find(server: ServerRef, clientId: string): Promise<Client | null>;
  };
  tokens: {
    /** A copy of the refresh token record for a presented value (any state), or null when unknown. */
    findRefreshToken(server: ServerRef, value: string): Promise<RefreshTokenRecord | null>;
  };
  events: {
    /** Emits an audit event to every enabled EventListener (after the response; never blocks it). */
    emit(event: Omit<TesseraEvent, 'at'>): void;
  };
  /**
   * One-time values (assertion or proof `jti`): `claim` is true the first time, false for a replay
   * until `expiresAt` (epoch seconds, capped at 24 h). Stored, so every node and worker agrees.
   */
  replay: ReplayService;
  /** Fetching and caching clients' `jwks_uri` documents (https only, bounded by `[limits]`). */
  jwks: JwksService;
  /** X.509 reading: DER, certificate fields, RFC 4514 names, SANs, thumbprints, validity, path helpers. */
  x509: X509Service;
  /** base64url(SHA-256(der)), the same as `x509.thumbprint`. */
  thumbprint(der: Uint8Array): string;
  /** The server's clock: `now()` in milliseconds since the epoch. Bundles read time here, so a test that moves the server's clock moves theirs. */
  clock: { now(): number };
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
  /** `properties` of the component's `[[event_listener]]` entry (or `{}`), for every kind, grant handlers included. */
  readonly properties: Readonly<Record<string, unknown>>;
  readonly order: number;
  readonly logger: Logger;
  /** For a GrantHandler: the next member of its grant's chain (the core's handler last); absent only for a grant the core has no handler for. */
  readonly next?: GrantHandler;
  /** The grant type a GrantHandler is built for. */
  readonly grantType?: string;
  /**
   * The enabled CertificateValidator components, ordered, each with its qualified name (for the
   * log). Built before every other kind, so a ClientAuthenticator can run them on the paths it
   * validates; empty for the validators themselves and when none is enabled.
   */
  readonly certificateValidators?: readonly NamedComponent<CertificateValidator>[];
}

/** A component instance with the qualified name deployment.toml enabled it by. */
export interface NamedComponent<T> {
  readonly name: string;
  readonly instance: T;
}

export type ComponentFactory<K extends ComponentKind> = (deps: ComponentDeps) => ComponentKinds[K];

export interface PluginContext {
  /** The core API version this host implements (semver). */
  readonly apiVersion: string;
  readonly bundle: { readonly name: string; readonly version: string; readonly dir: string };
  readonly logger: Logger;
  /** The whole validated deployment configuration, frozen, with secrets (passwords, database URL) removed. */
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
