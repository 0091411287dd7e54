/**
 * The extension points a bundle can fill. Each component is ordered by `order` (lower runs first)
 * and switched by `enable` in deployment.toml (`[[event_listener]]` or `grant_handler`).
 */
import type { AccessTokenRecord, Client, Confirmation, RefreshTokenRecord, ServerContext, ServerRef } from './model.ts';

/** A client certificate as the core certificate service found it. */
export interface ClientCertificate {
  /** DER of the end-entity certificate. */
  readonly der: Uint8Array;
  /**
   * DER of further certificates the client sent (intermediates), leaf excluded. From a TLS socket
   * this is read on first access (reading it costs OpenSSL a decode per certificate): read it only
   * when the leaf alone does not decide.
   */
  readonly chain: readonly Uint8Array[];
  /** `tls`: the HTTPS socket; `header`: the configured header, from a trusted proxy. */
  readonly source: 'tls' | 'header';
  /** base64url(SHA-256(DER)) — RFC 8705 §3.1 `x5t#S256`. */
  readonly thumbprint: string;
}

/** What the certificate service found: a certificate, or why there is none usable. */
export type CertificateResult =
  | { readonly certificate: ClientCertificate; readonly problem?: undefined }
  | { readonly certificate: null; readonly problem: string | null };

/** A framework-neutral view of the HTTP request, enough for every extension point. */
export interface RequestInfo {
  readonly method: string;
  readonly path: string;
  header(name: string): string | undefined;
  /** The peer address of the TCP connection (the proxy's when one is in front). */
  readonly remoteAddress: string;
  /**
   * The client's address: `remoteAddress`, or when that peer is a trusted proxy
   * (transport.http.trusted_proxies), the nearest address in X-Forwarded-For that is not one.
   */
  readonly clientAddress: string;
  /** The certificate the client presented (socket or trusted header), or why none is usable. */
  readonly clientCertificate: CertificateResult;
}

/** Credentials as the core parsed them from Basic and the form body. */
export interface PresentedCredentials {
  readonly clientId: string | null;
  /** From `Authorization: Basic`. */
  readonly basicSecret: string | null;
  /** From the form body `client_secret`. */
  readonly postSecret: string | null;
  /** `client_assertion` present (not supported by the core; reported as a method in use). */
  readonly assertion: string | null;
}

export interface ClientAuthRequest extends ServerRef {
  readonly request: RequestInfo;
  readonly credentials: PresentedCredentials;
  /** The endpoint asking: token, introspection, revocation. */
  readonly endpoint: 'token' | 'introspection' | 'revocation';
}

export interface ClientAuthResult {
  readonly method: string;
  /** Set when the client proved possession of this certificate (mTLS methods). */
  readonly certificate?: ClientCertificate;
}

/**
 * RFC 6749 §2.3 / RFC 8705 §2 client authentication for the methods it names.
 * The core picks the one authenticator that owns the client's registered method; for a client with
 * no registered method, the first (by order) whose `detect` answers takes the request.
 */
export interface ClientAuthenticator {
  readonly methods: readonly string[];
  /** For clients without a registered method: the method this request uses, or null. */
  detect(req: ClientAuthRequest, client: Client): string | null;
  /** Throws `InvalidClient` (with an operator `reason`) when the client is not authenticated. */
  authenticate(req: ClientAuthRequest, client: Client, method: string): Promise<ClientAuthResult>;
}

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  [member: string]: unknown;
}

/** What a grant handler works on. Handlers wrapping a default may set `confirmation` before `next`. */
export interface GrantContext extends ServerRef {
  readonly server: ServerContext;
  readonly grantType: string;
  readonly params: Readonly<Record<string, string>>;
  readonly client: Client;
  readonly clientAuth: ClientAuthResult;
  readonly request: RequestInfo;
  /** Bind the tokens this grant issues (RFC 7800 `cnf`); the core stores it and puts it in JWTs. */
  confirmation: Confirmation | null;
  /**
   * Confirmation members the handler chain has verified against the presented proof. The core refuses
   * to refresh a bound refresh token unless every member of its `cnf` is listed here (fail closed).
   */
  readonly verifiedConfirmations: Set<string>;
}

export interface GrantHandler {
  handle(ctx: GrantContext): Promise<TokenResponse>;
}

export interface IntrospectionContext extends ServerRef {
  readonly request: RequestInfo;
  /** The active access token, stored or decoded; null when the token is not one. */
  readonly token: AccessTokenRecord | null;
  /**
   * The active refresh token, when that is what was introspected (then `token` is null). Only the
   * client it was issued to and the super admin see one active; data providers are not called for it.
   */
  readonly refreshToken: RefreshTokenRecord | null;
}

/** Adds members to the RFC 7662 response of an active token. */
export interface IntrospectionDataProvider {
  provide(ctx: IntrospectionContext & { token: AccessTokenRecord }): Record<string, unknown> | Promise<Record<string, unknown>>;
}

/** Rewrites the RFC 7662 response (active or not) before it is sent. */
export interface IntrospectionInterceptor {
  intercept(response: Record<string, unknown>, ctx: IntrospectionContext): Record<string, unknown> | Promise<Record<string, unknown>>;
}

export interface MetadataContext extends ServerRef {
  readonly issuer: string;
  /** Base URL of the server's endpoints on the main listener, e.g. `https://host:9443/oauth2`. */
  readonly endpointBase: string;
  /** Base of the mTLS endpoint aliases (RFC 8705 §5), or null when no alias listener runs. */
  readonly mtlsEndpointBase: string | null;
}

/** Adds or rewrites discovery members (RFC 8414 / OpenID Connect Discovery). */
export interface MetadataContributor {
  contribute(metadata: Record<string, unknown>, ctx: MetadataContext): void;
}

/**
 * Checks a presented access token at a protected resource (userinfo, or a route using the core's
 * bearer check). Throws `InvalidToken` to refuse. `confirmationMethods` names the `cnf` members it
 * verifies: a token bound by a member no enabled validator verifies is refused (fail closed).
 */
export interface ProtectedResourceValidator {
  readonly confirmationMethods: readonly string[];
  validate(token: AccessTokenRecord, request: RequestInfo): void | Promise<void>;
}

export type TesseraEventType =
  | 'client.authentication.succeeded'
  | 'client.authentication.failed'
  | 'user.login.succeeded'
  | 'user.login.failed'
  | 'token.issued'
  | 'token.refreshed'
  | 'token.revoked'
  | 'token.reuse_detected'
  | 'admin.changed';

export interface TesseraEvent extends Partial<ServerRef> {
  readonly type: TesseraEventType;
  readonly at: number;
  readonly clientId?: string;
  readonly method?: string;
  readonly username?: string;
  readonly certificateThumbprint?: string;
  readonly reason?: string;
  /** The client's address (RequestInfo.clientAddress: through trusted proxies, not the proxy's). */
  readonly remoteAddress?: string;
  readonly details?: Readonly<Record<string, unknown>>;
  /** The worker process (`[server] workers` > 1, slot 1..n) that handled the request; absent with one process. */
  readonly worker?: number;
}

/** Audit and hooks. A listener that throws is logged; it never changes the outcome of the request. */
export interface EventListener {
  onEvent(event: TesseraEvent): void | Promise<void>;
}

/** The kinds a manifest may declare, and the interface each must implement. */
export interface ComponentKinds {
  ClientAuthenticator: ClientAuthenticator;
  GrantHandler: GrantHandler;
  IntrospectionInterceptor: IntrospectionInterceptor;
  IntrospectionDataProvider: IntrospectionDataProvider;
  MetadataContributor: MetadataContributor;
  ProtectedResourceValidator: ProtectedResourceValidator;
  EventListener: EventListener;
}

export type ComponentKind = keyof ComponentKinds;

export const COMPONENT_KINDS: readonly ComponentKind[] = [
  'ClientAuthenticator',
  'GrantHandler',
  'IntrospectionInterceptor',
  'IntrospectionDataProvider',
  'MetadataContributor',
  'ProtectedResourceValidator',
  'EventListener',
];
