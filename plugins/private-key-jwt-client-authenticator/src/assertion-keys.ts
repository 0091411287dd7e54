/**
 * The keys a client's assertion is checked against: for private_key_jwt its registered `jwks`, or
 * the document at its `jwks_uri` (the core's fetch and cache, `ctx.services.jwks`); for
 * client_secret_jwt its secret as the HMAC key. Never a symmetric key for private_key_jwt and never
 * a public key for client_secret_jwt: the algorithm lists the verifier passes keep the two apart.
 */
import { createLocalJWKSet, type JWTVerifyGetKey } from 'jose';
import type { Client, JwksUriCache, PublicJwkSet } from '../../../core/api/index.ts';

export type KeySource =
  | { readonly kind: 'secret'; readonly key: Uint8Array }
  | { readonly kind: 'jwks'; readonly keys: JWTVerifyGetKey }
  | { readonly kind: 'jwks_uri'; readonly keys: JWTVerifyGetKey; readonly fetched: boolean }
  | { readonly kind: 'none'; readonly problem: string };

/** Keys with `kty: "oct"` or private members are never verification keys of a private_key_jwt client. */
function publicKeys(jwks: PublicJwkSet): { keys: Record<string, unknown>[] } {
  const keys = jwks.keys.filter((k) => k.kty !== 'oct' && !('d' in k) && (k.use === undefined || k.use === 'sig'));
  return { keys: keys.map((k) => ({ ...k })) };
}

export async function secretKey(client: Client): Promise<KeySource> {
  if (!client.jwtSecret) return { kind: 'none', problem: 'no client_secret_jwt secret is stored for the client (set a new client_secret)' };
  return { kind: 'secret', key: new TextEncoder().encode(client.jwtSecret) };
}

export async function clientKeys(client: Client, cache: JwksUriCache, refresh: boolean): Promise<KeySource> {
  if (client.jwks) return { kind: 'jwks', keys: createLocalJWKSet(publicKeys(client.jwks) as Parameters<typeof createLocalJWKSet>[0]) };
  if (!client.jwksUri) return { kind: 'none', problem: 'the client registered neither jwks nor jwks_uri' };
  const lookup = await cache.lookup(`${client.tenantId}/${client.serverId}/${client.clientId}`, client.jwksUri, refresh);
  if (!lookup.jwks) return { kind: 'none', problem: `jwks_uri fetch failed: ${lookup.problem ?? 'unknown'}` };
  return { kind: 'jwks_uri', keys: createLocalJWKSet(publicKeys(lookup.jwks) as Parameters<typeof createLocalJWKSet>[0]), fetched: lookup.fetched };
}
