/**
 * RFC 8705 §3 for resource servers: accept a certificate-bound access token only over a TLS connection
 * presenting the certificate it is bound to. Tessera's own resources (userinfo) do this through the
 * bundle's ProtectedResourceValidator; this module is for *your* APIs.
 *
 * You bring the token validation — verify the JWT (`jose.jwtVerify` against Tessera's jwks_uri) or
 * call Tessera's introspection endpoint — and hand back its claims; this module compares their
 * `cnf["x5t#S256"]` with base64url(SHA-256(DER)) of the client certificate of the connection.
 *
 * Hono (on @hono/node-server, an HTTPS server created with `requestCert: true`):
 *
 *   import { certificateBoundToken } from './resource-server-middleware.ts';
 *   app.use('/api/*', certificateBoundToken({
 *     validate: async (token) => (await jwtVerify(token, jwks, { issuer, typ: 'at+jwt' })).payload,
 *   }));
 *   app.get('/api/things', (c) => c.json({ client: c.get('tokenClaims').client_id }));
 *
 * Plain Node (`https.createServer({ requestCert: true, ... }, handler)`):
 *
 *   const claims = await introspect(token);
 *   const check = verifyCertificateBinding(req, claims);
 *   if (!check.ok) { res.writeHead(401, { 'WWW-Authenticate': bearerChallenge(check.description) }); ... }
 *
 * Rules: an inactive token (`active: false`) or no claims is refused; a token bound by `x5t#S256` needs
 * that certificate; a token bound by any other `cnf` member is refused (this module cannot check it:
 * fail closed); an unbound token passes unless `requireBinding` is set. Behind a TLS-terminating proxy,
 * pass `certificate` to read the forwarded certificate your proxy vouches for instead of the socket's.
 * Its run-time dependencies are node:crypto, the bundle's constant-time thumbprint comparison and the
 * plugin API's Authorization header parser and certificate thumbprint (all bundled into
 * dropins/mtls-token-binding/index.js); Hono is used for types.
 */
import { certificateThumbprint, parseAuthorizationHeader } from '../../../core/api/index.ts';
import { sameThumbprint } from './thumbprint-match.ts';

// Re-exported for resource servers (`import { certificateThumbprint } from 'dropins/mtls-token-binding/index.js'`).
export { certificateThumbprint };
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Context, MiddlewareHandler } from 'hono';

/** What a validated token says: a JWT payload or an RFC 7662 introspection response. */
export interface TokenClaims {
  active?: boolean;
  cnf?: unknown;
  [claim: string]: unknown;
}

export type BindingCheck =
  | { readonly ok: true; readonly bound: boolean; readonly thumbprint: string | null }
  | { readonly ok: false; readonly description: string };

export interface BindingCheckOptions {
  /** Refuse tokens that are not certificate-bound (an API that must only see sender-constrained tokens). */
  readonly requireBinding?: boolean;
}

export interface CertificateBoundTokenOptions extends BindingCheckOptions {
  /** Verifies the bearer token; returns its claims, or null when it is invalid. A throw is treated as invalid. */
  validate(token: string, c: Context): TokenClaims | null | Promise<TokenClaims | null>;
  /** The client certificate (DER) of the request; default: the TLS peer certificate of the connection. */
  certificate?(c: Context): Uint8Array | null;
  /** `realm` of the WWW-Authenticate challenge. */
  readonly realm?: string;
}

export type TokenClaimsEnv = { Variables: { tokenClaims: TokenClaims } };

const X5T_S256 = 'x5t#S256';

/** DER of the peer certificate of a TLS socket, or null (plain socket, or no certificate sent). */
export function peerCertificateDer(socket: unknown): Uint8Array | null {
  const tls = socket as Partial<TLSSocket> | null | undefined;
  if (!tls || typeof tls.getPeerCertificate !== 'function') return null;
  const peer = tls.getPeerCertificate();
  return peer && peer.raw && peer.raw.length > 0 ? new Uint8Array(peer.raw) : null;
}

/** Compares the token's confirmation with the presented certificate. */
export function checkCertificateBinding(
  claims: TokenClaims | null | undefined,
  certificateDer: Uint8Array | null,
  options: BindingCheckOptions = {},
): BindingCheck {
  if (!claims || claims.active === false) return { ok: false, description: 'the access token is invalid, expired or revoked' };
  const cnf = claims.cnf;
  if (cnf === undefined || cnf === null) {
    return options.requireBinding
      ? { ok: false, description: 'this resource requires a certificate-bound access token' }
      : { ok: true, bound: false, thumbprint: null };
  }
  if (typeof cnf !== 'object' || Array.isArray(cnf)) return { ok: false, description: 'the access token has a malformed cnf claim' };
  const members = Object.keys(cnf);
  const expected = (cnf as Record<string, unknown>)[X5T_S256];
  if (typeof expected !== 'string' || members.some((m) => m !== X5T_S256)) {
    return { ok: false, description: 'the access token is bound to a proof this resource cannot check' };
  }
  if (!certificateDer) return { ok: false, description: 'the access token is bound to a client certificate that was not presented' };
  const presented = certificateThumbprint(certificateDer);
  if (!sameThumbprint(presented, expected)) {
    return { ok: false, description: 'the access token is bound to another client certificate' };
  }
  return { ok: true, bound: true, thumbprint: presented };
}

/** Plain Node: checks the claims against the TLS client certificate of `req`. */
export function verifyCertificateBinding(req: IncomingMessage, claims: TokenClaims | null | undefined, options: BindingCheckOptions = {}): BindingCheck {
  return checkCertificateBinding(claims, peerCertificateDer(req.socket), options);
}

/** RFC 6750 §3 challenge for a refused token. */
export function bearerChallenge(description: string, realm = 'resource'): string {
  return `Bearer realm="${quote(realm)}", error="invalid_token", error_description="${quote(description)}"`;
}

/** The bearer token of an `Authorization` header (RFC 6750 §2.1), or null. */
export function bearerToken(authorization: string | undefined | null): string | null {
  const credentials = parseAuthorizationHeader(authorization);
  return credentials?.scheme === 'Bearer' ? credentials.token : null;
}

/**
 * Hono middleware: 401 `invalid_token` unless the bearer token validates and its binding matches the
 * request's client certificate; on success the claims are in `c.get('tokenClaims')`.
 */
export function certificateBoundToken(options: CertificateBoundTokenOptions): MiddlewareHandler<TokenClaimsEnv> {
  const realm = options.realm ?? 'resource';
  const certificate = options.certificate ?? ((c: Context) => peerCertificateDer((c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket));
  return async (c, next) => {
    const refuse = (description: string) =>
      c.json({ error: 'invalid_token', error_description: description }, 401, { 'WWW-Authenticate': bearerChallenge(description, realm) });
    const token = bearerToken(c.req.header('authorization'));
    if (!token) {
      return c.json({ error: 'invalid_request', error_description: 'a bearer token is required' }, 401, { 'WWW-Authenticate': `Bearer realm="${quote(realm)}"` });
    }
    let claims: TokenClaims | null;
    try {
      claims = await options.validate(token, c);
    } catch {
      claims = null;
    }
    const check = checkCertificateBinding(claims, certificate(c), options);
    if (!check.ok) return refuse(check.description);
    c.set('tokenClaims', claims!);
    await next();
  };
}

function quote(text: string): string {
  return text.replace(/["\\]/g, "'");
}
