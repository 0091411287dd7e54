/**
 * The self-signed, certificate-bound client the multi-process figures (cluster behind nginx, workers
 * on one machine) register, and the tokens they issue before loading: shared so both figures measure
 * the same request.
 */
import type { Client } from '../../core/api/model.ts';
import { aClient } from '../../test/support/client-builder.ts';
import type { BenchPki } from './pki.ts';

/** The deployment.toml blocks every bench Tessera runs with: mTLS client authentication, bound tokens, the binding in introspection. */
export const MTLS_BUNDLES_TOML = `[oauth.grant_type.client_credentials]
grant_handler = "tessera.mtls.binding.ClientCredentialsGrantHandler"

[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"

[[event_listener]]
name = "tessera.mtls.introspection.IntrospectionResponseInterceptor"

[[event_listener]]
name = "tessera.mtls.introspection.CertificateBindingDataProvider"
`;

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export function selfSignedBenchClient(pki: BenchPki, clientId: string): Client {
  return aClient({
    clientId,
    clientName: clientId,
    tokenEndpointAuthMethod: 'self_signed_tls_client_auth',
    scopes: ['api:read'],
    tlsClientCertificateBoundAccessTokens: true,
    certificates: [pki.clientCertPem],
    accessTokenFormat: 'opaque',
  });
}

export interface BenchTls {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

export type BenchPost = (path: string, body: string) => Promise<{ status: number; json: Record<string, unknown> }>;

/** A POST over a fresh mutual-TLS connection (SNI localhost), answered as JSON. */
export function benchPost(origin: string, tls: BenchTls): BenchPost {
  return async (path, body) => {
    const { Agent, request } = await import('undici');
    const agent = new Agent({ connect: { ...tls, servername: 'localhost' } });
    try {
      const res = await request(`${origin}${path}`, { method: 'POST', body, headers: FORM, dispatcher: agent });
      return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
    } finally {
      await agent.close();
    }
  };
}

/** The token request body, and `count` tokens issued with it (throws, naming `figure`, on any refusal). */
export async function issueBenchTokens(post: BenchPost, clientId: string, count: number, figure: string): Promise<{ tokenBody: string; tokens: string[] }> {
  const tokenBody = `grant_type=client_credentials&client_id=${clientId}&scope=api%3Aread`;
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await post('/oauth2/token', tokenBody);
    if (res.status !== 200 || typeof res.json.access_token !== 'string') throw new Error(`${figure} token request failed: ${res.status} ${JSON.stringify(res.json)}`);
    tokens.push(res.json.access_token);
  }
  return { tokenBody, tokens };
}
