import type { ClientAuthenticator, ClientAuthRequest } from '../../api/extension-points.ts';
import type { Client } from '../../api/model.ts';
import { InvalidClient } from '../../errors/oauth-errors.ts';
import { verifyClientSecret } from '../../crypto/secret-hash.ts';

/** `client_secret_basic` and `client_secret_post` (RFC 6749 §2.3.1). */
export class ClientSecretAuthenticator implements ClientAuthenticator {
  readonly methods = ['client_secret_basic', 'client_secret_post'] as const;

  detect(req: ClientAuthRequest): string | null {
    if (req.credentials.basicSecret !== null) return 'client_secret_basic';
    if (req.credentials.postSecret !== null) return 'client_secret_post';
    return null;
  }

  async authenticate(req: ClientAuthRequest, client: Client, method: string) {
    const secret = method === 'client_secret_basic' ? req.credentials.basicSecret : req.credentials.postSecret;
    if (secret === null) {
      throw new InvalidClient(`the client authenticates with ${method}`, `no secret presented by ${method}`);
    }
    if (!client.secretHash || !verifyClientSecret(secret, client.secretHash)) {
      throw new InvalidClient('client authentication failed', 'wrong client secret');
    }
    return { method };
  }
}
