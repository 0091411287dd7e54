/**
 * What is measured: each scenario says, per server, which request is sent and how one sample answer
 * proves the server did the real work (a bound token, an active introspection with cnf).
 */
import { Agent, request } from 'undici';
import { decodeJwt } from 'jose';
import type { ConnectionMode, LoadSpec } from './load.ts';
import type { RunningServer, ServerKind } from './server-process.ts';
import type { BenchPki } from './pki.ts';

export const CERT_HEADER = 'x-ssl-client-cert';

export interface Scenario {
  id: string;
  title: string;
  mode: ConnectionMode;
  /** Behind a TLS-terminating proxy: plain HTTP with the URL-encoded certificate in a header. */
  proxy: boolean;
  servers: ServerKind[];
  /** Which target family it feeds (see report.ts). */
  kind: 'token' | 'introspect';
  format: 'opaque' | 'jwt';
}

const ALL: ServerKind[] = ['ceiling', 'oidc', 'oidc-sqlite', 'tessera'];

export const SCENARIOS: Scenario[] = [
  // tessera-revocation (issue #17: revocation on vs off, warm caches) is measured on this one only.
  { id: 'token-opaque', title: 'client_credentials, bound opaque token, keep-alive', mode: 'keepalive', proxy: false, servers: [...ALL, 'tessera-revocation'], kind: 'token', format: 'opaque' },
  { id: 'token-jwt', title: 'client_credentials, bound JWT, keep-alive', mode: 'keepalive', proxy: false, servers: ALL, kind: 'token', format: 'jwt' },
  { id: 'introspect-opaque', title: 'introspection of a bound opaque token, keep-alive', mode: 'keepalive', proxy: false, servers: ALL, kind: 'introspect', format: 'opaque' },
  // oidc-provider refuses to introspect structured (JWT) access tokens by design.
  { id: 'introspect-jwt', title: 'introspection of a bound JWT, keep-alive (oidc-provider: not supported)', mode: 'keepalive', proxy: false, servers: ['ceiling', 'tessera'], kind: 'introspect', format: 'jwt' },
  { id: 'token-opaque-handshake', title: 'client_credentials opaque, new connection + full mTLS handshake per request', mode: 'handshake', proxy: false, servers: ALL, kind: 'token', format: 'opaque' },
  { id: 'token-opaque-resumed', title: 'client_credentials opaque, new connection per request, TLS session resumed', mode: 'resumed', proxy: false, servers: ALL, kind: 'token', format: 'opaque' },
  { id: 'proxy-token-opaque', title: 'client_credentials opaque behind a proxy: plain HTTP + certificate header, keep-alive', mode: 'keepalive', proxy: true, servers: ALL, kind: 'token', format: 'opaque' },
];

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Paths and bodies of each server's endpoints. */
function tokenRequest(kind: ServerKind, format: 'opaque' | 'jwt'): { path: string; body: string } {
  switch (kind) {
    case 'tessera':
    case 'tessera-revocation':
      return { path: '/oauth2/token', body: `grant_type=client_credentials&client_id=bench-${format}&scope=api%3Aread` };
    case 'oidc':
    case 'oidc-sqlite':
      return { path: '/token', body: `grant_type=client_credentials&client_id=bench&scope=api%3Aread&resource=urn%3Abench%3A${format}` };
    case 'ceiling':
      return { path: '/token', body: `grant_type=client_credentials&client_id=bench-${format}&scope=api%3Aread` };
  }
}

function introspectionRequest(kind: ServerKind, token: string): { path: string; body: string } {
  const value = encodeURIComponent(token);
  switch (kind) {
    case 'tessera':
    case 'tessera-revocation':
      return { path: '/oauth2/introspect', body: `token=${value}&client_id=bench-opaque` };
    case 'oidc':
    case 'oidc-sqlite':
      return { path: '/token/introspection', body: `token=${value}&client_id=bench` };
    case 'ceiling':
      return { path: '/introspect', body: `token=${value}&client_id=bench-opaque` };
  }
}

/** Sends requests outside the measured window (token pools, checks) with the bench client certificate. */
export class SetupClient {
  private readonly agent: Agent;

  constructor(private readonly pki: BenchPki) {
    this.agent = new Agent({ connect: { cert: pki.clientCertPem, key: pki.clientKeyPem, ca: pki.caPem, servername: 'localhost' } });
  }

  async post(origin: string, path: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await request(`${origin}${path}`, { method: 'POST', body, headers: { ...FORM, ...headers }, dispatcher: this.agent });
    const text = await response.body.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      json = { text };
    }
    return { status: response.statusCode, json };
  }

  async issue(server: RunningServer, format: 'opaque' | 'jwt'): Promise<string> {
    const { path, body } = tokenRequest(server.kind, format);
    const { status, json } = await this.post(server.httpsOrigin, path, body);
    if (status !== 200 || typeof json.access_token !== 'string') throw new Error(`${server.kind}: token request failed: ${status} ${JSON.stringify(json)}`);
    return json.access_token;
  }

  async introspect(server: RunningServer, token: string): Promise<Record<string, unknown>> {
    const { path, body } = introspectionRequest(server.kind, token);
    const { status, json } = await this.post(server.httpsOrigin, path, body);
    if (status !== 200) throw new Error(`${server.kind}: introspection failed: ${status} ${JSON.stringify(json)}`);
    return json;
  }

  /** Throws unless `token` is active and bound to the bench client certificate. */
  async expectBound(server: RunningServer, token: string, format: 'opaque' | 'jwt'): Promise<void> {
    const cnf = format === 'jwt' ? (decodeJwt(token).cnf as Record<string, unknown> | undefined) : ((await this.introspect(server, token)).cnf as Record<string, unknown> | undefined);
    if (cnf?.['x5t#S256'] !== this.pki.clientThumbprint) throw new Error(`${server.kind}: ${format} token is not bound to the client certificate (cnf ${JSON.stringify(cnf)})`);
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/**
 * The load for `scenario` against `server`, after checking one answer: a bound token for token
 * scenarios; for introspection, a pool of bound tokens issued just before (64, round-robin).
 */
export async function prepare(scenario: Scenario, server: RunningServer, setup: SetupClient, pki: BenchPki): Promise<LoadSpec> {
  const tls = scenario.proxy ? null : { cert: pki.clientCertPem, key: pki.clientKeyPem, ca: pki.caPem };
  const origin = scenario.proxy ? server.httpOrigin : server.httpsOrigin;
  const headers: Record<string, string> = { ...FORM };
  if (scenario.proxy) headers[CERT_HEADER] = encodeURIComponent(pki.clientCertPem);

  if (scenario.kind === 'token') {
    const { path, body } = tokenRequest(server.kind, scenario.format);
    if (server.kind !== 'ceiling') {
      const sample = await setup.post(origin, path, body, scenario.proxy ? { [CERT_HEADER]: headers[CERT_HEADER] } : {});
      if (sample.status !== 200 || typeof sample.json.access_token !== 'string') {
        throw new Error(`${server.kind} ${scenario.id}: sample request failed: ${sample.status} ${JSON.stringify(sample.json)}`);
      }
      await setup.expectBound(server, sample.json.access_token, scenario.format);
      if (server.kind === 'tessera-revocation') await expectRevokedRefused(origin, path, body, scenario.proxy, pki);
    }
    return { origin, path, headers, bodies: [body], mode: scenario.mode, tls };
  }

  const tokens: string[] = [];
  if (server.kind === 'ceiling') tokens.push('x'.repeat(43));
  else {
    for (let i = 0; i < 64; i++) tokens.push(await setup.issue(server, scenario.format));
    await setup.expectBound(server, tokens[0], scenario.format);
    const answer = await setup.introspect(server, tokens[0]);
    if (answer.active !== true) throw new Error(`${server.kind}: introspection says inactive: ${JSON.stringify(answer)}`);
  }
  const requests = tokens.map((t) => introspectionRequest(server.kind, t));
  return { origin, path: requests[0].path, headers, bodies: requests.map((r) => r.body), mode: scenario.mode, tls };
}

/**
 * The revocation bundle is really in the path: the same request with the CA's revoked client
 * certificate (same subject DN, so only the revocation check can refuse it) must get 401
 * invalid_client. With hard_fail, the sample above being accepted means the CRL said good.
 */
async function expectRevokedRefused(origin: string, path: string, body: string, proxy: boolean, pki: BenchPki): Promise<void> {
  const agent = new Agent({ connect: { cert: pki.revokedCertPem, key: pki.revokedKeyPem, ca: pki.caPem, servername: 'localhost' } });
  try {
    const headers: Record<string, string> = { ...FORM };
    if (proxy) headers[CERT_HEADER] = encodeURIComponent(pki.revokedCertPem);
    const response = await request(`${origin}${path}`, { method: 'POST', body, headers, dispatcher: agent });
    const text = await response.body.text();
    if (response.statusCode !== 401 || !text.includes('invalid_client')) {
      throw new Error(`tessera-revocation: a token request with the revoked certificate got ${response.statusCode} ${text}, not 401 invalid_client: the revocation check is not running`);
    }
  } finally {
    await agent.close();
  }
}

/** Table-size scenarios (Tessera only): issue and introspect against a seeded access-token table. */
export async function prepareSeeded(kind: 'issue' | 'introspect', server: RunningServer, setup: SetupClient, pki: BenchPki): Promise<LoadSpec> {
  const tls = { cert: pki.clientCertPem, key: pki.clientKeyPem, ca: pki.caPem };
  if (kind === 'issue') {
    const { path, body } = tokenRequest('tessera', 'opaque');
    return { origin: server.httpsOrigin, path, headers: { ...FORM }, bodies: [body], mode: 'keepalive', tls };
  }
  const sample = server.ready.sampleTokens ?? [];
  if (sample.length === 0) throw new Error('seeded server reported no sample tokens');
  const answer = await setup.introspect(server, sample[sample.length >> 1]);
  if (answer.active !== true || (answer.cnf as Record<string, unknown> | undefined)?.['x5t#S256'] !== pki.clientThumbprint) {
    throw new Error(`seeded token not active and bound: ${JSON.stringify(answer)}`);
  }
  const requests = sample.map((t) => introspectionRequest('tessera', t));
  return { origin: server.httpsOrigin, path: requests[0].path, headers: { ...FORM }, bodies: requests.map((r) => r.body), mode: 'keepalive', tls };
}
