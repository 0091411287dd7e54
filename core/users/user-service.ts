/**
 * Users and their passwords. Failed logins are counted per user in the shared store; past
 * `maxAttempts` the account refuses logins until `lockoutSeconds` have passed since the last failure,
 * so a guesser is slowed and the real user is never locked out for good.
 */
import { randomUUID } from 'node:crypto';
import type { ServerRef, User } from '../api/model.ts';
import type { Store } from '../store/repositories.ts';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './password-hash.ts';

export interface LoginPolicy {
  maxAttempts: number;
  lockoutSeconds: number;
}

export type LoginOutcome = { ok: true; user: User } | { ok: false; reason: 'unknown_user' | 'wrong_password' | 'locked' };

export class UserService {
  constructor(
    private readonly store: Store,
    private readonly policy: LoginPolicy,
  ) {}

  async create(server: ServerRef, input: { username: string; password: string; isAdmin?: boolean; claims?: Record<string, unknown> }): Promise<User> {
    return this.store.users.create({
      ...server,
      id: randomUUID(),
      username: input.username,
      passwordHash: await hashPassword(input.password),
      isAdmin: input.isAdmin ?? false,
      claims: input.claims ?? {},
      createdAt: Math.floor(Date.now() / 1000),
    });
  }

  async login(server: ServerRef, username: string, password: string): Promise<LoginOutcome> {
    const now = Math.floor(Date.now() / 1000);
    const counterKey = `login-failures:${server.tenantId}/${server.serverId}:${username.toLowerCase()}`;
    const failures = Number((await this.store.kv.get(counterKey, now)) ?? 0);
    const user = await this.store.users.getByUsername(server, username);
    // Always pay for one hash, so timing tells nothing about which usernames exist.
    const matches = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (failures >= this.policy.maxAttempts) return { ok: false, reason: 'locked' };
    if (user && matches) {
      if (failures > 0) await this.store.kv.delete(counterKey);
      return { ok: true, user };
    }
    await this.store.kv.increment(counterKey, 1, now + this.policy.lockoutSeconds, now);
    return { ok: false, reason: user ? 'wrong_password' : 'unknown_user' };
  }
}
