/**
 * RFC 8705 §2.1 `tls_client_auth`: the presented certificate chains (through intermediates the
 * client sent) to a configured trust anchor, within `[limits] max_chain_depth`, every certificate
 * within its validity period, the leaf not a CA and usable for client authentication; then it must
 * carry the client's one registered subject value (DN compared per RFC 4514, SANs exactly). Last,
 * every enabled CertificateValidator (e.g. the certificate-revocation bundle) sees the path found.
 */
import type {
  CertificatePath,
  CertificateRefusal,
  CertificateValidator,
  Client,
  ClientCertificate,
  NamedComponent,
} from '../../../core/api/index.ts';
import { LRUCache } from 'lru-cache';
import { type ChainFailureReason, validateChain } from './chain-validation.ts';
import { allowsClientAuthentication } from './extended-key-usage.ts';
import { Reason, authenticationFailed } from './failure.ts';
import { prepareCertificate } from './prepared-certificate.ts';
import { registeredSubject, subjectMismatch } from './registered-subject.ts';
import type { TrustStore } from './trust-store.ts';

export interface PkiMethodOptions {
  /** Null when neither trust_anchors nor truststore is configured: every attempt fails. */
  readonly anchors: TrustStore | null;
  readonly maxChainDepth: number;
  readonly checkExtendedKeyUsage: boolean;
  /** Run, in order, on every path that passed everything else; any refusal refuses. */
  readonly validators?: readonly NamedComponent<CertificateValidator>[];
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
  unhandled_critical_extension: Reason.unhandledCriticalExtension,
};

/** Most remembered (certificate, check) verdicts; the least recently used goes first. */
const VERDICT_LIMIT = 1024;

export class PkiMethod {
  /**
   * The EKU and subject checks depend only on the certificate's bytes and the registered value, and
   * a client presents the same certificate every time: their verdicts are kept by the certificate's
   * SHA-256 (and the registered value). The chain itself is validated on every request.
   */
  private readonly verdicts = new LRUCache<string, { refusal: string | null }>({ max: VERDICT_LIMIT });

  constructor(private readonly options: PkiMethodOptions) {}

  /** Throws `InvalidClient` with the exact reason unless the certificate authenticates the client. */
  async verify(client: Client, certificate: ClientCertificate, method: string): Promise<void> {
    const { anchors } = this.options;
    if (anchors === null || anchors.size === 0) throw authenticationFailed(Reason.noTrustAnchors);

    const chain = validateChain({
      leaf: certificate.der,
      presented: () => certificate.chain,
      trustAnchors: anchors,
      now: this.options.now?.() ?? new Date(),
      maxDepth: this.options.maxChainDepth,
    });
    if (!chain.ok) throw authenticationFailed(CHAIN_REASONS[chain.reason]);
    // The chain validated, so the leaf parsed: this is the cached preparation, for its id.
    const leaf = prepareCertificate(certificate.der).id;
    if (this.options.checkExtendedKeyUsage) {
      const eku = this.remember(`eku\u0000${leaf}`, () => (allowsClientAuthentication(certificate.der) ? null : Reason.notForClientAuth));
      if (eku) throw authenticationFailed(eku);
    }

    const subject = registeredSubject(client);
    if ('problem' in subject) throw authenticationFailed(subject.problem);
    const mismatch = this.remember(`${subject.kind}\u0000${subject.value}\u0000${leaf}`, () => subjectMismatch(subject, certificate.der));
    if (mismatch) throw authenticationFailed(mismatch);

    // Last, so that only a certificate that would authenticate this client costs a validator's work.
    const validators = this.options.validators ?? [];
    if (validators.length === 0) return;
    const path: CertificatePath = {
      tenantId: client.tenantId,
      serverId: client.serverId,
      clientId: client.clientId,
      method,
      certificates: chain.path.map((c) => c.der),
      thumbprint: certificate.thumbprint,
    };
    for (const { name, instance } of validators) {
      let refusal: CertificateRefusal | null;
      try {
        const answer = instance.validate(path);
        refusal = answer instanceof Promise ? await answer : answer;
      } catch (e) {
        // Fail closed: a validator that cannot answer refuses (it says why in the log).
        throw authenticationFailed(Reason.validatorFailed(name, e instanceof Error ? e.message : String(e)));
      }
      if (refusal) throw authenticationFailed(Reason.refusedBy(name, refusal.reason));
    }
  }

  private remember(key: string, check: () => string | null): string | null {
    const known = this.verdicts.get(key);
    if (known !== undefined) return known.refusal;
    const verdict = check();
    this.verdicts.set(key, { refusal: verdict });
    return verdict;
  }
}
