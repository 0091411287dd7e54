/**
 * Users and their passwords. Login attempts are counted per user name in the shared store: at most
 * `maxAttempts` passwords are checked per `lockoutSeconds` window (counted from the first attempt
 * since the last success, which clears it), so a guesser is slowed and the real user is never locked out for good.
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
    // Count the attempt before checking it: read-then-check let any number of parallel guesses
    // through while the counter was still low. A success clears the counter again.
    const attempt = await this.store.kv.increment(counterKey, 1, now + this.policy.lockoutSeconds, now);
    if (attempt > this.policy.maxAttempts) return { ok: false, reason: 'locked' };
    const user = await this.store.users.getByUsername(server, username);
    // Always pay for one hash, so timing tells nothing about which usernames exist.
    const matches = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (user && matches) {
      await this.store.kv.delete(counterKey);
      return { ok: true, user };
    }
    return { ok: false, reason: user ? 'wrong_password' : 'unknown_user' };
  }
}
