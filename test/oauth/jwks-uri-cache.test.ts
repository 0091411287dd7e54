/** The core's jwks_uri cache (ctx.services.jwks) on its own: freshness, the per-client re-fetch limit, shared fetches. */
import { describe, expect, it } from 'vitest';
import type { JwksFetchResult } from '../../core/jwks-uri/jwks-uri-fetch.ts';
import { JwksUriDocumentCache } from '../../core/jwks-uri/jwks-uri-cache.ts';

const A = { kty: 'EC', kid: 'a' };
const B = { kty: 'EC', kid: 'b' };
const doc = (...keys: object[]): JwksFetchResult => ({ jwks: { keys } });

function setup(options: { cacheMs?: number; refetchIntervalMs?: number; maxKeys?: number; maxEntries?: number } = {}) {
  let now = 1_000_000;
  const calls: string[] = [];
  let answer: JwksFetchResult = doc(A);
  const cache = new JwksUriDocumentCache(
    async (uri) => {
      calls.push(uri);
      return answer;
    },
    { cacheMs: 300_000, refetchIntervalMs: 30_000, maxKeys: 10, ...options, now: () => now },
  );
  return {
    cache,
    calls,
    advance: (ms: number) => (now += ms),
    serve: (result: JwksFetchResult) => (answer = result),
  };
}

describe('JwksUriCache', () => {
  it('fetches once and serves the document from the cache while it is fresh', async () => {
    const t = setup();
    const first = await t.cache.lookup('c1', 'https://a/jwks');
    expect(first).toMatchObject({ fetched: true, problem: null });
    expect(first.jwks?.keys).toEqual([A]);
    t.advance(299_000);
    expect(await t.cache.lookup('c1', 'https://a/jwks')).toMatchObject({ fetched: false });
    expect(t.calls).toHaveLength(1);
    t.advance(2_000);
    expect(await t.cache.lookup('c1', 'https://a/jwks')).toMatchObject({ fetched: true });
    expect(t.calls).toHaveLength(2);
  });

  it('re-fetches on request (unknown certificate), at most once per interval per client', async () => {
    const t = setup();
    await t.cache.lookup('c1', 'https://a/jwks');
    t.serve(doc(B));
    const limited = await t.cache.lookup('c1', 'https://a/jwks', true);
    expect(limited.fetched).toBe(false);
    expect(limited.jwks?.keys).toEqual([A]);
    t.advance(30_000);
    const refreshed = await t.cache.lookup('c1', 'https://a/jwks', true);
    expect(refreshed.fetched).toBe(true);
    expect(refreshed.jwks?.keys).toEqual([B]);
    expect(await t.cache.lookup('c1', 'https://a/jwks', true)).toMatchObject({ fetched: false });
    // Another client is limited on its own.
    expect(await t.cache.lookup('c2', 'https://a/jwks', true)).toMatchObject({ fetched: true });
    expect(t.calls).toHaveLength(3);
  });

  it('remembers a failure for the interval, so a dead URL is not hammered', async () => {
    const t = setup();
    t.serve({ problem: 'HTTP 503' });
    expect(await t.cache.lookup('c1', 'https://a/jwks')).toMatchObject({ fetched: true, jwks: null, problem: 'HTTP 503' });
    expect(await t.cache.lookup('c1', 'https://a/jwks')).toMatchObject({ fetched: false, problem: 'HTTP 503' });
    expect(t.calls).toHaveLength(1);
    t.serve(doc(A));
    t.advance(30_000);
    expect(await t.cache.lookup('c1', 'https://a/jwks')).toMatchObject({ fetched: true, problem: null });
  });

  it('fetches at once when the registered jwks_uri changed', async () => {
    const t = setup();
    await t.cache.lookup('c1', 'https://a/jwks');
    expect(await t.cache.lookup('c1', 'https://b/jwks')).toMatchObject({ fetched: true });
    expect(t.calls).toEqual(['https://a/jwks', 'https://b/jwks']);
  });

  it('shares one fetch between concurrent requests of a client', async () => {
    const t = setup();
    const results = await Promise.all([1, 2, 3, 4].map(() => t.cache.lookup('c1', 'https://a/jwks')));
    expect(t.calls).toHaveLength(1);
    expect(results.every((r) => r.jwks?.keys.length === 1)).toBe(true);
  });

  it('keeps at most maxKeys keys of a document and forgets the oldest client past maxEntries', async () => {
    const t = setup({ maxKeys: 1, maxEntries: 2 });
    t.serve(doc(A, B));
    expect((await t.cache.lookup('c1', 'https://a/jwks')).jwks?.keys).toEqual([A]);
    await t.cache.lookup('c2', 'https://a/jwks');
    await t.cache.lookup('c3', 'https://a/jwks');
    expect(await t.cache.lookup('c1', 'https://a/jwks')).toMatchObject({ fetched: true });
    expect(await t.cache.lookup('c3', 'https://a/jwks')).toMatchObject({ fetched: false });
  });
});
