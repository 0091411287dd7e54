/**
 * DPoP test kit: key pairs and proofs built with jose as a client library would (RFC 9449 §4.2),
 * the deployment.toml block enabling the bundle, and the endpoint URLs the server names in its
 * discovery document (what a proof's `htu` must say).
 */
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { call } from '../../../../test/support/https-client.ts';
import type { TestServer } from '../../../../test/support/test-server.ts';

export const DPOP_TOML = `
[[event_listener]]
id = "dpop_token_binder"
type = "TokenBinder"
name = "tessera.dpop.DPoPTokenBinder"
`;

export interface DpopKey {
  readonly alg: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  /** RFC 7638 thumbprint: the `cnf.jkt` a token bound to this key carries. */
  readonly jkt: string;
}

export async function dpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return { alg, privateKey, publicJwk, jkt: await calculateJwkThumbprint(publicJwk, 'sha256') };
}

export interface ProofOptions {
  htm?: string;
  htu: string;
  /** The access token, for `ath` at a resource. */
  accessToken?: string;
  /** Overrides the `ath` computed from accessToken. */
  ath?: string;
  nonce?: string;
  iat?: number;
  jti?: string;
  typ?: string;
  /** Header jwk override (e.g. a private key). */
  jwk?: JWK;
}

export async function proof(key: DpopKey, options: ProofOptions): Promise<string> {
  const claims: Record<string, unknown> = { htm: options.htm ?? 'POST', htu: options.htu };
  if (options.accessToken !== undefined) claims.ath = createHash('sha256').update(options.accessToken).digest('base64url');
  if (options.ath !== undefined) claims.ath = options.ath;
  if (options.nonce !== undefined) claims.nonce = options.nonce;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: options.typ ?? 'dpop+jwt', jwk: options.jwk ?? key.publicJwk })
    .setIssuedAt(options.iat ?? Math.floor(Date.now() / 1000))
    .setJti(options.jti ?? randomUUID())
    .sign(key.privateKey);
}

export interface Endpoints {
  token: string;
  userinfo: string;
  introspection: string;
  metadata: Record<string, unknown>;
}

/** The server's endpoints as its discovery document names them. */
export async function endpoints(server: TestServer): Promise<Endpoints> {
  const result = await call(`${server.url}/.well-known/openid-configuration`);
  const metadata = result.json as Record<string, unknown>;
  return {
    token: String(metadata.token_endpoint),
    userinfo: String(metadata.userinfo_endpoint),
    introspection: String(metadata.introspection_endpoint),
    metadata,
  };
}

/** The path of an endpoint URL on the test server's own URL (the server names 127.0.0.1; tests call localhost). */
export function at(server: TestServer, endpoint: string): string {
  return `${server.url}${new URL(endpoint).pathname}`;
}
