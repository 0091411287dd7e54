/**
 * "Seen before?" for one-time values a bundle must refuse twice: a private_key_jwt assertion's `jti`
 * (RFC 7523 §3), a DPoP proof's `jti` (RFC 9449 §11.1). Kept in the store's key-value table, so
 * every node of a cluster and every worker sees the same answer; rows expire with the value.
 */
import type { ServerRef } from '../api/model.ts';
import type { KeyValueRepository } from './repositories.ts';
import { sha256Base64Url } from '../crypto/sha256.ts';

/** A value is remembered at most this long, whatever `expiresAt` says (bounds the table). */
export const MAX_REPLAY_WINDOW_SECONDS = 24 * 3600;

export interface ReplayGuard {
  /**
   * Records `id` under `namespace` for `server` until `expiresAt` (epoch seconds, capped at
   * {@link MAX_REPLAY_WINDOW_SECONDS} from now). True the first time; false when already recorded
   * and unexpired — a replay.
   */
  claim(server: ServerRef, namespace: string, id: string, expiresAt: number): Promise<boolean>;
}

export function createReplayGuard(kv: KeyValueRepository, nowSeconds: () => number): ReplayGuard {
  return {
    claim(server, namespace, id, expiresAt) {
      const now = nowSeconds();
      const until = Math.min(expiresAt, now + MAX_REPLAY_WINDOW_SECONDS);
      // Each part hashed: ids are attacker-chosen, so their length and characters never reach the
      // key, and no choice of parts can collide with another server's or namespace's key.
      const key = ['replay', server.tenantId, server.serverId, namespace, id].map((p) => sha256Base64Url(p)).join('.');
      return kv.putIfAbsent(key, '1', until, now);
    },
  };
}
