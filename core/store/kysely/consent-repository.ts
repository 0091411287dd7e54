import type { Kysely } from 'kysely';
import type { ServerRef } from '../../api/model.ts';
import type { ConsentRecord, ConsentRepository } from '../repositories.ts';
import type { Database } from './database-schema.ts';
import { consentFromRow, consentToRow } from './row-mapping.ts';

export function createConsentRepository(db: Kysely<Database>): ConsentRepository {
  return {
    async get(ref: ServerRef, subject: string, clientId: string): Promise<ConsentRecord | null> {
      const row = await db
        .selectFrom('consents')
        .selectAll()
        .where('tenant_id', '=', ref.tenantId)
        .where('server_id', '=', ref.serverId)
        .where('subject', '=', subject)
        .where('client_id', '=', clientId)
        .executeTakeFirst();
      return row ? consentFromRow(row) : null;
    },

    /** Replaces the scopes granted by the subject to the client. */
    async put(consent: ConsentRecord): Promise<void> {
      await db
        .insertInto('consents')
        .values(consentToRow(consent))
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'server_id', 'subject', 'client_id']).doUpdateSet((eb) => ({
            scopes: eb.ref('excluded.scopes'),
            granted_at: eb.ref('excluded.granted_at'),
          })),
        )
        .execute();
    },
  };
}
