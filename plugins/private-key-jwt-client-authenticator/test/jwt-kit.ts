/**
 * Shared by this bundle's tests: the deployment.toml block that enables it, client assertions signed
 * as a client library would sign them, and clients registered through the admin API.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { expect } from 'vitest';
import { adminCall } from '../../../test/admin/admin-support.ts';
import { call, type CallResult } from '../../../test/support/https-client.ts';
import type { TestServer } from '../../../test/support/test-server.ts';

export const COMPONENT = 'tessera.jwt.PrivateKeyJWTClientAuthenticator';
export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export const ENABLE = `
[[event_listener]]
name = "${COMPONENT}"
`;

export interface KeyPair {
  privateKey: CryptoKey;
  publicJwk: JWK;
  alg: string;
}

export async function keyPair(alg: 'ES256' | 'PS256' | 'RS256' | 'EdDSA' = 'ES256', kid = randomUUID()): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, alg };
}

export interface AssertionClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  iat?: number;
  jti?: string | null;
}

/** A client assertion (RFC 7523 §3) as openid-client builds one: iss = sub = client_id, aud = issuer, 60 s. */
export async function assertion(clientId: string, aud: string | string[], key: KeyPair | Uint8Array, claims: AssertionClaims = {}, header: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = { iss: clientId, sub: clientId, aud, iat: now, exp: now + 60, jti: randomUUID(), ...claims };
  if (claims.jti === null) delete payload.jti;
  const alg = key instanceof Uint8Array ? 'HS256' : key.alg;
  const jwt = new SignJWT(payload).setProtectedHeader({ alg, ...(key instanceof Uint8Array ? {} : { kid: key.publicJwk.kid }), ...header });
  return jwt.sign(key instanceof Uint8Array ? key : key.privateKey);
}

export interface Discovery {
  issuer: string;
  token_endpoint: string;
  introspection_endpoint: string;
  pushed_authorization_request_endpoint: string;
  [member: string]: unknown;
}

export async function discovery(server: TestServer, path = ''): Promise<Discovery> {
  const res = await call(`${server.url}${path}/.well-known/openid-configuration`);
  expect(res.status).toBe(200);
  return res.json as Discovery;
}

/** Registers a client through the admin API; answers its representation (with the secret, once). */
export async function register(server: TestServer, metadata: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await adminCall(server, '/api/admin/default/clients', { json: metadata });
  expect(res.status, res.text).toBe(201);
  return res.json as Record<string, unknown>;
}

/** `curl -d grant_type=client_credentials -d client_assertion_type=... -d client_assertion=...` */
export function tokenWithAssertion(endpoint: string, clientId: string | null, jwt: string, extra: Record<string, string> = {}): Promise<CallResult> {
  return call(endpoint, {
    form: { grant_type: 'client_credentials', ...(clientId ? { client_id: clientId } : {}), client_assertion_type: JWT_BEARER, client_assertion: jwt, ...extra },
  });
}
