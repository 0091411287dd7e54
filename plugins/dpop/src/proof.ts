/**
 * RFC 9449 §4.3: checking a DPoP proof. One `DPoP` header holding one JWS whose header has `typ`
 * `dpop+jwt`, an allowed asymmetric `alg` and a public `jwk` that verifies the signature; whose claims
 * name the request (`htm`, `htu` without query and fragment, compared after RFC 3986 normalisation),
 * were made just now (`iat` within the window), carry the server nonce when one is required, the
 * hash of the access token at a resource (`ath`), and a `jti` never seen before (remembered by the
 * core's replay guard, so every node agrees). Checks run cheapest first; the `jti` is claimed last so
 * a proof refused for another reason does not burn it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { EmbeddedJWK, calculateJwkThumbprint, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import type { CoreServices, ServerRef } from '../../../core/api/index.ts';
import type { NonceIssuer } from './nonce.ts';
import type { DpopSettings } from './settings.ts';

/** Largest DPoP header accepted (a proof with an RSA-4096 jwk is ~1.5 KiB). */
const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** FAPI 2.0 Security Profile §5.4.1: what a `fapi2-security` server accepts, whatever `signing_algs` says. */
const FAPI2_ALGS: readonly string[] = ['PS256', 'ES256', 'EdDSA'];

export interface ProofExpectations {
  readonly server: ServerRef & { readonly profile?: string };
  /** The request's method (`htm`). */
  readonly method: string;
  /** The URLs the request may have been sent to (`htu`): the endpoint on each listener. */
  readonly urls: readonly string[];
  /** At a protected resource: the access token the proof must be bound to by `ath`. */
  readonly accessToken?: string;
}

export interface VerifiedProof {
  /** RFC 7638 SHA-256 thumbprint of the proof key (`cnf.jkt`). */
  readonly jkt: string;
}

/** Why a proof was refused: an invalid proof, or one that lacks the current server nonce. */
export class ProofError extends Error {
  constructor(
    readonly code: 'invalid_dpop_proof' | 'use_dpop_nonce',
    readonly description: string,
    readonly reason: string,
  ) {
    super(`${code}: ${reason}`);
  }
}

const invalid = (description: string, reason = description) => new ProofError('invalid_dpop_proof', description, reason);

export class ProofVerifier {
  constructor(
    private readonly settings: DpopSettings,
    private readonly nonces: NonceIssuer,
    private readonly replay: CoreServices['replay'],
    /** Epoch seconds (injected). */
    private readonly now: () => number,
  ) {}

  get algorithms(): readonly string[] {
    return this.settings.signingAlgs;
  }

  async verify(header: string | undefined, expect: ProofExpectations): Promise<VerifiedProof> {
    if (header === undefined) throw invalid('a DPoP proof is required');
    // Node joins repeated headers with ", ": a comma means more than one DPoP header (RFC 9449 §4.3 step 1).
    if (header.includes(',')) throw invalid('exactly one DPoP header is allowed');
    const proof = header.trim();
    if (proof.length > MAX_PROOF_LENGTH || !COMPACT_JWS.test(proof)) throw invalid('the DPoP proof is not a compact JWS');

    let protectedHeader;
    try {
      protectedHeader = decodeProtectedHeader(proof);
    } catch {
      throw invalid('the DPoP proof header is malformed');
    }
    if (protectedHeader.typ !== 'dpop+jwt') throw invalid('the DPoP proof typ must be dpop+jwt');
    const algorithms = expect.server.profile === 'fapi2-security' ? this.settings.signingAlgs.filter((a) => FAPI2_ALGS.includes(a)) : this.settings.signingAlgs;
    if (typeof protectedHeader.alg !== 'string' || !algorithms.includes(protectedHeader.alg)) {
      throw invalid(`the DPoP proof alg must be one of ${algorithms.join(', ')}`, `alg ${String(protectedHeader.alg)}`);
    }
    const jwk = protectedHeader.jwk;
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw invalid('the DPoP proof needs a jwk header');
    if (PRIVATE_MEMBERS.some((m) => m in jwk)) throw invalid('the DPoP proof jwk must be a public key', 'jwk carries private key members');

    const now = this.now();
    let payload;
    try {
      ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: [...algorithms],
        requiredClaims: ['jti', 'htm', 'htu', 'iat'],
        currentDate: new Date(now * 1000),
      }));
    } catch (err) {
      throw invalid('the DPoP proof signature or claims are invalid', `jose: ${(err as Error).message}`);
    }

    const { jti, htm, htu, iat, ath, nonce } = payload as Record<string, unknown>;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw invalid('the DPoP proof jti is malformed');
    if (htm !== expect.method) throw invalid('the DPoP proof htm does not match the request method', `htm ${String(htm)}, request ${expect.method}`);
    const presentedUrl = typeof htu === 'string' ? normalizeUrl(htu) : null;
    if (presentedUrl === null || !expect.urls.some((u) => normalizeUrl(u) === presentedUrl)) {
      throw invalid('the DPoP proof htu does not match the request URL', `htu ${String(htu).slice(0, 200)}`);
    }
    const window = this.settings.proofMaxAgeSeconds;
    if (typeof iat !== 'number' || !Number.isFinite(iat) || Math.abs(now - iat) > window) {
      throw invalid('the DPoP proof iat is outside the accepted window', `iat ${String(iat)}, now ${now}, window ${window} s`);
    }
    if (expect.accessToken !== undefined) {
      const expected = createHash('sha256').update(expect.accessToken, 'ascii').digest('base64url');
      if (typeof ath !== 'string' || !same(ath, expected)) throw invalid('the DPoP proof ath does not match the access token');
    }
    if (this.settings.requireNonce) {
      if (typeof nonce !== 'string' || !this.nonces.isValid(expect.server, nonce)) {
        throw new ProofError('use_dpop_nonce', 'the DPoP proof must carry the server nonce in DPoP-Nonce', nonce === undefined ? 'no nonce' : 'stale or unknown nonce');
      }
    }

    const jkt = await calculateJwkThumbprint(jwk as JWK, 'sha256');
    // The key's thumbprint scopes the jti: one client cannot block another's proofs by guessing ids.
    if (!(await this.replay.claim(expect.server, 'dpop', `${jkt}.${jti}`, iat + window + 1))) {
      throw invalid('the DPoP proof was already used', `replayed jti ${jti.slice(0, 64)}`);
    }
    return { jkt };
  }
}

/**
 * RFC 9449 §4.3 step 9 / RFC 3986 §6.2.2-6.2.3: scheme and host lower-cased, default port dropped,
 * dot segments removed (WHATWG URL does these), percent-encoded unreserved characters decoded and the
 * rest upper-cased; query and fragment ignored. Null for what is not an http(s) URL.
 */
export function normalizeUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(char) ? char : `%${hex.toUpperCase()}`;
  });
  return `${url.protocol}//${url.host}${path}`;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
