/**
 * Security review #15 item 5: a 25,000-deep `claims` value on POST /api/admin/{tid}/users overflowed
 * the stack in JSON.stringify when stored, a 500. Every JSON body is bounded in nesting depth
 * (`[limits] max_json_depth`, 32 by default): deeper is 400 invalid_request, and nothing crashes.
 */
import { describe, expect, it } from 'vitest';
import { jsonDepth } from '../../core/http/json-depth.ts';
import { adminCall, adminServerForSuite } from '../admin/admin-support.ts';

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('JSON nesting depth', () => {
  const server = adminServerForSuite();

  it('refuses 25,000-deep user claims with 400 invalid_request, not a 500', async () => {
    const body = `{"username":"deep","password":"deep-Passw0rd-0123","claims":{"x":${nested(25_000)}}}`;
    const res = await adminCall(server, '/api/admin/default/users', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(res.status, res.text).toBe(400);
    expect(res.json).toMatchObject({ error: 'invalid_request' });
    expect(server.logs.join('\n')).not.toContain('Maximum call stack size exceeded');
    // The server is fine afterwards.
    expect((await adminCall(server, '/api/admin/default/users')).status).toBe(200);
  });

  it('refuses a deep jwks in a client registration, and one just past the limit', async () => {
    const deepJwks = `{"client_id":"deep-jwks","token_endpoint_auth_method":"self_signed_tls_client_auth","jwks":{"keys":[{"kty":"EC","x":${nested(5_000)}}]}}`;
    const res = await adminCall(server, '/api/admin/default/clients', { method: 'POST', body: deepJwks, headers: { 'content-type': 'application/json' } });
    expect(res.status, res.text).toBe(400);
    expect(res.json.error).toBe('invalid_request');
    // claims is depth 2, the array inside adds 31: 33 levels in all.
    const past = `{"username":"past","password":"past-Passw0rd-0123","claims":{"x":${nested(31)}}}`;
    expect((await adminCall(server, '/api/admin/default/users', { method: 'POST', body: past, headers: { 'content-type': 'application/json' } })).json.error).toBe('invalid_request');
  });

  it('accepts claims nested within the limit', async () => {
    const res = await adminCall(server, '/api/admin/default/users', {
      method: 'POST',
      json: { username: 'nested-ok', password: 'nested-Passw0rd-0123', claims: { address: { street_address: 'Main St 1', geo: [[1, 2]] } } },
    });
    expect(res.status, res.text).toBe(201);
  });

  it('counts depth outside strings only', () => {
    expect(jsonDepth('{"a":"[[[[{{{{","b":[1,{"c":"\\"]"}]}')).toBe(3);
    expect(jsonDepth(nested(40), 32)).toBe(33);
  });
});
