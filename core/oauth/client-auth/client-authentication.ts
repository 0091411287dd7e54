/**
 * Picks the one authenticator that may authenticate this client and runs it. A client registered
 * with a method is accepted only by that method; a client with none (the WSO2 flow) goes to the first
 * authenticator, by order, that recognises the request. Every outcome is an audit event.
 */
import type { ClientAuthRequest, ClientAuthResult, ClientAuthenticator } from '../../api/extension-points.ts';
import type { Client } from '../../api/model.ts';
import { InvalidClient, OAuthError } from '../../errors/oauth-errors.ts';
import type { Named } from '../../plugins/extension-set.ts';
import { StoreUnavailableError, type Store } from '../../store/repositories.ts';
import type { EventBus } from '../../events/event-bus.ts';
import { checkFapiAssertionAlg, checkFapiClientAuthMethod } from '../../profile/fapi-client-auth.ts';

const SECRET_METHODS = new Set(['client_secret_basic', 'client_secret_post']);
/** RFC 7523 §2.2 methods: the only ones a `client_assertion` may be presented to. */
const ASSERTION_METHODS = new Set(['private_key_jwt', 'client_secret_jwt']);

export class ClientAuthentication {
  constructor(
    private readonly store: Store,
    private readonly authenticators: readonly Named<ClientAuthenticator>[],
    private readonly events: EventBus,
  ) {}

  /** Every method some enabled authenticator implements, for discovery. */
  supportedMethods(): string[] {
    return [...new Set(this.authenticators.flatMap((a) => a.instance.methods))];
  }

  async authenticate(req: ClientAuthRequest): Promise<{ client: Client; result: ClientAuthResult }> {
    const { clientId } = req.credentials;
    const certificate = req.request.clientCertificate.certificate;
    const audit = { tenantId: req.tenantId, serverId: req.serverId, remoteAddress: req.request.clientAddress, certificateThumbprint: certificate?.thumbprint };
    let method: string | undefined;
    try {
      if (!clientId) throw new InvalidClient('client_id is required', 'no client_id in the request');
      const client = await this.store.clients.get(req, clientId);
      if (!client) throw new InvalidClient('client authentication failed', 'unknown client_id');
      const [authenticator, chosen] = this.choose(req, client);
      method = chosen;
      // The server's profile is the core's to enforce, before and after any authenticator.
      checkFapiAssertionAlg(req);
      const result = await runAuthenticator(authenticator, req, client, chosen);
      checkFapiClientAuthMethod(req, result.method);
      this.events.emit({ ...audit, type: 'client.authentication.succeeded', clientId, method: result.method });
      return { client, result };
    } catch (err) {
      // The store being down says nothing about the client's credentials: 503, not invalid_client.
      if (err instanceof StoreUnavailableError) throw err;
      const error = OAuthError.is(err) ? err : new InvalidClient('client authentication failed', `authenticator failed: ${(err as Error).message}`);
      this.events.emit({ ...audit, type: 'client.authentication.failed', clientId: clientId ?? undefined, method, reason: error.reason ?? error.description });
      throw error;
    }
  }

  private choose(req: ClientAuthRequest, client: Client): [ClientAuthenticator, string] {
    const registered = client.tokenEndpointAuthMethod;
    if (registered) {
      const presentsSecret = req.credentials.basicSecret !== null || req.credentials.postSecret !== null;
      if (presentsSecret && !SECRET_METHODS.has(registered)) {
        throw new InvalidClient(`the client is registered for ${registered}`, `secret presented to a ${registered} client`);
      }
      if (req.credentials.assertion !== null && !ASSERTION_METHODS.has(registered)) {
        throw new InvalidClient(`the client is registered for ${registered}`, `client_assertion presented to a ${registered} client`);
      }
      if (req.credentials.assertion === null && ASSERTION_METHODS.has(registered)) {
        throw new InvalidClient(`the client authenticates with ${registered}: send client_assertion`, `no client_assertion from a ${registered} client`);
      }
      const owner = this.authenticators.find((a) => a.instance.methods.includes(registered));
      if (!owner) throw new InvalidClient(`${registered} is not enabled on this server`, `no enabled authenticator implements ${registered}`);
      return [owner.instance, registered];
    }
    if (req.credentials.assertion !== null) {
      throw new InvalidClient('client_assertion is accepted only from clients registered for private_key_jwt or client_secret_jwt', 'client_assertion from a client without a registered method');
    }
    for (const { instance } of this.authenticators) {
      const detected = instance.detect(req, client);
      if (detected) return [instance, detected];
    }
    throw new InvalidClient('client authentication failed', 'no credentials this client can use');
  }
}

async function runAuthenticator(authenticator: ClientAuthenticator, req: ClientAuthRequest, client: Client, method: string) {
  const result = await authenticator.authenticate(req, client, method);
  // Fail closed on a plugin answering for another method than it was asked for.
  if (!result || result.method !== method) throw new InvalidClient('client authentication failed', `authenticator answered for ${result?.method} instead of ${method}`);
  return result;
}
