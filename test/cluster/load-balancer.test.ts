/**
 * Two Tessera nodes — separate `tessera start` processes on one fresh PostgreSQL schema — behind a
 * real nginx configured as docs/deploy/nginx.conf says: TLS and client certificates end at nginx,
 * which forwards the certificate in X-Client-Cert over plain HTTP. The test always knows which node
 * served: each node also has its own nginx port (`pinnedUrl`, same TLS and proxy settings), and nginx
 * names the node in X-Tessera-Upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallOptions, type CallResult, call, closeClients } from '../support/https-client.ts';
import { createSelfSigned, thumbprintOf, type Issued } from '../support/pki.ts';
import { CERTIFICATE_HEADER, startCluster, type Cluster, type ClusterNode } from '../support/cluster.ts';

const ADMIN: [string, string] = ['admin', 'admin'];
const SECRET = 'bound-app-secret-0123456789abcdef';
const USER = { username: 'kim', password: 'kim-Passw0rd-for-cluster' };

let cluster: Cluster;
let a: ClusterNode;
let b: ClusterNode;
/** The certificate bound-app presents over TLS, and another one a client might try to inject. */
let tlsCert: Issued;
let injected: Issued;
/** The registered certificate of the self_signed_tls_client_auth client. */
let mtlsCert: Issued;

/** The nginx URL that reaches only `node`. */
const via = (node: ClusterNode) => node.pinnedUrl!;
const servedBy = (res: CallResult) => String(res.headers['x-tessera-upstream'] ?? '');
/** nginx's $ssl_client_escaped_cert encoding. */
const escaped = (cert: Issued) => encodeURIComponent(cert.certPem);

function tokenCall(base: string, form: Record<string, string>, options: Omit<CallOptions, 'form'> = {}): Promise<CallResult> {
  return call(`${base}/oauth2/token`, { form, ...options });
}

function boundToken(base: string, form: Record<string, string> = { grant_type: 'client_credentials' }, options: Omit<CallOptions, 'form'> = {}) {
  return tokenCall(base, form, { basic: ['bound-app', SECRET], cert: tlsCert.certPem, key: tlsCert.keyPem, ...options });
}

/**
 * RFC 7662 introspection by a client of its own (a resource server). Not as the super admin: its
 * Basic password costs a scrypt per call, and parallel logins count against its lockout.
 */
async function introspect(base: string, token: string): Promise<Record<string, unknown>> {
  const res = await call(`${base}/oauth2/introspect`, { form: { token }, basic: ['resource-server', SECRET] });
  expect(res.status, res.text).toBe(200);
  return res.json as Record<string, unknown>;
}

function admin(base: string, path: string, json: unknown): Promise<CallResult> {
  return call(`${base}${path}`, { json, basic: ADMIN });
}

function expectError(res: CallResult, status: number, error: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.json?.error, res.text).toBe(error);
}

beforeAll(async () => {
  [tlsCert, injected, mtlsCert] = await Promise.all([
    createSelfSigned({ subject: 'CN=bound-app' }),
    createSelfSigned({ subject: 'CN=someone-else' }),
    createSelfSigned({ subject: 'CN=mtls-app' }),
  ]);
  cluster = await startCluster({ nodes: 2 });
  [a, b] = cluster.nodes;
  // Registered through node a's admin API (through nginx); the other tests use them on node b.
  const created = await Promise.all([
    admin(via(a), '/api/admin/default/clients', {
      client_id: 'bound-app',
      client_secret: SECRET,
      grant_types: ['client_credentials', 'password', 'refresh_token'],
      tls_client_certificate_bound_access_tokens: true,
    }),
    admin(via(a), '/api/admin/default/clients', {
      client_id: 'mtls-app',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      grant_types: ['client_credentials'],
      certificate: mtlsCert.certPem,
      tls_client_certificate_bound_access_tokens: true,
    }),
    admin(via(a), '/api/admin/default/clients', { client_id: 'resource-server', client_secret: SECRET, grant_types: ['client_credentials'] }),
    admin(via(a), '/api/admin/default/users', USER),
  ]);
  for (const res of created) expect(res.status, res.text).toBe(201);
}, 180_000);

afterAll(async () => {
  await closeClients();
  await cluster?.stop();
}, 60_000);

describe('two nodes behind nginx on one PostgreSQL', () => {
  it('serves the same issuer on every node, and round-robins between them', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const res = await call(`${cluster.url}/.well-known/openid-configuration`);
      expect(res.status).toBe(200);
      expect(res.json.issuer).toBe(cluster.url);
      seen.add(servedBy(res));
    }
    expect(seen).toEqual(new Set([a.address, b.address]));
    for (const node of [a, b]) {
      const res = await call(`${via(node)}/.well-known/openid-configuration`);
      expect(servedBy(res)).toBe(node.address);
      expect(res.json.issuer).toBe(cluster.url);
    }
  });

  it('a token issued by node a introspects on node b, with the cnf of the TLS client certificate', async () => {
    const issued = await boundToken(via(a));
    expect(issued.status, issued.text).toBe(200);
    expect(servedBy(issued)).toBe(a.address);
    const res = await call(`${via(b)}/oauth2/introspect`, { form: { token: issued.json.access_token }, basic: ['resource-server', SECRET] });
    expect(servedBy(res)).toBe(b.address);
    expect(res.json).toMatchObject({ active: true, client_id: 'bound-app', iss: cluster.url, cnf: { 'x5t#S256': thumbprintOf(tlsCert.der) } });
  });

  it('a refresh token issued by a refreshes once on b; reused on a it is refused and its family revoked', async () => {
    const login = await boundToken(via(a), { grant_type: 'password', ...USER });
    expect(login.status, login.text).toBe(200);
    expect(servedBy(login)).toBe(a.address);
    const first = login.json.refresh_token as string;

    const refreshed = await boundToken(via(b), { grant_type: 'refresh_token', refresh_token: first });
    expect(refreshed.status, refreshed.text).toBe(200);
    expect(servedBy(refreshed)).toBe(b.address);
    expect(await introspect(via(a), refreshed.json.access_token)).toMatchObject({ active: true, username: USER.username });

    const reused = await boundToken(via(a), { grant_type: 'refresh_token', refresh_token: first });
    expect(servedBy(reused)).toBe(a.address);
    expectError(reused, 400, 'invalid_grant');
    // Reuse revoked the whole family, on every node: the rotated refresh token and what it issued.
    expectError(await boundToken(via(b), { grant_type: 'refresh_token', refresh_token: refreshed.json.refresh_token }), 400, 'invalid_grant');
    expect(await introspect(via(b), refreshed.json.access_token)).toEqual({ active: false });
    expect(await introspect(via(b), login.json.access_token)).toEqual({ active: false });
  });

  it('a token revoked on a is inactive on b at the very next introspection (the bound is 0: no node caches token state)', async () => {
    for (const format of ['jwt', 'opaque'] as const) {
      const clientId = `revoking-${format}`;
      expect((await admin(via(a), '/api/admin/default/clients', { client_id: clientId, client_secret: SECRET, grant_types: ['client_credentials'], access_token_format: format })).status).toBe(201);
      const issued = await tokenCall(via(b), { grant_type: 'client_credentials' }, { basic: [clientId, SECRET] });
      expect(issued.status, issued.text).toBe(200);
      expect(await introspect(via(b), issued.json.access_token)).toMatchObject({ active: true });

      const revoked = await call(`${via(a)}/oauth2/revoke`, { form: { token: issued.json.access_token }, basic: [clientId, SECRET] });
      expect(revoked.status).toBe(200);
      expect(servedBy(revoked)).toBe(a.address);
      // No wait, no retry: the revocation committed before node a answered.
      expect(await introspect(via(b), issued.json.access_token)).toEqual({ active: false });
    }
  });

  it('a client created through the admin API on a authenticates on b at once', async () => {
    const created = await admin(via(a), '/api/admin/default/clients', { client_id: 'late-app', client_secret: SECRET, grant_types: ['client_credentials'] });
    expect(created.status, created.text).toBe(201);
    expect(servedBy(created)).toBe(a.address);
    const issued = await tokenCall(via(b), { grant_type: 'client_credentials' }, { basic: ['late-app', SECRET] });
    expect(issued.status, issued.text).toBe(200);
    expect(servedBy(issued)).toBe(b.address);
  });

  it('signing keys rotated on a are published and used by b within the notification latency', async () => {
    const before = await call(`${via(b)}/oauth2/jwks`);
    const rotated = await call(`${via(a)}/api/admin/default/servers/default/keys/rotate`, { method: 'POST', basic: ADMIN });
    expect(rotated.status, rotated.text).toBe(200);
    const kids = rotated.json.kids as string[];
    expect(before.json.keys.map((k: { kid: string }) => k.kid)).not.toEqual(expect.arrayContaining(kids));
    const started = Date.now();
    let kid = '';
    // Without the invalidation, b would sign with the old key for up to a minute (its cache's age limit).
    while (!kids.includes(kid) && Date.now() - started < 3_000) {
      const issued = await boundToken(via(b));
      kid = JSON.parse(Buffer.from(issued.json.access_token.split('.')[0], 'base64url').toString()).kid;
    }
    expect(kids).toContain(kid);
    const jwks = await call(`${via(b)}/oauth2/jwks`);
    expect(jwks.json.keys.map((k: { kid: string }) => k.kid)).toEqual(expect.arrayContaining(kids));
  });

  describe(`a ${CERTIFICATE_HEADER} header sent by the client itself`, () => {
    it('is replaced by nginx: the token is bound to the TLS certificate, not to the injected one', async () => {
      for (const name of [CERTIFICATE_HEADER, CERTIFICATE_HEADER.toLowerCase()]) {
        const issued = await boundToken(cluster.url, undefined, { headers: { [name]: escaped(injected) } });
        expect(issued.status, issued.text).toBe(200);
        const info = await introspect(via(b), issued.json.access_token);
        expect(info.cnf).toEqual({ 'x5t#S256': thumbprintOf(tlsCert.der) });
      }
    });

    it('without a TLS certificate gives no binding, and no mutual-TLS client authentication', async () => {
      for (const node of [a, b]) {
        // bound-app must present a certificate: the injected one never reached the node.
        const unbound = await tokenCall(via(node), { grant_type: 'client_credentials' }, { basic: ['bound-app', SECRET], headers: { [CERTIFICATE_HEADER]: escaped(tlsCert) } });
        expectError(unbound, 400, 'invalid_grant');
        // mtls-app's own registered certificate, injected: not a credential.
        const impostor = await tokenCall(via(node), { grant_type: 'client_credentials', client_id: 'mtls-app' }, { headers: { [CERTIFICATE_HEADER]: escaped(mtlsCert) } });
        expectError(impostor, 401, 'invalid_client');
      }
      // Sent twice, it is dropped all the same (undici joins repeated headers into one list).
      const twice = await tokenCall(cluster.url, { grant_type: 'client_credentials', client_id: 'mtls-app' }, { headers: { [CERTIFICATE_HEADER]: [escaped(mtlsCert), escaped(mtlsCert)] as unknown as string } });
      expectError(twice, 401, 'invalid_client');
    });

    it('the same header is what the nodes believe from nginx: with the TLS certificate, mtls-app authenticates through nginx', async () => {
      const res = await tokenCall(cluster.url, { grant_type: 'client_credentials', client_id: 'mtls-app' }, { cert: mtlsCert.certPem, key: mtlsCert.keyPem });
      expect(res.status, res.text).toBe(200);
      expect((await introspect(via(b), res.json.access_token)).cnf).toEqual({ 'x5t#S256': thumbprintOf(mtlsCert.der) });
      // Control: the header straight to a node from a trusted address (what nginx does) is believed,
      // so it is nginx's replacement above that keeps clients from forging it.
      const direct = await tokenCall(a.url, { grant_type: 'client_credentials', client_id: 'mtls-app' }, { headers: { [CERTIFICATE_HEADER]: escaped(mtlsCert) } });
      expect(direct.status, direct.text).toBe(200);
    });
  });

  it('loses no returned token when node a is killed during a load run, and keeps serving through b', async () => {
    const TOTAL = 300;
    const CONCURRENCY = 8;
    const KILL_AFTER = 80;
    interface Outcome {
      index: number;
      status: number;
      token: string | null;
      upstream: string;
      afterKill: boolean;
      body: string;
    }
    const outcomes: Outcome[] = [];
    let next = 0;
    let killed: Promise<number | string> | null = null;
    const worker = async () => {
      while (next < TOTAL) {
        const index = next++;
        const afterKill = killed !== null;
        let res: CallResult;
        try {
          res = await boundToken(cluster.url);
        } catch (err) {
          // A connection-level failure between the client and nginx: not expected (nginx stays up).
          outcomes.push({ index, status: 0, token: null, upstream: '', afterKill, body: String(err) });
          continue;
        }
        outcomes.push({ index, status: res.status, token: res.status === 200 ? res.json?.access_token ?? null : null, upstream: servedBy(res), afterKill, body: res.text.slice(0, 200) });
        if (outcomes.length === KILL_AFTER && !killed) killed = a.kill('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(await killed).toBe('SIGKILL');

    const tokens = outcomes.filter((o) => o.status === 200);
    const failures = outcomes.filter((o) => o.status !== 200);
    // Every request got a token or a clean gateway error. nginx resends a POST that had reached node
    // a when it died (non_idempotent, docs/deploy/README.md) once; a 502 is one that failed again.
    for (const failure of failures) expect([502, 503, 504], JSON.stringify(failure)).toContain(failure.status);
    expect(tokens.every((o) => typeof o.token === 'string' && o.token.length > 0)).toBe(true);
    // At most the requests in flight at the kill fail; the rest were retried on b or went there.
    expect(failures.length).toBeLessThanOrEqual(CONCURRENCY);
    expect(outcomes).toHaveLength(TOTAL);
    expect(tokens.some((o) => o.upstream === a.address)).toBe(true);
    const lastHundred = outcomes.filter((o) => o.index >= TOTAL - 100);
    expect(lastHundred.every((o) => o.status === 200 && o.upstream.endsWith(b.address))).toBe(true);

    // Every token a client received is known to the surviving node, with its binding.
    const inactive: string[] = [];
    let cursor = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (cursor < tokens.length) {
          const outcome = tokens[cursor++];
          const info = await introspect(via(b), outcome.token!);
          if (info.active !== true || (info.cnf as Record<string, string> | undefined)?.['x5t#S256'] !== thumbprintOf(tlsCert.der)) inactive.push(`#${outcome.index} from ${outcome.upstream}`);
        }
      }),
    );
    expect(inactive).toEqual([]);
    console.info(`load run: ${tokens.length} tokens, ${failures.length} gateway errors (${failures.map((f) => f.status).join(', ')}); ${outcomes.filter((o) => o.afterKill && o.status === 200).length} tokens after the kill`);

    // Idempotent requests keep working through nginx: node a is out of the pool.
    for (let i = 0; i < 4; i++) {
      const res = await call(`${cluster.url}/.well-known/openid-configuration`);
      expect(res.status).toBe(200);
      expect(servedBy(res)).toContain(b.address);
    }
  }, 60_000);
});
