import type { Kysely } from 'kysely';
import type { ServerRef } from '../../api/model.ts';
import type { SigningKeyRecord, SigningKeyRepository } from '../repositories.ts';
import type { Database } from './database-schema.ts';
import { signingKeyFromRow, signingKeyToRow } from './row-mapping.ts';

export function createSigningKeyRepository(db: Kysely<Database>): SigningKeyRepository {
  return {
    async list(ref: ServerRef): Promise<SigningKeyRecord[]> {
      const rows = await db
        .selectFrom('signing_keys')
        .selectAll()
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .orderBy('created_at')
        .orderBy('kid')
        .execute();
      return rows.map(signingKeyFromRow);
    },

    async add(key: SigningKeyRecord): Promise<void> {
      // Two nodes generating the first key race here; the first one's key stays.
      await db
        .insertInto('signing_keys')
        .values(signingKeyToRow(key))
        .onConflict((oc) => oc.columns(['tenant_id', 'server_id', 'kid']).doNothing())
        .execute();
    },

    async markRotated(ref: ServerRef, kid: string, at: number): Promise<void> {
      // Only the first rotation counts, so a racing node cannot push the retirement out.
      await db
        .updateTable('signing_keys')
        .set({ rotated_at: at })
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .where('kid', '=', kid)
        .where('rotated_at', 'is', null)
        .execute();
    },
  };
}
