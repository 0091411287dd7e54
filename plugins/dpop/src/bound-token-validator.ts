/**
 * RFC 9449 §7 at the core's protected resources (userinfo):
 * - a DPoP-bound token (`cnf.jkt`) is accepted only as `Authorization: DPoP` with a proof for this
 *   request (htm, htu), by the token's key, carrying `ath` = hash of the token; as Bearer (or in a
 *   form body) it is refused, so a stolen token cannot be downgraded (§7.2);
 * - a token that is not DPoP-bound is refused under the DPoP scheme.
 * Refusals are 401 with `WWW-Authenticate: DPoP error=..., algs="..."` (§7.1): `invalid_token` for
 * the token or the wrong key, `invalid_dpop_proof` for the proof, `use_dpop_nonce` with a
 * `DPoP-Nonce` header when nonces are on.
 */
import type { AccessTokenRecord, PresentedAccessToken, ProtectedResourceValidator, RequestInfo } from '../../../core/api/index.ts';
import { OAuthError } from '../../../core/api/index.ts';
import { timingSafeEqual } from 'node:crypto';
import { JKT } from './component-names.ts';
import type { NonceIssuer } from './nonce.ts';
import { ProofError, type ProofVerifier } from './proof.ts';

export class DPoPBoundTokenValidator implements ProtectedResourceValidator {
  readonly confirmationMethods = [JKT] as const;
  readonly schemes = ['DPoP'] as const;

  constructor(
    private readonly verifier: ProofVerifier,
    private readonly nonces: NonceIssuer | null,
  ) {}

  async validate(token: AccessTokenRecord, request: RequestInfo, presented: PresentedAccessToken): Promise<void> {
    const bound = token.confirmation?.[JKT];
    if (bound === undefined) {
      if (presented.scheme === 'DPoP') this.refuse('invalid_token', 'the access token is not DPoP-bound', `unbound token of ${token.clientId} sent as DPoP`);
      return;
    }
    if (presented.scheme !== 'DPoP') {
      this.refuse('invalid_token', 'the access token is DPoP-bound: send it as Authorization: DPoP with a DPoP proof', `DPoP-bound token of ${token.clientId} sent as ${presented.scheme}`);
    }
    let jkt: string;
    try {
      ({ jkt } = await this.verifier.verify(request.header('dpop'), { server: presented.server, method: request.method, urls: presented.urls, accessToken: presented.value }));
    } catch (err) {
      if (!(err instanceof ProofError)) throw err;
      this.refuse(err.code, err.description, `token of ${token.clientId}: ${err.reason}`, presented);
    }
    if (!same(jkt, bound)) this.refuse('invalid_token', 'the DPoP proof is signed by another key than the access token is bound to', `token of ${token.clientId} bound to ${bound}, proof key ${jkt}`);
  }

  private refuse(error: string, description: string, reason: string, presented?: PresentedAccessToken): never {
    const quoted = description.replace(/["\\]/g, "'");
    const headers = error === 'use_dpop_nonce' && this.nonces && presented ? { 'DPoP-Nonce': this.nonces.current(presented.server) } : undefined;
    throw new OAuthError(401, error, description, {
      reason,
      challenge: `DPoP error="${error}", error_description="${quoted}", algs="${this.verifier.algorithms.join(' ')}"`,
      headers,
    });
  }
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
