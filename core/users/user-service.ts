/**
 * Users and their passwords. Failed logins are counted per user name in the shared store, once per
 * client address and once for the account: at most `maxAttempts` passwords are checked per
 * `lockoutSeconds` window from one address, and `maxAttempts × ACCOUNT_LIMIT_FACTOR` from all
 * addresses together (each window counted from its first attempt since the last success, which
 * clears both). A guesser is slowed, and one who guesses from one address cannot lock the real user
 * (or the super admin) out from another; only guessing spread over many addresses locks the account.
 */
import { randomUUID } from 'node:crypto';
import type { ServerRef, User } from '../api/model.ts';
import type { Store } from '../store/repositories.ts';
import { epochSeconds, systemClock, type Clock } from '../time/clock.ts';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './password-hash.ts';

/** How many times `maxAttempts` the account as a whole takes, from every address together. */
export const ACCOUNT_LIMIT_FACTOR = 10;

export interface LoginPolicy {
  maxAttempts: number;
  lockoutSeconds: number;
}

export type LoginOutcome = { ok: true; user: User } | { ok: false; reason: 'unknown_user' | 'wrong_password' | 'locked' };

export class UserService {
  constructor(
    private readonly store: Store,
    private readonly policy: LoginPolicy,
    private readonly clock: Clock = systemClock,
  ) {}

  async create(server: ServerRef, input: { username: string; password: string; isAdmin?: boolean; claims?: Record<string, unknown> }): Promise<User> {
    return this.store.users.create({
      ...server,
      id: randomUUID(),
      username: input.username,
      passwordHash: await hashPassword(input.password),
      isAdmin: input.isAdmin ?? false,
      claims: input.claims ?? {},
      createdAt: epochSeconds(this.clock),
    });
  }

  /** `source` is the client's address (RequestInfo.clientAddress); '' when there is none. */
  async login(server: ServerRef, username: string, password: string, source: string): Promise<LoginOutcome> {
    const now = epochSeconds(this.clock);
    // Each part is percent-encoded, so no ':', '/' or '@' inside a user name or address can make one
    // key equal another (user "v3@203.0.113.7" is not user "v3" at 203.0.113.7).
    const part = encodeURIComponent;
    const accountKey = `login-failures:${part(server.tenantId)}/${part(server.serverId)}:${part(username.toLowerCase())}`;
    const sourceKey = `${accountKey}@${part(source)}`;
    const expiresAt = now + this.policy.lockoutSeconds;
    // Count the attempt before checking it: read-then-check let any number of parallel guesses
    // through while the counter was still low. A success clears the counters again. An address
    // already locked out adds nothing to the account's count.
    if ((await this.store.kv.increment(sourceKey, 1, expiresAt, now)) > this.policy.maxAttempts) return { ok: false, reason: 'locked' };
    if ((await this.store.kv.increment(accountKey, 1, expiresAt, now)) > this.policy.maxAttempts * ACCOUNT_LIMIT_FACTOR) return { ok: false, reason: 'locked' };
    const user = await this.store.users.getByUsername(server, username);
    // Always pay for one hash, so timing tells nothing about which usernames exist.
    const matches = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (user && matches) {
      await Promise.all([this.store.kv.delete(sourceKey), this.store.kv.delete(accountKey)]);
      return { ok: true, user };
    }
    return { ok: false, reason: user ? 'wrong_password' : 'unknown_user' };
  }
}
