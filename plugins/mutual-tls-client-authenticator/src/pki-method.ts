/**
 * RFC 8705 §2.1 `tls_client_auth`: the presented certificate chains (through intermediates the
 * client sent) to a configured trust anchor, within `[limits] max_chain_depth`, every certificate
 * within its validity period, the leaf not a CA and usable for client authentication; then it must
 * carry the client's one registered subject value (DN compared per RFC 4514, SANs exactly).
 */
import type { Client, ClientCertificate } from '../../../core/api/index.ts';
import { type ChainFailureReason, validateChain } from './chain-validation.ts';
import { allowsClientAuthentication } from './extended-key-usage.ts';
import { Reason, authenticationFailed } from './failure.ts';
import { registeredSubject, subjectMismatch } from './registered-subject.ts';
import type { TrustStore } from './trust-store.ts';

export interface PkiMethodOptions {
  /** Null when neither trust_anchors nor truststore is configured: every attempt fails. */
  readonly anchors: TrustStore | null;
  readonly maxChainDepth: number;
  readonly checkExtendedKeyUsage: boolean;
  readonly now?: () => Date;
}

const CHAIN_REASONS: Readonly<Record<ChainFailureReason, string>> = {
  untrusted: Reason.untrustedChain,
  bad_signature: Reason.badSignature,
  too_deep: Reason.chainTooDeep,
  malformed: Reason.malformed,
  expired: Reason.expired,
  not_yet_valid: Reason.notYetValid,
  leaf_is_ca: Reason.leafIsCa,
};

export class PkiMethod {
  constructor(private readonly options: PkiMethodOptions) {}

  /** Throws `InvalidClient` with the exact reason unless the certificate authenticates the client. */
  verify(client: Client, certificate: ClientCertificate): void {
    const { anchors } = this.options;
    if (anchors === null || anchors.size === 0) throw authenticationFailed(Reason.noTrustAnchors);

    const chain = validateChain({
      leaf: certificate.der,
      presented: certificate.chain,
      trustAnchors: anchors,
      now: this.options.now?.() ?? new Date(),
      maxDepth: this.options.maxChainDepth,
    });
    if (!chain.ok) throw authenticationFailed(CHAIN_REASONS[chain.reason]);
    if (this.options.checkExtendedKeyUsage && !allowsClientAuthentication(certificate.der)) {
      throw authenticationFailed(Reason.notForClientAuth);
    }

    const subject = registeredSubject(client);
    if ('problem' in subject) throw authenticationFailed(subject.problem);
    const mismatch = subjectMismatch(subject, certificate.der);
    if (mismatch) throw authenticationFailed(mismatch);
  }
}
