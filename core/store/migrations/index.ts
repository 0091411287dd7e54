/**
 * Every migration, by name. Names sort in the order they run (kysely's Migrator sorts them), so
 * new migrations get the next number; an applied migration is never edited, only followed.
 */
import type { Migration } from 'kysely';
import { initialMigration } from './001-initial.ts';
import { lookupIndexesMigration } from './002-lookup-indexes.ts';
import { dpopBoundAccessTokensMigration } from './003-dpop-bound-access-tokens.ts';
import { fapiProfileMigration } from './004-fapi-profile.ts';
import { codeDpopBindingMigration } from './005-code-dpop-binding.ts';
import { partialGrantIndexMigration } from './006-partial-grant-index.ts';

export const migrations: Readonly<Record<string, Migration>> = {
  '001-initial': initialMigration,
  '002-lookup-indexes': lookupIndexesMigration,
  '003-dpop-bound-access-tokens': dpopBoundAccessTokensMigration,
  '004-fapi-profile': fapiProfileMigration,
  '005-code-dpop-binding': codeDpopBindingMigration,
  '006-partial-grant-index': partialGrantIndexMigration,
};
