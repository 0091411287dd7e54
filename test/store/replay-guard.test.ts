import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplayGuard, MAX_REPLAY_WINDOW_SECONDS } from '../../core/store/replay-guard.ts';
import { openStore } from '../../core/store/open-store.ts';
import type { Store } from '../../core/store/repositories.ts';

const dir = mkdtempSync(join(tmpdir(), 'tessera-replay-'));
let store: Store;
beforeAll(async () => {
  store = await openStore({ url: null, sqliteFile: join(dir, 'db.sqlite') });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('replay guard', () => {
  const a = { tenantId: 't1', serverId: 's1' };
  const b = { tenantId: 't1', serverId: 's2' };

  it('accepts a value once, then refuses it until it expires', async () => {
    // The store compares expiry with the process clock, so the guard's clock must agree with it.
    const now = Math.floor(Date.now() / 1000);
    const guard = createReplayGuard(store.kv, () => now);
    expect(await guard.claim(a, 'dpop', 'jti-1', now + 60)).toBe(true);
    expect(await guard.claim(a, 'dpop', 'jti-1', now + 60)).toBe(false);
    // Another namespace or server is another value.
    expect(await guard.claim(a, 'client_assertion', 'jti-1', now + 60)).toBe(true);
    expect(await guard.claim(b, 'dpop', 'jti-1', now + 60)).toBe(true);
  });

  it('caps how long a value is remembered', async () => {
    const now = Math.floor(Date.now() / 1000);
    const guard = createReplayGuard(store.kv, () => now);
    expect(await guard.claim(a, 'cap', 'x'.repeat(10_000), now + 10 * MAX_REPLAY_WINDOW_SECONDS)).toBe(true);
    expect(await guard.claim(a, 'cap', 'x'.repeat(10_000), now + 60)).toBe(false);
  });
});
