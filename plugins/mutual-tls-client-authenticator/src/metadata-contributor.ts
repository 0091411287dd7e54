/**
 * Discovery for RFC 8705 §2.1.1 / §2.2.1: both methods in the auth-method lists of every endpoint
 * that authenticates clients (token, introspection, revocation). The core already lists the methods
 * of enabled authenticators; this keeps them there whatever the core's own filtering, without
 * duplicates. `mtls_endpoint_aliases` (RFC 8705 §5) is the core's, since it runs the alias listener;
 * `tls_client_certificate_bound_access_tokens` (§3.3) belongs to the mtls-token-binding bundle.
 */
import type { MetadataContributor } from '../../../core/api/index.ts';
import { METHODS } from './component-names.ts';

const AUTH_METHOD_LISTS = [
  'token_endpoint_auth_methods_supported',
  'introspection_endpoint_auth_methods_supported',
  'revocation_endpoint_auth_methods_supported',
] as const;

export class MutualTlsClientAuthMetadata implements MetadataContributor {
  contribute(metadata: Record<string, unknown>): void {
    for (const member of AUTH_METHOD_LISTS) {
      const current = Array.isArray(metadata[member]) ? (metadata[member] as unknown[]) : [];
      metadata[member] = [...current, ...METHODS.filter((m) => !current.includes(m))];
    }
  }
}
