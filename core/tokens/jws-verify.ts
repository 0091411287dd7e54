/**
 * Verification of the access-token JWTs Tessera issued itself (introspection, userinfo), with
 * node:crypto's one-shot `verify` on a KeyObject: synchronous, where jose verifies through WebCrypto
 * (a thread-pool job and an event-loop wake-up per token; introspecting a JWT cost three times an
 * opaque token). Only what Tessera writes is accepted: the header is exactly {alg, typ, kid} with the
 * key's algorithm, the signature is checked over the exact bytes received, then the claims: issuer,
 * exp (required), nbf and iat when present, with the clock tolerance.
 */
import { verify, type KeyObject } from 'node:crypto';
import type { SigningAlg } from './signing-keys.ts';

const SEGMENT = /^[A-Za-z0-9_-]+$/;

export interface JwtExpectations {
  alg: SigningAlg;
  typ: string;
  issuer: string;
  /** Seconds. */
  clockTolerance: number;
  /** Epoch seconds. */
  now: number;
}

/** The header of a compact JWT when it is a JSON object, else null (nothing verified yet). */
export function jwtHeader(token: string): Record<string, unknown> | null {
  const dot = token.indexOf('.');
  return dot > 0 ? jsonObject(token.slice(0, dot)) : null;
}

/** The verified claims, or null for anything else: malformed, foreign header, bad signature, wrong issuer, expired, not yet valid. */
export function verifyJwt(token: string, key: KeyObject, expected: JwtExpectations): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return null;
  const header = jsonObject(parts[0]);
  if (!header || Object.keys(header).sort().join(',') !== 'alg,kid,typ') return null;
  if (header.alg !== expected.alg || header.typ !== expected.typ || typeof header.kid !== 'string') return null;

  const signature = Buffer.from(parts[2], 'base64url');
  const input = Buffer.from(`${parts[0]}.${parts[1]}`);
  let valid: boolean;
  try {
    valid =
      expected.alg === 'ES256'
        ? signature.length === 64 && verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature)
        : verify('sha256', input, key, signature);
  } catch {
    return null;
  }
  if (!valid) return null;

  const claims = jsonObject(parts[1]);
  if (!claims || claims.iss !== expected.issuer) return null;
  const { now, clockTolerance } = expected;
  if (typeof claims.exp !== 'number' || claims.exp <= now - clockTolerance) return null;
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now + clockTolerance)) return null;
  if (claims.iat !== undefined && typeof claims.iat !== 'number') return null;
  return claims;
}

function jsonObject(segment: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
