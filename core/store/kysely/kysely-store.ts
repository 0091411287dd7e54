/**
 * The `Store` over one query executor: the same repositories for SQLite and PostgreSQL, each call
 * guarded so connection failures surface as `StoreUnavailableError`. Repositories build every query
 * with kysely (`executor.db`); the few on the token endpoint's path run through `executor.prepare`.
 */
import type { Kysely } from 'kysely';
import type { QueryExecutor } from '../query-executor.ts';
import type { Store } from '../repositories.ts';
import { guard, guardRepository } from '../unavailable.ts';
import { createAccessTokenRepository } from './access-token-repository.ts';
import { createClientRepository } from './client-repository.ts';
import { createCodeRepository } from './code-repository.ts';
import { createConsentRepository } from './consent-repository.ts';
import type { Database } from './database-schema.ts';
import { createKeyValueRepository } from './kv-repository.ts';
import { createRefreshTokenRepository } from './refresh-token-repository.ts';
import { createServerRepository } from './server-repository.ts';
import { createSigningKeyRepository } from './signing-key-repository.ts';
import { createTenantRepository } from './tenant-repository.ts';
import { createUserRepository } from './user-repository.ts';

async function sweepExpired(db: Kysely<Database>, now: number): Promise<number> {
  // Codes and key-value rows are useless once expired. Tokens go only strictly after expiry, and
  // revoked or used ones are kept until then, so presenting them again is still seen as reuse.
  const deletions = [
    db.deleteFrom('authorization_codes').where('expires_at', '<=', now),
    db.deleteFrom('access_tokens').where('expires_at', '<', now),
    db.deleteFrom('refresh_tokens').where('expires_at', '<', now),
    db.deleteFrom('kv').where('expires_at', '<=', now),
  ];
  let total = 0;
  for (const deletion of deletions) {
    const result = await deletion.executeTakeFirst();
    total += Number(result.numDeletedRows);
  }
  return total;
}

export function createKyselyStore(executor: QueryExecutor): Store {
  const { db, kind } = executor;
  let closing: Promise<void> | undefined;
  return {
    kind,
    tenants: guardRepository(createTenantRepository(db)),
    servers: guardRepository(createServerRepository(db)),
    clients: guardRepository(createClientRepository(executor)),
    users: guardRepository(createUserRepository(db)),
    codes: guardRepository(createCodeRepository(db)),
    accessTokens: guardRepository(createAccessTokenRepository(executor)),
    refreshTokens: guardRepository(createRefreshTokenRepository(db)),
    keys: guardRepository(createSigningKeyRepository(db)),
    consents: guardRepository(createConsentRepository(db)),
    kv: guardRepository(createKeyValueRepository(db)),
    sweepExpired: (now) => guard(() => sweepExpired(db, now)),
    // A locked SQLite store answers at once (see QueryExecutor.ping).
    ping: () => guard(() => executor.ping(), { waitForLock: false }),
    close: () => {
      // Idempotent: shutdown paths may close twice.
      closing ??= executor.destroy();
      return closing;
    },
  };
}
