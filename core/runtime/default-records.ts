/**
 * What must exist before the first request: the default tenant and its default authorization
 * server, and the super admin from `[super_admin]` (a warning while WSO2's admin/admin is in use).
 */
import type { Logger } from '../api/plugin-context.ts';
import type { TesseraConfig } from '../config/schema.ts';
import { DuplicateKeyError, type Store } from '../store/repositories.ts';
import type { UserService } from '../users/user-service.ts';
import { hashPassword, verifyPassword } from '../users/password-hash.ts';
import { DEFAULT_SERVER } from '../servers/server-context.ts';

/** Creates what is missing; true when a super admin still has the default credentials admin/admin. */
export async function ensureDefaults(store: Store, users: UserService, config: TesseraConfig, logger: Logger): Promise<boolean> {
  await store.tenants.ensure(DEFAULT_SERVER.tenantId, 'Default tenant');
  if (!(await store.servers.get(DEFAULT_SERVER))) {
    try {
      await store.servers.create({ ...DEFAULT_SERVER, name: 'Default authorization server', issuer: null, accessTokenFormat: null });
    } catch (err) {
      // Another node created it first.
      if (!(err instanceof DuplicateKeyError)) throw err;
    }
  }
  const { username, password, create_admin_account: create } = config.super_admin;
  if (!create) return false;
  const existing = await store.users.getByUsername(DEFAULT_SERVER, username);
  if (!existing) {
    try {
      await users.create(DEFAULT_SERVER, { username, password, isAdmin: true });
      logger.info({ username }, 'created the super admin account');
    } catch (err) {
      if (!(err instanceof DuplicateKeyError)) throw err;
    }
  } else if (!(await verifyPassword(password, existing.passwordHash))) {
    // The configured password is the source of truth for the super admin.
    await store.users.updatePassword(DEFAULT_SERVER, existing.id, await hashPassword(password));
  }
  // Also when another name is configured now: an earlier super admin keeps admin/admin until changed.
  const defaultAdmin = username === 'admin' ? null : await store.users.getByUsername(DEFAULT_SERVER, 'admin');
  const defaultInUse = username === 'admin' ? password === 'admin' : !!defaultAdmin?.isAdmin && (await verifyPassword('admin', defaultAdmin.passwordHash));
  if (defaultInUse) {
    logger.warn('a super admin uses the default credentials admin/admin: set [super_admin] password (or change that account\'s) before exposing this server');
  }
  return defaultInUse;
}
