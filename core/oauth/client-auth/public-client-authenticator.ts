import type { ClientAuthenticator, ClientAuthRequest } from '../../api/extension-points.ts';
import type { Client } from '../../api/model.ts';
import { InvalidClient } from '../../errors/oauth-errors.ts';

/** `none`: a public client identifies itself by `client_id` alone (PKCE then carries the proof). */
export class PublicClientAuthenticator implements ClientAuthenticator {
  readonly methods = ['none'] as const;

  detect(): string | null {
    // Only clients registered as public use it: an unregistered method never falls back to "none".
    return null;
  }

  async authenticate(req: ClientAuthRequest, _client: Client, method: string) {
    if (req.credentials.basicSecret !== null || req.credentials.postSecret !== null) {
      throw new InvalidClient('a public client has no secret', 'secret presented by a public client');
    }
    return { method };
  }
}
