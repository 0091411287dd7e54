/**
 * The ClientAuthenticator of RFC 8705 §2 (WSO2's MutualTLSClientAuthenticator). The core hands it a
 * client already identified by `client_id` — a certificate never picks the client — and the method
 * the client registered, or, for a client registered without one, the method `detect` names.
 * Every refusal is `invalid_client` with the exact reason for the audit log; nothing falls back.
 */
import type { Client, ClientAuthRequest, ClientAuthResult, ClientAuthenticator } from '../../../core/api/index.ts';
import { InvalidClient } from '../../../core/api/index.ts';
import { METHODS, SELF_SIGNED_TLS_CLIENT_AUTH, TLS_CLIENT_AUTH } from './component-names.ts';
import { Reason, authenticationFailed } from './failure.ts';
import { KeyUsageVerdicts } from './key-usage.ts';
import type { PkiMethod } from './pki-method.ts';
import { presentedCertificate, presentsCertificate } from './presented-certificate.ts';
import type { SelfSignedMethod } from './self-signed-method.ts';

export class MutualTlsClientAuthenticator implements ClientAuthenticator {
  readonly methods = METHODS;
  private readonly keyUsageVerdicts = new KeyUsageVerdicts();

  constructor(
    private readonly pki: PkiMethod,
    private readonly selfSigned: SelfSignedMethod,
  ) {}

  /**
   * The WSO2 flow: a client registered with certificates but no method is authenticated by
   * certificate match when it presents a certificate (or a forwarded one the core could not read:
   * the failure then says why) and no secret. A presented secret always leaves it to the secret
   * methods, so a certificate never changes how a secret client is checked.
   */
  detect(req: ClientAuthRequest, client: Client): string | null {
    if (client.tokenEndpointAuthMethod !== null) return null;
    if (req.credentials.basicSecret !== null || req.credentials.postSecret !== null) return null;
    if (!Array.isArray(client.certificates) || client.certificates.length === 0) return null;
    return presentsCertificate(req) ? SELF_SIGNED_TLS_CLIENT_AUTH : null;
  }

  async authenticate(req: ClientAuthRequest, client: Client, method: string): Promise<ClientAuthResult> {
    if (method !== TLS_CLIENT_AUTH && method !== SELF_SIGNED_TLS_CLIENT_AUTH) {
      throw new InvalidClient('client authentication failed', `${method} is not a mutual-TLS method`);
    }
    const certificate = presentedCertificate(req);
    // Before either method: a key the certificate does not allow to sign cannot prove a TLS client.
    if (!this.keyUsageVerdicts.allows(certificate.der)) throw authenticationFailed(Reason.noDigitalSignature);
    if (method === TLS_CLIENT_AUTH) await this.pki.verify(client, certificate, method);
    else await this.selfSigned.verify(client, certificate);
    return { method, certificate };
  }
}
