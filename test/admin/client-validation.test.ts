import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeClients } from '../support/https-client.ts';
import { createCa, createLeaf, createSelfSigned, type Issued } from '../support/pki.ts';
import type { TestServer } from '../support/test-server.ts';
import { adminCall, startAdminServer } from './admin-support.ts';

/** Each case: a body (client_id added), the RFC 7591 error, and the field(s) the description must name. */
describe('admin API: client metadata validation', () => {
  let server: TestServer;
  let selfSigned: Issued;
  let n = 0;
  beforeAll(async () => {
    server = await startAdminServer({ toml: '[limits]\nmax_certificates_per_client = 2\n' });
    selfSigned = await createSelfSigned({ subject: 'CN=validation' });
  });
  afterAll(async () => {
    await closeClients();
    await server.dispose();
  });

  async function refused(body: Record<string, unknown>, error: string, ...fields: string[]) {
    const clientId = `v${++n}`;
    const res = await adminCall(server, '/api/admin/default/clients', { json: { client_id: clientId, ...body } });
    expect(res.status, res.text).toBe(400);
    expect(res.json.error).toBe(error);
    for (const field of fields) expect(res.json.error_description).toContain(field);
    // Nothing was stored.
    expect(await server.runtime.store.clients.get({ tenantId: 'default', serverId: 'default' }, clientId)).toBeNull();
    return res.json.error_description as string;
  }

  it('tls_client_auth without any subject field', async () => {
    await refused({ token_endpoint_auth_method: 'tls_client_auth', grant_types: ['client_credentials'] }, 'invalid_client_metadata', 'tls_client_auth_subject_dn', 'tls_client_auth_san_dns', 'exactly one');
  });

  it('tls_client_auth with two subject fields', async () => {
    await refused(
      { token_endpoint_auth_method: 'tls_client_auth', grant_types: ['client_credentials'], tls_client_auth_subject_dn: 'CN=a', tls_client_auth_san_dns: 'a.example.com' },
      'invalid_client_metadata',
      'tls_client_auth_subject_dn',
      'tls_client_auth_san_dns',
    );
  });

  it('tls_client_auth with the guide\'s blank subject DN counts as none', async () => {
    await refused({ token_endpoint_auth_method: 'tls_client_auth', grant_types: ['client_credentials'], tls_client_auth_subject_dn: '' }, 'invalid_client_metadata', 'tls_client_auth_subject_dn');
  });

  it('subject fields with a secret method', async () => {
    await refused({ token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'], tls_client_auth_san_ip: '10.0.0.1' }, 'invalid_client_metadata', 'tls_client_auth_san_ip');
  });

  it('self_signed_tls_client_auth without certificate, jwks or jwks_uri', async () => {
    await refused({ token_endpoint_auth_method: 'self_signed_tls_client_auth', grant_types: ['client_credentials'] }, 'invalid_client_metadata', 'self_signed_tls_client_auth', 'certificate', 'jwks');
  });

  it('a certificate that is not PEM', async () => {
    await refused({ grant_types: ['client_credentials'], certificate: 'hello' }, 'invalid_client_metadata', 'certificate');
  });

  it('a PEM block that does not parse as X.509', async () => {
    const garbage = `-----BEGIN CERTIFICATE-----\n${Buffer.from('definitely not DER').toString('base64')}\n-----END CERTIFICATE-----\n`;
    const description = await refused({ grant_types: ['client_credentials'], certificate: [selfSigned.certPem, garbage] }, 'invalid_client_metadata', 'certificate[1]');
    expect(description).toContain('X.509');
  });

  it('a jwks x5c that does not parse as X.509', async () => {
    await refused(
      { token_endpoint_auth_method: 'self_signed_tls_client_auth', grant_types: ['client_credentials'], jwks: { keys: [{ kty: 'EC', x5c: [Buffer.from('nope').toString('base64')] }] } },
      'invalid_client_metadata',
      'jwks.keys[0].x5c[0]',
    );
  });

  it('a jwks with a private key', async () => {
    await refused({ grant_types: ['client_credentials'], jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', d: 'AA' }] } }, 'invalid_client_metadata', 'jwks.keys[0].d');
  });

  it('more certificates than [limits] max_certificates_per_client', async () => {
    const ca = await createCa();
    const leaves = await Promise.all([1, 2, 3].map((i) => createLeaf({ issuer: ca, subject: `CN=leaf${i}` })));
    await refused({ grant_types: ['client_credentials'], certificate: leaves.map((l) => l.certPem) }, 'invalid_client_metadata', 'certificate', 'max_certificates_per_client');
  });

  it('certificates in `certificate` and jwks x5c count together against the limit', async () => {
    const ca = await createCa();
    const leaves = await Promise.all([1, 2].map((i) => createLeaf({ issuer: ca, subject: `CN=leaf${i}` })));
    await refused(
      {
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        grant_types: ['client_credentials'],
        certificate: leaves.map((l) => l.certPem),
        jwks: { keys: [{ kty: 'EC', x5c: [Buffer.from(selfSigned.der).toString('base64')] }] },
      },
      'invalid_client_metadata',
      'max_certificates_per_client',
    );
  });

  it('jwks and jwks_uri together', async () => {
    await refused(
      { token_endpoint_auth_method: 'self_signed_tls_client_auth', grant_types: ['client_credentials'], jwks: { keys: [{ kty: 'EC' }] }, jwks_uri: 'https://client.example.com/jwks' },
      'invalid_client_metadata',
      'jwks',
      'jwks_uri',
    );
  });

  it('a jwks_uri over plain http', async () => {
    await refused({ grant_types: ['client_credentials'], jwks_uri: 'http://client.example.com/jwks' }, 'invalid_client_metadata', 'jwks_uri');
  });

  it('a relative redirect URI', async () => {
    await refused({ redirect_uris: ['/callback'] }, 'invalid_redirect_uri', 'redirect_uris[0]', 'absolute');
  });

  it('a redirect URI with a fragment', async () => {
    await refused({ redirect_uris: ['https://app.example.com/cb', 'https://app.example.com/cb#x'] }, 'invalid_redirect_uri', 'redirect_uris[1]', 'fragment');
  });

  it('an http redirect URI that is not loopback', async () => {
    await refused({ redirect_uris: ['http://app.example.com/cb'] }, 'invalid_redirect_uri', 'redirect_uris[0]', 'https');
  });

  it('a redirect URI with another scheme', async () => {
    await refused({ redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri', 'redirect_uris[0]');
  });

  it('http redirect URIs on localhost and loopback addresses are allowed (RFC 8252 §7.3)', async () => {
    const res = await adminCall(server, '/api/admin/default/clients', {
      json: { client_id: 'native', token_endpoint_auth_method: 'none', redirect_uris: ['http://localhost:8080/cb', 'http://127.0.0.1:51004/cb', 'http://[::1]:51004/cb'] },
    });
    expect(res.status, res.text).toBe(201);
  });

  it('a grant type that is not built in', async () => {
    await refused({ grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'] }, 'invalid_client_metadata', 'grant_types[0]');
  });

  it('a response type the server does not offer', async () => {
    await refused({ response_types: ['token'] }, 'invalid_client_metadata', 'response_types[0]');
  });

  it('none with client_credentials', async () => {
    await refused({ token_endpoint_auth_method: 'none', grant_types: ['client_credentials'] }, 'invalid_client_metadata', 'grant_types', 'client_credentials', 'none');
  });

  it('an unknown token_endpoint_auth_method', async () => {
    await refused({ token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata', 'token_endpoint_auth_method');
  });

  it('an unknown field is refused, not dropped', async () => {
    await refused({ grant_types: ['client_credentials'], tls_client_auth_subject: 'CN=typo' }, 'invalid_client_metadata', 'unknown field', 'tls_client_auth_subject');
  });

  it('a supplied client_secret shorter than MIN_CLIENT_SECRET_LENGTH', async () => {
    await refused({ grant_types: ['client_credentials'], client_secret: 'short' }, 'invalid_client_metadata', 'client_secret', '24');
  });

  it('a client_secret for a certificate-only method', async () => {
    await refused(
      { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_san_dns: 'a.example.com', grant_types: ['client_credentials'], client_secret: 'x'.repeat(32) },
      'invalid_client_metadata',
      'client_secret',
    );
  });

  it('a malformed subject DN', async () => {
    await refused({ token_endpoint_auth_method: 'tls_client_auth', grant_types: ['client_credentials'], tls_client_auth_subject_dn: 'not a dn' }, 'invalid_client_metadata', 'tls_client_auth_subject_dn');
  });

  it('a malformed SAN IP, DNS name, URI and email', async () => {
    const base = { token_endpoint_auth_method: 'tls_client_auth', grant_types: ['client_credentials'] };
    await refused({ ...base, tls_client_auth_san_ip: '10.0.0.300' }, 'invalid_client_metadata', 'tls_client_auth_san_ip');
    await refused({ ...base, tls_client_auth_san_dns: 'bad_name!.example' }, 'invalid_client_metadata', 'tls_client_auth_san_dns');
    await refused({ ...base, tls_client_auth_san_uri: 'not a uri' }, 'invalid_client_metadata', 'tls_client_auth_san_uri');
    await refused({ ...base, tls_client_auth_san_email: 'nobody' }, 'invalid_client_metadata', 'tls_client_auth_san_email');
  });

  it('scope and scopes that disagree, and a malformed scope', async () => {
    await refused({ grant_types: ['client_credentials'], scopes: ['a'], scope: 'b' }, 'invalid_client_metadata', 'scope');
    await refused({ grant_types: ['client_credentials'], scopes: ['has space'] }, 'invalid_client_metadata', 'scopes[0]');
  });

  it('a client_id with characters that cannot survive Basic authentication or a URL path', async () => {
    await refused({ client_id: 'a:b', grant_types: ['client_credentials'] }, 'invalid_client_metadata', 'client_id');
  });

  it('a wrong type names the field', async () => {
    await refused({ grant_types: 'client_credentials' }, 'invalid_client_metadata', 'grant_types');
    await refused({ tls_client_certificate_bound_access_tokens: 'yes' }, 'invalid_client_metadata', 'tls_client_certificate_bound_access_tokens');
  });

  it('response type code without the authorization_code grant', async () => {
    await refused({ grant_types: ['client_credentials'], response_types: ['code'] }, 'invalid_client_metadata', 'response_types');
  });

  it('a body that is not JSON is invalid_request', async () => {
    const res = await adminCall(server, '/api/admin/default/clients', { body: '{"client_id":', headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_request');
  });
});
