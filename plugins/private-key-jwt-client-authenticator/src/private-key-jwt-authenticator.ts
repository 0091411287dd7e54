/**
 * `private_key_jwt` and `client_secret_jwt` (RFC 7523 §2.2, OIDC Core §9) for clients registered
 * with one of them. Never detected for an unregistered client: a JWT method is chosen at
 * registration, so an assertion can never stand in for a certificate or a secret.
 */
import type { Client, ClientAuthenticator, ClientAuthRequest, ClientAuthResult } from '../../../core/api/index.ts';
import type { AssertionVerifier } from './assertion-verifier.ts';
import { METHODS } from './component-names.ts';

export class PrivateKeyJwtAuthenticator implements ClientAuthenticator {
  readonly methods = METHODS;

  constructor(private readonly verifier: AssertionVerifier) {}

  detect(): string | null {
    return null;
  }

  async authenticate(req: ClientAuthRequest, client: Client, method: string): Promise<ClientAuthResult> {
    await this.verifier.verify(req, client, method);
    return { method };
  }
}
