/**
 * RFC 8705 §2.2 `self_signed_tls_client_auth` (and the WSO2 certificate match): the presented
 * certificate must be byte for byte one the client registered — a PEM in `certificates` (several
 * allow rotation), an `x5c` in `jwks`, or one in the document at `jwks_uri` (cached; fetched again,
 * rate-limited, when an unknown certificate shows up) — and be inside its validity period.
 * No chain is built and basicConstraints is not looked at: `openssl req -x509`, as the WSO2 guide
 * uses, makes cA=TRUE certificates, and the registration itself is the trust.
 */
import type { Client, ClientCertificate, JwksUriCache, JwksUriLookup } from '../../../core/api/index.ts';
import { validityProblem } from './certificate-validity.ts';
import { Reason, authenticationFailed } from './failure.ts';
import { containsCertificate, jwksCertificates, pemCertificates } from './registered-certificates.ts';

export interface SelfSignedMethodOptions {
  readonly jwksUri: JwksUriCache;
  /** Most certificates taken from one jwks_uri document (`[limits] max_certificates_per_client`). */
  readonly maxCertificates: number;
  readonly now?: () => Date;
}

const VALIDITY_REASONS = { expired: Reason.expired, not_yet_valid: Reason.notYetValid, malformed: Reason.malformed } as const;

export class SelfSignedMethod {
  constructor(private readonly options: SelfSignedMethodOptions) {}

  /** Resolves when the certificate authenticates the client; throws `InvalidClient` with the reason. */
  async verify(client: Client, certificate: ClientCertificate): Promise<void> {
    const validity = validityProblem(certificate.der, this.options.now?.() ?? new Date());
    if (validity) throw authenticationFailed(VALIDITY_REASONS[validity]);

    const registered = [...pemCertificates(client.certificates ?? []), ...jwksCertificates(client.jwks)];
    if (containsCertificate(registered, certificate.der)) return;
    if (!client.jwksUri) throw authenticationFailed(registered.length > 0 ? Reason.unknownCertificate : Reason.noRegisteredCertificate);

    const key = `${client.tenantId}/${client.serverId}/${client.clientId}`;
    const holds = (lookup: JwksUriLookup) => lookup.jwks !== null && containsCertificate(jwksCertificates(lookup.jwks, this.options.maxCertificates), certificate.der);
    let lookup = await this.options.jwksUri.lookup(key, client.jwksUri);
    if (holds(lookup)) return;
    if (!lookup.fetched) {
      // Not in the cached document: the client may have rotated. Fetch again, rate limit permitting.
      lookup = await this.options.jwksUri.lookup(key, client.jwksUri, true);
      if (holds(lookup)) return;
    }
    if (lookup.problem !== null) throw authenticationFailed(Reason.jwksUriFailed(lookup.problem));
    throw authenticationFailed(Reason.unknownCertificate);
  }
}
