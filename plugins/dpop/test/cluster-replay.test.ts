/**
 * Two nodes on one PostgreSQL behind one public URL: a DPoP proof is single-use across the cluster
 * (the jti is claimed in the shared store), and a token bound on one node is checked on the other.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, closeClients } from '../../../test/support/https-client.ts';
import { startTestServer, type TestServer } from '../../../test/support/test-server.ts';
import { dropSchema, postgresToml, uniqueSchema } from '../../../test/support/postgres.ts';
import { DPOP_TOML, dpopKey, proof, type DpopKey } from './support/dpop-fixtures.ts';

const SECRET = 'app-secret-0123456789abcdefgh';
const PUBLIC = 'https://tessera.cluster.test';
const schema = uniqueSchema('dpop_cluster');

describe('DPoP on a cluster', () => {
  let nodeA: TestServer;
  let nodeB: TestServer;
  let key: DpopKey;

  beforeAll(async () => {
    const toml = `[server]\npublic_url = "${PUBLIC}"\n${postgresToml(schema)}${DPOP_TOML}`;
    nodeA = await startTestServer({ toml });
    nodeB = await startTestServer({ toml });
    await nodeA.createClient({ clientId: 'app', secret: SECRET });
    key = await dpopKey();
  });
  afterAll(async () => {
    await closeClients();
    await Promise.all([nodeA?.dispose(), nodeB?.dispose()]);
    await dropSchema(schema);
  });

  const token = (node: TestServer, dpop: string) =>
    call(`${node.url}/oauth2/token`, { form: { grant_type: 'client_credentials' }, basic: ['app', SECRET], headers: { DPoP: dpop } });

  it('refuses on node B a proof node A accepted', async () => {
    const once = await proof(key, { htu: `${PUBLIC}/oauth2/token` });
    const first = await token(nodeA, once);
    expect(first.status, first.text).toBe(200);
    const replayed = await token(nodeB, once);
    expect(replayed.status, replayed.text).toBe(400);
    expect(replayed.json.error).toBe('invalid_dpop_proof');
    expect(replayed.json.error_description).toMatch(/already used/);
  });

  it('introspects a token bound on node A with cnf.jkt on node B', async () => {
    const issued = await token(nodeA, await proof(key, { htu: `${PUBLIC}/oauth2/token` }));
    expect(issued.status, issued.text).toBe(200);
    const body = await call(`${nodeB.url}/oauth2/introspect`, { form: { token: issued.json.access_token }, basic: ['app', SECRET] });
    expect(body.json).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
  });
});
