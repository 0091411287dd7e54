/**
 * What `activate(ctx)` receives. A bundle reaches the host only through this object: it never
 * carries its own tsyringe (tsyringe keeps global state), it uses the container handed in here.
 */
import type { DependencyContainer } from 'tsyringe';
import type { CertificateValidator, ComponentKind, ComponentKinds, GrantHandler, TesseraEvent } from './extension-points.ts';
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
  replay: {
    claim(server: ServerRef, namespace: string, id: string, expiresAt: number): Promise<boolean>;
  };
  /** base64url(SHA-256(der)) */
  thumbprint(der: Uint8Array): string;
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
