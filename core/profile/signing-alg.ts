/**
 * The algorithm the server signs with: the configured one, except on a fapi2-security server, where
 * only PS256, ES256 and EdDSA are allowed (FAPI 2.0 §5.4.1) — of the server's key types, ES256.
 */
import type { ServerProfile } from '../api/model.ts';
import { FAPI_SIGNING_ALGS, isFapi } from './fapi2-security.ts';

/** Generic over the algorithm names so this folder needs nothing of core/tokens (which calls it). */
export function signingAlgFor<Alg extends string>(server: { readonly profile?: ServerProfile }, configured: Alg): Alg | 'ES256' {
  return isFapi(server) && !FAPI_SIGNING_ALGS.includes(configured) ? 'ES256' : configured;
}

/** For discovery's `id_token_signing_alg_values_supported`. */
export const idTokenSigningAlg = signingAlgFor;
