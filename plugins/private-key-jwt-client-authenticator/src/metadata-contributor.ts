/**
 * Discovery (RFC 8414 §2, OIDC Discovery §3): both methods in the auth method lists of every endpoint
 * that authenticates clients, and the `*_auth_signing_alg_values_supported` members — the same list
 * the verifier accepts. (A fapi2-security server narrows them further: the core does that.)
 */
import type { MetadataContributor } from '../../../core/api/index.ts';
import { METHODS } from './component-names.ts';

const ENDPOINTS = ['token_endpoint', 'introspection_endpoint', 'revocation_endpoint'] as const;

export class PrivateKeyJwtMetadata implements MetadataContributor {
  constructor(private readonly signingAlgs: readonly string[]) {}

  contribute(metadata: Record<string, unknown>): void {
    for (const endpoint of ENDPOINTS) {
      const member = `${endpoint}_auth_methods_supported`;
      const current = Array.isArray(metadata[member]) ? (metadata[member] as unknown[]) : [];
      metadata[member] = [...current, ...METHODS.filter((m) => !current.includes(m))];
      metadata[`${endpoint}_auth_signing_alg_values_supported`] = [...this.signingAlgs];
    }
  }
}
