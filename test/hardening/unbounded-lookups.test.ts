/**
 * Security review #15 item 1: the server directory kept every `/{tid}/{aid}` seen in a URL, found or
 * not, forever; 8,000 GETs with made-up 7,000-character tenant ids grew the server by ~150 MB. A
 * lookup that finds no server is not kept now, and the found ones are bounded (lru-cache).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { closeAgents, send } from './kit.ts';

describe('made-up tenant and server ids in URLs', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await closeAgents();
    await server.dispose();
  });

  it('leave nothing behind in the server directory', async () => {
    expect((await send(`${server.url}/oauth2/jwks`)).status).toBe(200);
    const held = server.runtime.servers.size;
    const long = 'x'.repeat(7000);
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const n = batch * 20 + i;
          // Ids the store is asked about, and ids too long to be one.
          const tid = n % 2 === 0 ? `t${n}` : `${long}${n}`;
          const res = await send(`${server.url}/${tid}/a${n}/oauth2/jwks`);
          expect(res.status).toBe(404);
        }),
      );
    }
    expect(server.runtime.servers.size).toBe(held);
    // A known server is still served (and kept).
    expect((await send(`${server.url}/default/default/oauth2/jwks`)).status).toBe(200);
    expect(server.runtime.servers.size).toBeGreaterThanOrEqual(1);
  });
});
