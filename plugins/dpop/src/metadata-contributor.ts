/** RFC 9449 §5.1: the algorithms this server accepts for DPoP proofs. */
import type { MetadataContributor } from '../../../core/api/index.ts';

export class DPoPMetadata implements MetadataContributor {
  constructor(private readonly algorithms: readonly string[]) {}

  contribute(metadata: Record<string, unknown>): void {
    metadata.dpop_signing_alg_values_supported = [...this.algorithms];
  }
}
