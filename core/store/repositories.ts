/**
 * The store, as the rest of the core sees it: one repository per record type, behind interfaces,
 * with one implementation on kysely serving both SQLite (embedded default) and PostgreSQL.
 * All times are epoch seconds. Every method is scoped by a ServerRef where the record belongs to one.
 */
import type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  Client,
  RefreshTokenRecord,
  ServerProfile,
  ServerRef,
  User,
} from '../api/model.ts';

export interface TenantRecord {
  tenantId: string;
  name: string;
  createdAt: number;
}

export interface AuthorizationServerRecord extends ServerRef {
  name: string;
  /** null: derived from the listener URL (`https://host:port/{tid}/{aid}`). */
  issuer: string | null;
  /** null: `[oauth] access_token_format` */
  accessTokenFormat: 'opaque' | 'jwt' | null;
  /** The security profile the server enforces (FAPI 2.0: `fapi2-security`). */
  profile: ServerProfile;
  createdAt: number;
}

/** A server to create; `profile` defaults to "none". */
export type NewServer = Omit<AuthorizationServerRecord, 'createdAt' | 'profile'> & { profile?: ServerProfile };

export interface SigningKeyRecord extends ServerRef {
  kid: string;
  alg: 'ES256' | 'RS256';
  /** Private JWK, JSON. */
  privateJwk: string;
  publicJwk: string;
  createdAt: number;
  /** null while current; set when rotated out (still published until `retireAt`). */
  rotatedAt: number | null;
}

export interface ConsentRecord extends ServerRef {
  subject: string;
  clientId: string;
  scopes: string[];
  grantedAt: number;
}

export interface TenantRepository {
  ensure(tenantId: string, name?: string): Promise<TenantRecord>;
  get(tenantId: string): Promise<TenantRecord | null>;
  list(): Promise<TenantRecord[]>;
}

export interface ServerRepository {
  create(server: NewServer): Promise<AuthorizationServerRecord>;
  get(ref: ServerRef): Promise<AuthorizationServerRecord | null>;
  list(tenantId: string): Promise<AuthorizationServerRecord[]>;
  update(ref: ServerRef, patch: Partial<Pick<AuthorizationServerRecord, 'name' | 'issuer' | 'accessTokenFormat' | 'profile'>>): Promise<AuthorizationServerRecord | null>;
  /** Deletes the server and everything that belongs to it. */
  delete(ref: ServerRef): Promise<boolean>;
}

export interface ClientRepository {
  /** Throws `DuplicateKeyError` when the client id is taken on that server. */
  create(client: Client): Promise<Client>;
  get(ref: ServerRef, clientId: string): Promise<Client | null>;
  list(ref: ServerRef): Promise<Client[]>;
  /** Every client of a tenant, across its servers. */
  listByTenant(tenantId: string): Promise<Client[]>;
  update(client: Client): Promise<Client>;
  delete(ref: ServerRef, clientId: string): Promise<boolean>;
}

export interface UserRepository {
  create(user: User): Promise<User>;
  getByUsername(ref: ServerRef, username: string): Promise<User | null>;
  getById(ref: ServerRef, id: string): Promise<User | null>;
  list(ref: ServerRef): Promise<User[]>;
  updatePassword(ref: ServerRef, id: string, passwordHash: string): Promise<void>;
  delete(ref: ServerRef, id: string): Promise<boolean>;
}

export interface AuthorizationCodeRepository {
  create(code: AuthorizationCodeRecord): Promise<void>;
  /**
   * Atomically marks the code redeemed and returns it; returns `{ reused: record }` when it was
   * already redeemed (the caller then revokes what it issued), null when unknown or expired.
   * Exactly one of any number of concurrent callers gets `{ redeemed }`.
   */
  redeem(ref: ServerRef, id: string, now: number): Promise<{ redeemed: AuthorizationCodeRecord } | { reused: AuthorizationCodeRecord } | null>;
}

export interface AccessTokenRepository {
  create(token: AccessTokenRecord): Promise<void>;
  get(ref: ServerRef, id: string): Promise<AccessTokenRecord | null>;
  revoke(ref: ServerRef, id: string): Promise<boolean>;
  /** Revokes every access token issued from a grant (code reuse, refresh family reuse). */
  revokeByGrant(ref: ServerRef, grantId: string): Promise<number>;
}

export interface RefreshTokenRepository {
  create(token: RefreshTokenRecord): Promise<void>;
  get(ref: ServerRef, id: string): Promise<RefreshTokenRecord | null>;
  /**
   * Atomically marks an unused, unrevoked token used (rotation). Returns true for exactly one of
   * concurrent callers; false when it was already used or revoked (reuse).
   */
  markUsed(ref: ServerRef, id: string, now: number): Promise<boolean>;
  revokeFamily(ref: ServerRef, familyId: string): Promise<number>;
  revoke(ref: ServerRef, id: string): Promise<boolean>;
}

export interface SigningKeyRepository {
  list(ref: ServerRef): Promise<SigningKeyRecord[]>;
  /** Inserts the key unless one with the same kid exists (two nodes may race on first start). */
  add(key: SigningKeyRecord): Promise<void>;
  markRotated(ref: ServerRef, kid: string, at: number): Promise<void>;
}

export interface ConsentRepository {
  get(ref: ServerRef, subject: string, clientId: string): Promise<ConsentRecord | null>;
  put(consent: ConsentRecord): Promise<void>;
}

/** Short-lived shared state (login CSRF/session, replay caches, rate limits) that must agree across nodes. */
export interface KeyValueRepository {
  /** Sets the key unless present and unexpired at `now` (epoch seconds); true when set (a replay cache). */
  putIfAbsent(key: string, value: string, expiresAt: number, now: number): Promise<boolean>;
  put(key: string, value: string, expiresAt: number): Promise<void>;
  get(key: string, now: number): Promise<string | null>;
  delete(key: string): Promise<void>;
  /** Atomically adds `by` to a counter that expires at `expiresAt`; returns the new value. */
  increment(key: string, by: number, expiresAt: number, now: number): Promise<number>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  tenants: TenantRepository;
  servers: ServerRepository;
  clients: ClientRepository;
  users: UserRepository;
  codes: AuthorizationCodeRepository;
  accessTokens: AccessTokenRepository;
  refreshTokens: RefreshTokenRepository;
  keys: SigningKeyRepository;
  consents: ConsentRepository;
  kv: KeyValueRepository;
  /** Deletes expired codes, tokens and key-value rows; returns how many rows went. */
  sweepExpired(now: number): Promise<number>;
  /** Cheap round trip for /health; throws when the database is unreachable. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export class DuplicateKeyError extends Error {
  constructor(what: string) {
    super(`${what} already exists`);
    this.name = 'DuplicateKeyError';
  }
}

/** The database cannot be reached; rendered as 503 so the caller retries. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the store is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StoreUnavailableError';
  }
}
