/**
 * Shared by this bundle's end-to-end tests: the deployment.toml blocks that switch revocation on,
 * and token calls over real TLS presenting a certificate made by `openssl ca`.
 */
import { type CallResult, call } from '../../../test/support/https-client.ts';
import { type TestServer, startTestServer } from '../../../test/support/test-server.ts';
import type { IssuedCert } from './openssl-pki.ts';

export const VALIDATOR = 'tessera.revocation.CertificateRevocationValidator';

/** The authenticator, and this bundle's validator plugged into it. */
export const ENABLE = `
[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"

[[event_listener]]
name = "${VALIDATOR}"
`;

/**
 * A server that trusts `anchorPem`, with the authenticator and this bundle's validator enabled and
 * `revocation` as the body of `[oauth.mutualtls.revocation]`; `extraToml` (more listeners, a grant
 * handler) comes before it.
 */
export function startRevocationServer(anchorPem: string, revocation: string, extraToml = ''): Promise<TestServer> {
  return startTestServer({
    files: { 'anchors.pem': anchorPem },
    toml: `${ENABLE}${extraToml}
[oauth.mutualtls]
trust_anchors = "anchors.pem"

[oauth.mutualtls.revocation]
${revocation}`,
  });
}

/** `curl --cert leaf+chain.pem --key leaf.key -d grant_type=client_credentials -d client_id=...` */
export function tokenAs(server: TestServer, clientId: string, cert: IssuedCert): Promise<CallResult> {
  return call(`${server.url}/oauth2/token`, {
    form: { grant_type: 'client_credentials', client_id: clientId },
    cert: cert.chainPem,
    key: cert.keyPem,
  });
}

/** A tls_client_auth client registered for the certificate's subject DN (as openssl wrote it). */
export function registerFor(server: TestServer, clientId: string, cert: IssuedCert, fields: Record<string, unknown> = {}) {
  return server.createClient({
    clientId,
    tokenEndpointAuthMethod: 'tls_client_auth',
    tlsClientAuthSubjectDn: `CN=${cert.name},O=Tessera Tests`,
    ...fields,
  });
}

/** Polls `probe` until `done` holds (the server notices a change on its own schedule): no fixed sleep. */
export async function eventually<T>(probe: () => Promise<T>, done: (value: T) => boolean, limitMs = 10_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
