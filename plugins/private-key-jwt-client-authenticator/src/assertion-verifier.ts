/**
 * Verifies a client assertion (RFC 7523 §3, OIDC Core §9): JWS with an allowed algorithm (never
 * `none`, HS* only for client_secret_jwt), `iss` = `sub` = client_id, `aud` one of the server's
 * identities, `exp` in the future but not too far, `iat` not in the future, and a `jti` used once —
 * remembered by the core's replay guard (stored, so every node of a cluster agrees) until `exp`.
 */
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { InvalidClient, type Client, type ClientAuthRequest, type JwksUriCache, type ReplayService } from '../../../core/api/index.ts';
import { clientKeys, secretKey, type KeySource } from './assertion-keys.ts';
import { CLIENT_SECRET_JWT, JWT_BEARER, PRIVATE_KEY_JWT } from './component-names.ts';
import { ASYMMETRIC_ALGS, HMAC_ALGS, type JwtAuthSettings } from './settings.ts';

/** A compact JWS longer than this is refused unread (a JWT assertion is a few hundred bytes). */
const MAX_ASSERTION_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;
/** `typ` values a client assertion may carry (RFC 7523bis `client-authentication+jwt`, or plain JWT). */
const ASSERTION_TYPES = new Set(['jwt', 'client-authentication+jwt']);
/** Registered keys tried for an assertion without a `kid` that several keys could verify. */
const MAX_CANDIDATE_KEYS = 10;

export interface VerifierOptions {
  readonly settings: JwtAuthSettings;
  readonly jwksUri: JwksUriCache;
  readonly replay: ReplayService;
  /** Epoch milliseconds; injected so tests control time. */
  readonly now?: () => number;
}

const fail = (description: string, reason: string) => new InvalidClient(description, reason);

export class AssertionVerifier {
  private readonly now: () => number;

  constructor(private readonly options: VerifierOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The algorithms `method` accepts for `client`: the settings' list, narrowed by the registration. */
  allowedAlgs(method: string, client: Client): string[] {
    const family: readonly string[] = method === CLIENT_SECRET_JWT ? HMAC_ALGS : ASYMMETRIC_ALGS;
    const allowed = this.options.settings.signingAlgs.filter((alg) => family.includes(alg));
    const registered = client.tokenEndpointAuthSigningAlg ?? null;
    return registered === null ? allowed : allowed.filter((alg) => alg === registered);
  }

  async verify(req: ClientAuthRequest, client: Client, method: string): Promise<void> {
    const { assertion, assertionType } = req.credentials;
    if (assertion === null) throw fail(`the client authenticates with ${method}: send client_assertion`, 'no client_assertion');
    if (assertionType !== JWT_BEARER) {
      throw fail(`client_assertion_type must be ${JWT_BEARER}`, `client_assertion_type ${assertionType === null ? 'missing' : 'unsupported'}`);
    }
    if (assertion.length > MAX_ASSERTION_LENGTH) throw fail('client_assertion is too large', `client_assertion of ${assertion.length} characters`);

    const algorithms = this.allowedAlgs(method, client);
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(assertion);
    } catch {
      throw fail('client_assertion is not a JWS', 'unreadable client_assertion header');
    }
    if (typeof header.alg !== 'string' || !algorithms.includes(header.alg)) {
      throw fail(`client_assertion alg ${String(header.alg)} is not accepted for ${method}; use ${algorithms.join(', ') || 'none available'}`, `alg ${String(header.alg)} refused`);
    }
    if (header.typ !== undefined && !ASSERTION_TYPES.has(String(header.typ).toLowerCase().replace(/^application\//, ''))) {
      throw fail(`client_assertion typ ${String(header.typ)} is not a client assertion`, `typ ${String(header.typ)} refused`);
    }

    const payload = await this.verifySignature(assertion, client, method, algorithms, req);
    this.checkTimes(payload);
    this.checkAudience(payload, req.audiences);
    const jti = payload.jti;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
      throw fail('client_assertion needs a jti (at most 256 characters)', 'jti missing or too long');
    }
    // After the signature: only the client can burn its own jti values.
    const fresh = await this.options.replay.claim(req, 'client_assertion', `${client.clientId}\u0000${jti}`, payload.exp!);
    if (!fresh) throw fail('client_assertion was already used (jti replayed)', 'client_assertion jti replayed');
  }

  private async verifySignature(assertion: string, client: Client, method: string, algorithms: string[], req: ClientAuthRequest): Promise<JWTPayload> {
    const skew = this.options.settings.clockSkewSeconds;
    const attempt = async (source: KeySource) => {
      if (source.kind === 'none') throw fail('client authentication failed', source.problem);
      const options = {
        algorithms,
        issuer: client.clientId,
        subject: client.clientId,
        audience: [...req.audiences],
        clockTolerance: skew,
        currentDate: new Date(this.now()),
        requiredClaims: ['iss', 'sub', 'aud', 'exp', 'jti'],
      };
      try {
        return (await jwtVerify(assertion, source.kind === 'secret' ? source.key : source.keys, options)).payload;
      } catch (err) {
        if (!(err instanceof errors.JWKSMultipleMatchingKeys)) throw err;
        // No kid, several registered keys of the right type: try them (a bounded few), first match wins.
        let tried = 0;
        for await (const key of err as errors.JWKSMultipleMatchingKeys & AsyncIterable<CryptoKey>) {
          if (++tried > MAX_CANDIDATE_KEYS) break;
          try {
            return (await jwtVerify(assertion, key, options)).payload;
          } catch (inner) {
            if (!(inner instanceof errors.JWSSignatureVerificationFailed)) throw inner;
          }
        }
        throw new errors.JWSSignatureVerificationFailed();
      }
    };
    const cache = this.options.jwksUri;
    const first = method === PRIVATE_KEY_JWT ? await clientKeys(client, cache, false) : await secretKey(client);
    try {
      return await attempt(first);
    } catch (err) {
      // A key the cached jwks_uri document lacks: the client may have rotated; fetch again (rate-limited).
      if (first.kind === 'jwks_uri' && !first.fetched && (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWSSignatureVerificationFailed)) {
        try {
          return await attempt(await clientKeys(client, cache, true));
        } catch (retryErr) {
          throw describe(retryErr);
        }
      }
      throw describe(err);
    }
  }

  private checkTimes(payload: JWTPayload): void {
    const now = Math.floor(this.now() / 1000);
    const { clockSkewSeconds: skew, maxLifetimeSeconds: max } = this.options.settings;
    if (payload.exp! > now + max + skew) {
      throw fail(`client_assertion exp may lie at most ${max} seconds ahead`, `exp ${payload.exp! - now} s ahead`);
    }
    if (payload.iat !== undefined && payload.iat > now + skew) throw fail('client_assertion iat is in the future', `iat ${payload.iat - now} s ahead`);
  }

  /** jose accepts an `aud` array with one match; an array must name this server only (no audience injection). */
  private checkAudience(payload: JWTPayload, audiences: readonly string[]): void {
    if (Array.isArray(payload.aud) && !payload.aud.every((a) => audiences.includes(a))) {
      throw fail('client_assertion aud must name this server only', 'aud array with foreign members');
    }
  }
}

function describe(err: unknown): InvalidClient {
  if (err instanceof InvalidClient) return err;
  if (err instanceof errors.JWTExpired) return fail('client_assertion has expired', 'exp passed');
  if (err instanceof errors.JWTClaimValidationFailed) return fail(`client_assertion ${err.claim} is not valid here`, `claim ${err.claim}: ${err.message}`);
  if (err instanceof errors.JWSSignatureVerificationFailed) return fail('client_assertion signature is invalid', 'signature verification failed');
  if (err instanceof errors.JWKSNoMatchingKey) return fail('no registered key of the client verifies client_assertion', 'no matching key (kid/alg/kty)');
  if (err instanceof errors.JWKSMultipleMatchingKeys) return fail('several registered keys match; send kid', 'multiple matching keys');
  if (err instanceof errors.JOSEAlgNotAllowed) return fail('client_assertion alg is not accepted', err.message);
  const message = (err as Error)?.message ?? String(err);
  return fail('client_assertion is not a valid JWT', `assertion rejected: ${message}`);
}
