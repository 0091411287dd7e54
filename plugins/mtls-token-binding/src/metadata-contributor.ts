/** RFC 8705 §3.3: the server issues certificate-bound access tokens. */
import type { MetadataContributor } from '../../../core/api/index.ts';

export class CertificateBoundTokensMetadata implements MetadataContributor {
  contribute(metadata: Record<string, unknown>): void {
    metadata.tls_client_certificate_bound_access_tokens = true;
  }
}
