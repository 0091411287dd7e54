/**
 * The extension points a bundle can fill. Each component is ordered by `order` (lower runs first)
 * and switched by `enable` in deployment.toml (`[[event_listener]]` or `grant_handler`).
 */
import type { AccessTokenRecord, Client, Confirmation, RefreshTokenRecord, ServerContext, ServerProfile, ServerRef } from './model.ts';

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
  /** `client_assertion` (RFC 7521 §4.2), for an assertion authenticator to verify. */
  readonly assertion: string | null;
  /** `client_assertion_type`, e.g. `urn:ietf:params:oauth:client-assertion-type:jwt-bearer`. */
  readonly assertionType: string | null;
}

export interface ClientAuthRequest extends ServerRef {
  readonly request: RequestInfo;
  readonly credentials: PresentedCredentials;
  /** The endpoint asking: token, introspection, revocation, or PAR (RFC 9126). */
  readonly endpoint: 'token' | 'introspection' | 'revocation' | 'pushed_authorization';
  /** The security profile of the server (a bundle may add restrictions for it, never remove the core's). */
  readonly profile: ServerProfile;
  /**
   * What this server accepts as the `aud` of a client assertion (RFC 7523 §3, OIDC Core §9): its
   * issuer (always first), its token endpoint, and the URL of the endpoint called (main listener and
   * mTLS alias). On a fapi2-security server: the issuer only.
   */
  readonly audiences: readonly string[];
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

/** What a grant handler works on. A member may set `confirmation` (add binding) before calling `next`. */
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
  /**
   * What the enabled TokenBinders proved for this request (e.g. `{ jkt }` of a DPoP proof), set by the
   * core before the chain runs; also merged into `confirmation`. A bound refresh token's member with
   * the same value counts as verified.
   */
  readonly proofs: Confirmation;
}

/**
 * A member of its grant type's chain: every enabled GrantHandler for the grant, lower `order`
 * outermost, ending at the core's handler. Wrap, don't copy: decide or add something, then call
 * `deps.next.handle(ctx)` and return (or add members to) its response. Whatever the chain does, the
 * core checks the result against its invariants (docs/plugin-guide.md) and refuses with
 * `server_error` if one is broken.
 */
export interface GrantHandler {
  /** Answers the token request, or throws an RFC error (`InvalidGrant`, `InvalidRequest`, ...). */
  handle(ctx: GrantContext): Promise<TokenResponse>;
}

/** What a token binder sees at the token endpoint (or the PAR endpoint), after client authentication, before any grant runs. */
export interface TokenBindingContext extends ServerRef {
  readonly server: ServerContext;
  /**
   * Where the proof was sent: the token endpoint, or the pushed authorization request endpoint
   * (RFC 9449 §10.1: there the proved key binds the authorization code, and `grantType` is
   * `authorization_code`, the grant the pushed request leads to). A binder's `htu` check uses it.
   */
  readonly endpoint: 'token' | 'pushed_authorization';
  readonly grantType: string;
  readonly params: Readonly<Record<string, string>>;
  readonly client: Client;
  readonly clientAuth: ClientAuthResult;
  readonly request: RequestInfo;
}

/** A proof of possession the token request carried. */
export interface TokenBinding {
  /** The `cnf` members the request proved (e.g. `{ jkt }`, RFC 9449 §6.1). The core binds the tokens to them. */
  readonly confirmation: Confirmation;
  /** Headers for the token response (e.g. a fresh `DPoP-Nonce`, RFC 9449 §8). */
  readonly responseHeaders?: Readonly<Record<string, string>>;
}

/**
 * A sender constraint proved at the token endpoint (RFC 9449 DPoP, ...), and at the pushed
 * authorization request endpoint, where what it proves binds the authorization code (RFC 9449 §10.1).
 * Every enabled binder runs before the grant handler chain; what each returns is merged into the grant's `confirmation` and
 * counts as verified for a bound refresh token whose `cnf` carries the same value. Throw an
 * `OAuthError` to refuse the request (e.g. `invalid_dpop_proof`); return null when the request
 * carries no proof of this kind.
 */
export interface TokenBinder {
  /** The `cnf` members this binder proves. */
  readonly confirmationMethods: readonly string[];
  bind(ctx: TokenBindingContext): Promise<TokenBinding | null>;
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

/** How the access token reached a protected resource. */
export interface PresentedAccessToken {
  readonly server: ServerContext;
  /** The token as presented (e.g. for the `ath` of a DPoP proof, RFC 9449 §4.2). */
  readonly value: string;
  /** `Bearer`, `DPoP` (the Authorization scheme as registered, not as the client cased it), or `form` (a form-body `access_token`). */
  readonly scheme: string;
  /** The public URLs of the resource (main listener, then the mTLS alias), without query: what a proof's `htu` may name. */
  readonly urls: readonly string[];
}

/**
 * Checks a presented access token at a protected resource (userinfo, or a route using the core's
 * bearer check). Throws `InvalidToken` to refuse. `confirmationMethods` names the `cnf` members it
 * verifies: a token bound by a member no enabled validator verifies is refused (fail closed).
 * `schemes` names Authorization schemes besides Bearer it accepts (e.g. `DPoP`); a token sent with a
 * scheme no enabled validator names is refused.
 */
export interface ProtectedResourceValidator {
  readonly confirmationMethods: readonly string[];
  readonly schemes?: readonly string[];
  validate(token: AccessTokenRecord, request: RequestInfo, presented: PresentedAccessToken): void | Promise<void>;
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

/**
 * Every event type, and what it carries besides `type`, `at`, `tenantId` and `serverId`. Events are
 * delivered to EventListeners after the response; a listener never changes a request's outcome.
 */
export const EVENT_TYPES: { readonly [T in TesseraEventType]: string } = {
  'client.authentication.succeeded': 'A client authenticated at the token, introspection or revocation endpoint: `clientId`, `method`, `remoteAddress`, `certificateThumbprint` when a certificate was presented.',
  'client.authentication.failed': 'A client failed to authenticate: `clientId` (when sent), `method` (when one engaged), `reason`, `remoteAddress`, `certificateThumbprint` when a certificate was presented.',
  'user.login.succeeded': 'A user signed in (authorize page or password grant): `clientId`, `username`, `remoteAddress`.',
  'user.login.failed': 'A sign-in failed: `username`, `reason` (wrong password, unknown user, locked), `remoteAddress`, `clientId` (not for the admin API, where `details.via` is `admin_api`).',
  'token.issued': 'Tokens were issued: `clientId`, `username` (user grants), `certificateThumbprint` (bound tokens), `details.grantType`, `details.format` (`opaque` or `jwt`), `details.bound`.',
  'token.refreshed': 'A refresh token was rotated: `clientId`.',
  'token.revoked': 'A client revoked a token (RFC 7009): `clientId`, `details.tokenType` (`access_token` or `refresh_token`).',
  'token.reuse_detected': 'An authorization code or refresh token was presented again and what it issued was revoked: `clientId`, `reason`.',
  'admin.changed': 'The admin API changed a record: `username` (the actor), `remoteAddress`, `clientId` (client changes), `details.resource`, `details.action`, `details.id`, `details.actor`.',
};

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

/**
 * A certification path a `tls_client_auth` authenticator has validated (RFC 5280 §6): signatures,
 * names, validity and constraints already hold. DERs, leaf first, the trust anchor last.
 */
export interface CertificatePath extends ServerRef {
  /** The client the certificate authenticates. */
  readonly clientId: string;
  /** The method being authenticated (e.g. `tls_client_auth`). */
  readonly method: string;
  /** `[leaf, ...intermediates, anchor]`; at least the leaf and the anchor. */
  readonly certificates: readonly Uint8Array[];
  /** base64url(SHA-256(leaf DER)), RFC 8705 `x5t#S256` — the thumbprint tokens get bound to. */
  readonly thumbprint: string;
}

/** Why a CertificateValidator refuses a path. `reason` goes to the log and the audit event only. */
export interface CertificateRefusal {
  readonly reason: string;
}

/**
 * An extension point the mTLS authenticator (`mutual-tls-client-authenticator`) offers to other
 * bundles: every enabled validator, in order, is run on each path the PKI method (`tls_client_auth`)
 * has validated, after chain validation and the EKU and subject checks (so only a certificate that
 * would authenticate the client costs a validator's work). Returning a refusal (or
 * throwing, or rejecting) makes the authentication fail with `invalid_client` (401), the reason and
 * the validator's name in the audit event: a validator can only add a restriction (e.g. revocation),
 * never accept what the chain validation refused. Return `null` (synchronously when the answer is
 * known: it is on every request's path) to accept. A validator bounds its own time (I/O with a
 * timeout): the request waits for it. Self-signed clients (no path) do not reach validators.
 */
export interface CertificateValidator {
  validate(path: CertificatePath): CertificateRefusal | null | Promise<CertificateRefusal | null>;
}

/**
 * The kinds a manifest may declare, and the interface each must implement. A new kind is one member
 * here and one entry in COMPONENT_KINDS; the loader, `tessera plugins` and docs/plugin-api.md follow.
 */
export interface ComponentKinds {
  ClientAuthenticator: ClientAuthenticator;
  GrantHandler: GrantHandler;
  IntrospectionInterceptor: IntrospectionInterceptor;
  IntrospectionDataProvider: IntrospectionDataProvider;
  MetadataContributor: MetadataContributor;
  ProtectedResourceValidator: ProtectedResourceValidator;
  TokenBinder: TokenBinder;
  EventListener: EventListener;
  CertificateValidator: CertificateValidator;
}

export type ComponentKind = keyof ComponentKinds;

export const COMPONENT_KINDS: readonly ComponentKind[] = [
  'ClientAuthenticator',
  'GrantHandler',
  'IntrospectionInterceptor',
  'IntrospectionDataProvider',
  'MetadataContributor',
  'ProtectedResourceValidator',
  'TokenBinder',
  'EventListener',
  'CertificateValidator',
];
