/**
 * `[plugins.dpop]` in deployment.toml. The core hands the table over unvalidated; this checks it at
 * start-up, so a wrong value stops the server with a message naming the key instead of weakening
 * proof checks at run time.
 *
 *   [plugins.dpop]
 *   signing_algs = ["ES256", "PS256", "EdDSA"]   # dpop_signing_alg_values_supported
 *   proof_max_age_seconds = 60                   # iat window: a proof older (or further ahead) is refused
 *   require_nonce = false                        # RFC 9449 §8: every proof must carry a server nonce
 *   nonce_secret = "..."                         # HMAC key of the stateless nonces; the same on every node
 *   nonce_lifetime_seconds = 300                 # a nonce is accepted for one to two lifetimes
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../../core/api/index.ts';

/** Asymmetric JWS algorithms only (RFC 9449 §4.2: never `none`, never a MAC). */
export const ASYMMETRIC_ALGS = ['ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'RS256', 'RS384', 'RS512', 'EdDSA', 'Ed25519'] as const;

export interface DpopSettings {
  readonly signingAlgs: readonly string[];
  readonly proofMaxAgeSeconds: number;
  readonly requireNonce: boolean;
  /** HMAC key of the nonces (from nonce_secret, or random per process with a warning). */
  readonly nonceSecret: Uint8Array;
  readonly nonceLifetimeSeconds: number;
}

const KEYS = new Set(['signing_algs', 'proof_max_age_seconds', 'require_nonce', 'nonce_secret', 'nonce_lifetime_seconds']);

export function readDpopSettings(raw: Readonly<Record<string, unknown>>, logger: Logger): DpopSettings {
  for (const key of Object.keys(raw)) if (!KEYS.has(key)) throw new Error(`[plugins.dpop] ${key}: unknown setting (known: ${[...KEYS].join(', ')})`);

  const algs = raw.signing_algs ?? ['ES256', 'PS256', 'EdDSA', 'Ed25519', 'ES384', 'PS384', 'RS256'];
  if (!Array.isArray(algs) || algs.length === 0 || algs.some((a) => typeof a !== 'string' || !(ASYMMETRIC_ALGS as readonly string[]).includes(a))) {
    throw new Error(`[plugins.dpop] signing_algs: a non-empty list of ${ASYMMETRIC_ALGS.join(', ')}`);
  }
  const proofMaxAgeSeconds = integer(raw, 'proof_max_age_seconds', 60, 1, 600);
  const nonceLifetimeSeconds = integer(raw, 'nonce_lifetime_seconds', 300, 10, 86400);
  const requireNonce = raw.require_nonce ?? false;
  if (typeof requireNonce !== 'boolean') throw new Error('[plugins.dpop] require_nonce: true or false');

  let nonceSecret: Uint8Array;
  if (raw.nonce_secret !== undefined) {
    if (typeof raw.nonce_secret !== 'string' || raw.nonce_secret.length < 32) throw new Error('[plugins.dpop] nonce_secret: a string of at least 32 characters');
    nonceSecret = new TextEncoder().encode(raw.nonce_secret);
  } else {
    nonceSecret = randomBytes(32);
    if (requireNonce) {
      logger.warn('[plugins.dpop] require_nonce without nonce_secret: nonces are valid only on this node; set nonce_secret (the same on every node) for a cluster');
    }
  }
  return { signingAlgs: [...new Set(algs as string[])], proofMaxAgeSeconds, requireNonce, nonceSecret, nonceLifetimeSeconds };
}

function integer(raw: Readonly<Record<string, unknown>>, key: string, fallback: number, min: number, max: number): number {
  const value = raw[key] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new Error(`[plugins.dpop] ${key}: an integer from ${min} to ${max}`);
  }
  return value;
}
