/**
 * The admin API endpoints the console needs beyond clients, servers and users, over real HTTPS:
 * `GET /api/admin/tenants`, `POST /api/admin/certificate-info` (a certificate generated here, read
 * back as the registration fields want it) and `GET /api/admin/{tid}/events` (the audit trail, paged
 * and bounded), plus the bound of the recent-events window itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TesseraEvent } from '../../core/api/extension-points.ts';
import { RecentEvents } from '../../core/observability/recent-events.ts';
import { call, closeClients } from '../support/https-client.ts';
import { createCa, createLeaf, createSelfSigned, thumbprintOf, type Issued } from '../support/pki.ts';
import type { TestServer } from '../support/test-server.ts';
import { adminCall, startAdminServer } from './admin-support.ts';

describe('admin API for the console', () => {
  let server: TestServer;
  let ca: Issued;
  let leaf: Issued;
  beforeAll(async () => {
    ca = await createCa({ subject: 'CN=Info CA,O=Example' });
    leaf = await createLeaf({
      issuer: ca,
      subject: 'CN=svc\\,one,OU=Payments,O=Example',
      san: { dns: ['svc.example.com', 'alt.example.com'], uri: ['spiffe://example.org/svc'], ip: ['198.51.100.7', '2001:db8:0:0:0:0:0:2'], email: ['svc@example.com'] },
    });
    server = await startAdminServer();
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  it('lists tenants with their servers', async () => {
    expect((await adminCall(server, '/api/admin/acme/servers', { json: { id: 'one' } })).status).toBe(201);
    expect((await adminCall(server, '/api/admin/acme/servers', { json: { id: 'two' } })).status).toBe(201);
    const res = await adminCall(server, '/api/admin/tenants');
    expect(res.status, res.text).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const byId = Object.fromEntries(res.json.tenants.map((t: { id: string; servers: string[] }) => [t.id, t.servers]));
    expect(byId.default).toEqual(['default']);
    expect([...byId.acme].sort()).toEqual(['one', 'two']);
    expect((await call(`${server.url}/api/admin/tenants`)).status).toBe(401);
  });

  it('reads a certificate: RFC 4514 subject, SANs as registrations write them, validity, x5t#S256', async () => {
    const res = await adminCall(server, '/api/admin/certificate-info', { json: { certificate: leaf.certPem + ca.certPem } });
    expect(res.status, res.text).toBe(200);
    expect(res.json.certificates).toHaveLength(2);
    expect(res.json.certificates[0]).toEqual({
      subject_dn: 'CN=svc\\,one,OU=Payments,O=Example',
      issuer_dn: 'CN=Info CA,O=Example',
      serial_number: expect.stringMatching(/^[0-9A-F]+$/),
      not_before: leaf.cert.notBefore.toISOString(),
      not_after: leaf.cert.notAfter.toISOString(),
      self_issued: false,
      san_dns: ['svc.example.com', 'alt.example.com'],
      san_uri: ['spiffe://example.org/svc'],
      san_ip: ['198.51.100.7', '2001:db8::2'],
      san_email: ['svc@example.com'],
      'x5t#S256': thumbprintOf(leaf.der),
    });
    expect(res.json.certificates[1]).toMatchObject({ subject_dn: 'CN=Info CA,O=Example', self_issued: true, 'x5t#S256': thumbprintOf(ca.der), san_dns: [] });

    // What it proposes registers and is accepted as the client's identity.
    const created = await adminCall(server, '/api/admin/default/clients', {
      json: { client_id: 'from-info', token_endpoint_auth_method: 'tls_client_auth', grant_types: ['client_credentials'], tls_client_auth_subject_dn: res.json.certificates[0].subject_dn },
    });
    expect(created.status, created.text).toBe(201);

    const selfSigned = await createSelfSigned({ subject: 'CN=self' });
    const own = await adminCall(server, '/api/admin/certificate-info', { json: { certificate: selfSigned.certPem } });
    expect(own.json.certificates[0]).toMatchObject({ subject_dn: 'CN=self', issuer_dn: 'CN=self', self_issued: true, 'x5t#S256': thumbprintOf(selfSigned.der) });
  });

  it('answers 400 invalid_request for text that is not a certificate, and 401 without credentials', async () => {
    const cases: unknown[] = [
      { certificate: 'hello' },
      { certificate: '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n' },
      { certificate: leaf.certPem.repeat(11) },
      { certificate: 42 },
      { pem: leaf.certPem },
    ];
    for (const json of cases) {
      const res = await adminCall(server, '/api/admin/certificate-info', { json });
      expect(res.status, res.text).toBe(400);
      expect(res.json.error).toMatch(/^invalid_request$|^invalid_client_metadata$/);
      expect(res.json.error_description).toMatch(/certificate|pem/);
    }
    // Larger than any certificate chain: refused before it is read.
    const huge = await adminCall(server, '/api/admin/certificate-info', { json: { certificate: 'x'.repeat(200_000) } });
    expect(huge.status).toBe(413);
    expect(huge.json.error).toBe('invalid_request');
    expect((await call(`${server.url}/api/admin/certificate-info`, { json: { certificate: leaf.certPem } })).status).toBe(401);
  });

  it('pages the audit trail of a tenant, newest first, filtered by type, with no secret in it', async () => {
    const secret = 'a-very-secret-client-secret-0123456789';
    for (let i = 0; i < 5; i++) {
      const res = await adminCall(server, '/api/admin/acme/clients', { json: { client_id: `c${i}`, authorization_server_id: 'one', client_secret: secret, grant_types: ['client_credentials'] } });
      expect(res.status, res.text).toBe(201);
    }
    const first = await adminCall(server, '/api/admin/acme/events?type=admin.changed&limit=3');
    expect(first.status, first.text).toBe(200);
    expect(first.json.events.map((e: { details: { id: string } }) => e.details.id)).toEqual(['c4', 'c3', 'c2']);
    expect(first.json.events[0]).toMatchObject({ type: 'admin.changed', tenant_id: 'acme', server_id: 'one', client_id: 'c4', username: 'admin', details: { resource: 'client', action: 'created', actor: 'admin' } });
    expect(first.json.next_before).toBe(first.json.events[2].seq);
    const second = await adminCall(server, `/api/admin/acme/events?type=admin.changed&limit=3&before=${first.json.next_before}`);
    // c1, c0, then the two servers created in the first test.
    expect(second.json.events.map((e: { details: { id: string } }) => e.details.id)).toEqual(['c1', 'c0', 'two']);
    const third = await adminCall(server, `/api/admin/acme/events?type=admin.changed&limit=3&before=${second.json.next_before}`);
    expect(third.json).toMatchObject({ events: [{ details: { id: 'one', resource: 'server' } }], next_before: null });
    expect(JSON.stringify([first.json, second.json, third.json])).not.toContain(secret);

    // Another tenant's trail holds none of these; a failed admin sign-in is on the default tenant's.
    expect((await call(`${server.url}/api/admin/default/clients`, { basic: ['admin', 'wrong'] })).status).toBe(401);
    const own = await adminCall(server, '/api/admin/default/events?type=user.login.failed,admin.changed');
    expect(own.json.events.some((e: { tenant_id: string }) => e.tenant_id !== 'default')).toBe(false);
    expect(own.json.events[0]).toMatchObject({ type: 'user.login.failed', username: 'admin', reason: 'invalid admin credentials', details: { via: 'admin_api' } });
  });

  it('refuses bad paging parameters and unknown tenants', async () => {
    for (const query of ['limit=0', 'limit=201', 'limit=x', 'before=0', 'type=token.stolen', 'type=admin.changed,']) {
      const res = await adminCall(server, `/api/admin/default/events?${query}`);
      expect(res.status, `${query}: ${res.text}`).toBe(400);
      expect(res.json.error).toBe('invalid_request');
    }
    expect((await adminCall(server, '/api/admin/nope/events')).status).toBe(404);
    expect((await call(`${server.url}/api/admin/default/events`)).status).toBe(401);
  });

  it('lists a server\'s signing keys with their state, and no key material', async () => {
    const before = await adminCall(server, '/api/admin/acme/servers/one/keys');
    expect(before.status, before.text).toBe(200);
    expect(before.json.keys.map((k: { alg: string; current: boolean; published: boolean }) => [k.alg, k.current, k.published]).sort()).toEqual([
      ['ES256', true, true],
      ['RS256', true, true],
    ]);
    const rotated = await adminCall(server, '/api/admin/acme/servers/one/keys/rotate', { method: 'POST' });
    expect(rotated.status, rotated.text).toBe(200);
    const after = await adminCall(server, '/api/admin/acme/servers/one/keys');
    const current = after.json.keys.filter((k: { current: boolean }) => k.current).map((k: { kid: string }) => k.kid);
    expect(current.sort()).toEqual([...rotated.json.kids].sort());
    const old = after.json.keys.filter((k: { current: boolean }) => !k.current);
    expect(old.map((k: { kid: string }) => k.kid).sort()).toEqual(before.json.keys.map((k: { kid: string }) => k.kid).sort());
    for (const k of old) expect(k).toMatchObject({ published: true, rotated_at: expect.any(Number) });
    // Newest first; nothing but the listed members (no private or public key material).
    expect(after.json.keys[0].created_at).toBeGreaterThanOrEqual(after.json.keys.at(-1).created_at);
    for (const k of after.json.keys) expect(Object.keys(k).sort()).toEqual(['alg', 'created_at', 'current', 'kid', 'published', 'rotated_at']);
    // The JWKS the server publishes holds exactly the published ones.
    const jwks = await call(`${server.url}/acme/one/oauth2/jwks`);
    expect(jwks.json.keys.map((k: { kid: string }) => k.kid).sort()).toEqual(after.json.keys.map((k: { kid: string }) => k.kid).sort());
    expect((await adminCall(server, '/api/admin/acme/servers/nope/keys')).status).toBe(404);
  });

  it('documents the new endpoints in the OpenAPI document', async () => {
    const doc = (await call(`${server.url}/api/openapi.json`)).json;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/admin/tenants', '/api/admin/certificate-info', '/api/admin/{tid}/events', '/api/admin/{tid}/servers/{aid}/keys']));
    expect(doc.paths['/api/admin/certificate-info'].post.responses['200']).toBeTruthy();
  });
});

describe('the recent-events window', () => {
  const event = (type: TesseraEvent['type'], i: number): TesseraEvent => ({ type, at: i, tenantId: 'default', serverId: 'default', details: { i } });

  it('keeps at most its bound per type, so a burst of one type never evicts another', () => {
    const recent = new RecentEvents(10);
    recent.record(event('admin.changed', 0));
    for (let i = 1; i <= 1000; i++) recent.record(event('token.issued', i));
    const all = recent.query({ limit: 200 });
    expect(all.events).toHaveLength(11);
    expect(all.more).toBe(false);
    expect(all.events.filter((e) => e.event.type === 'token.issued').map((e) => e.event.details?.i)).toEqual([1000, 999, 998, 997, 996, 995, 994, 993, 992, 991]);
    expect(recent.query({ types: ['admin.changed'], limit: 5 }).events.map((e) => e.event.details?.i)).toEqual([0]);
  });

  it('bounds what one event keeps, and keeps no ring for a type it does not know', () => {
    const recent = new RecentEvents(10);
    recent.record({ ...event('user.login.failed', 1), username: 'u'.repeat(100_000), details: { blob: 'x'.repeat(100_000) } });
    for (let i = 0; i < 1000; i++) recent.record({ ...event('admin.changed', i), type: `bundle.custom.${i}` as TesseraEvent['type'] });
    const { events } = recent.query({ limit: 200 });
    expect(events).toHaveLength(1);
    expect(events[0].event.username!.length).toBeLessThanOrEqual(513);
    expect(events[0].event.details).toEqual({ omitted: expect.stringContaining('larger than') });
    expect(JSON.stringify(events).length).toBeLessThan(2000);
  });
});
