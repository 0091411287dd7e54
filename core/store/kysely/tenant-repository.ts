import type { Kysely } from 'kysely';
import type { TenantRecord, TenantRepository } from '../repositories.ts';
import type { Database } from './database-schema.ts';
import { nowSeconds, tenantFromRow } from './row-mapping.ts';

export function createTenantRepository(db: Kysely<Database>): TenantRepository {
  return {
    async ensure(tenantId: string, name?: string): Promise<TenantRecord> {
      // Insert-if-absent then read: concurrent callers converge on the first writer's row.
      await db
        .insertInto('tenants')
        .values({ tenant_id: tenantId, name: name ?? tenantId, created_at: nowSeconds() })
        .onConflict((oc) => oc.column('tenant_id').doNothing())
        .execute();
      const row = await db.selectFrom('tenants').selectAll().where('tenant_id', '=', tenantId).executeTakeFirstOrThrow();
      return tenantFromRow(row);
    },

    async get(tenantId: string): Promise<TenantRecord | null> {
      const row = await db.selectFrom('tenants').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
      return row ? tenantFromRow(row) : null;
    },

    async list(): Promise<TenantRecord[]> {
      const rows = await db.selectFrom('tenants').selectAll().orderBy('tenant_id').execute();
      return rows.map(tenantFromRow);
    },
  };
}
