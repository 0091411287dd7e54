/**
 * The behaviour every Store must have, run against each database by `*-store.test.ts`.
 * `open` must open a store on the same database every time it is called (persistence and
 * cross-instance races rely on it). Tests isolate themselves with fresh tenant/server ids.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  Client,
  RefreshTokenRecord,
  ServerRef,
  User,
} from '../../core/api/model.ts';
import {
  DuplicateKeyError,
  StoreUnavailableError,
  type SigningKeyRecord,
  type Store,
} from '../../core/store/repositories.ts';
import { aClient } from '../support/client-builder.ts';

/** A fixed "now" for the records; far enough in the past that real-clock expiry never interferes. */
const NOW = 1_700_000_000;
const LATER = NOW + 600;

function uid(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

function newRef(): ServerRef {
  return { tenantId: uid('t'), serverId: uid('s') };
}

function client(ref: ServerRef, overrides: Partial<Client> = {}): Client {
  // Every field set to a non-default value, so a round trip that drops one fails.
  return aClient({
    ...ref,
    clientId: uid('client'),
    clientName: 'Example client',
    secretHash: 'scrypt$abc',
    tokenEndpointAuthMethod: 'tls_client_auth',
    grantTypes: ['authorization_code', 'refresh_token'],
    responseTypes: ['code'],
    redirectUris: ['https://app.example/cb', 'https://app.example/cb2'],
    scopes: ['openid', 'profile'],
    jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1' }] },
    tlsClientAuthSubjectDn: 'CN=client,O=Example',
    tlsClientAuthSanDns: 'client.example',
    tlsClientAuthSanIp: '10.0.0.1',
    tlsClientCertificateBoundAccessTokens: true,
    certificates: ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
    accessTokenFormat: 'jwt',
    tokenEndpointAuthSigningAlg: 'PS256',
    requirePushedAuthorizationRequests: true,
    jwtSecret: 'a-client-secret-jwt-key-of-32-chars-at-least',
    createdAt: NOW,
    updatedAt: NOW,
    ...overrides,
  });
}

function user(ref: ServerRef, overrides: Partial<User> = {}): User {
  return {
    ...ref,
    id: uid('user'),
    username: uid('alice'),
    passwordHash: 'scrypt$hash',
    isAdmin: false,
    claims: { email: 'alice@example.com', email_verified: true, groups: ['a', 'b'] },
    createdAt: NOW,
    ...overrides,
  };
}

function code(ref: ServerRef, overrides: Partial<AuthorizationCodeRecord> = {}): AuthorizationCodeRecord {
  return {
    ...ref,
    id: uid('code'),
    clientId: 'client-1',
    redirectUri: 'https://app.example/cb',
    subject: 'sub-1',
    username: 'alice',
    scopes: ['openid', 'profile'],
    nonce: 'n-0S6_WzA2Mj',
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    codeChallengeMethod: 'S256',
    // RFC 9449 §10: round-trips like every other member.
    dpopJkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
    authTime: NOW - 5,
    issuedAt: NOW,
    expiresAt: NOW + 60,
    redeemedAt: null,
    ...overrides,
  };
}

function accessToken(ref: ServerRef, overrides: Partial<AccessTokenRecord> = {}): AccessTokenRecord {
  return {
    ...ref,
    id: uid('at'),
    format: 'opaque',
    clientId: 'client-1',
    subject: 'sub-1',
    username: 'alice',
    scopes: ['openid'],
    audience: ['https://api.example', 'client-1'],
    issuedAt: NOW,
    expiresAt: LATER,
    confirmation: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' },
    grantId: null,
    revoked: false,
    ...overrides,
  };
}

function refreshToken(ref: ServerRef, overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord {
  return {
    ...ref,
    id: uid('rt'),
    familyId: uid('family'),
    clientId: 'client-1',
    subject: 'sub-1',
    username: 'alice',
    scopes: ['openid', 'offline_access'],
    issuedAt: NOW,
    expiresAt: NOW + 86_400,
    authTime: NOW - 5,
    confirmation: null,
    grantId: uid('grant'),
    usedAt: null,
    revoked: false,
    ...overrides,
  };
}

function signingKey(ref: ServerRef, overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  return {
    ...ref,
    kid: uid('kid'),
    alg: 'ES256',
    privateJwk: '{"kty":"EC","d":"secret"}',
    publicJwk: '{"kty":"EC","x":"x","y":"y"}',
    createdAt: NOW,
    rotatedAt: null,
    ...overrides,
  };
}

/** Registers the contract's describe blocks; `open` yields a store on the same database each call. */
export function describeStoreContract(name: string, open: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store?.close();
    });

    /** A second, independent store (own connection/pool) on the same database. */
    async function withSecondStore<T>(run: (other: Store) => Promise<T>): Promise<T> {
      const other = await open();
      try {
        return await run(other);
      } finally {
        await other.close();
      }
    }

    describe('tenants', () => {
      it('ensure creates once and keeps the first name', async () => {
        const tenantId = uid('t');
        const created = await store.tenants.ensure(tenantId, 'Acme');
        expect(created).toMatchObject({ tenantId, name: 'Acme' });
        expect(typeof created.createdAt).toBe('number');
        const again = await store.tenants.ensure(tenantId, 'Renamed');
        expect(again).toEqual(created);
        expect(await store.tenants.get(tenantId)).toEqual(created);
        expect((await store.tenants.list()).map((t) => t.tenantId)).toContain(tenantId);
      });

      it('ensure without a name uses the id; unknown tenant is null', async () => {
        const tenantId = uid('t');
        expect((await store.tenants.ensure(tenantId)).name).toBe(tenantId);
        expect(await store.tenants.get(uid('missing'))).toBeNull();
      });
    });

    describe('servers', () => {
      it('creates, reads, lists, updates', async () => {
        const ref = newRef();
        const created = await store.servers.create({ ...ref, name: 'Main', issuer: null, accessTokenFormat: null });
        expect(created).toMatchObject({ ...ref, name: 'Main', issuer: null, accessTokenFormat: null, profile: 'none' });
        expect(Number.isInteger(created.createdAt)).toBe(true);
        expect(await store.servers.get(ref)).toEqual(created);
        // Creating a server implies its tenant.
        expect(await store.tenants.get(ref.tenantId)).not.toBeNull();

        const second = await store.servers.create({ tenantId: ref.tenantId, serverId: uid('s'), name: 'Second', issuer: 'https://issuer.example', accessTokenFormat: 'jwt' });
        expect((await store.servers.list(ref.tenantId)).map((s) => s.serverId).sort()).toEqual([ref.serverId, second.serverId].sort());
        expect(await store.servers.list(uid('other-tenant'))).toEqual([]);

        const updated = await store.servers.update(ref, { name: 'Renamed', accessTokenFormat: 'opaque' });
        expect(updated).toEqual({ ...created, name: 'Renamed', accessTokenFormat: 'opaque' });
        const issuerSet = await store.servers.update(ref, { issuer: 'https://as.example/t/s' });
        expect(issuerSet).toEqual({ ...created, name: 'Renamed', accessTokenFormat: 'opaque', issuer: 'https://as.example/t/s' });
        expect(await store.servers.update(ref, {})).toEqual(issuerSet);
        const fapi = await store.servers.update(ref, { profile: 'fapi2-security' });
        expect(fapi).toEqual({ ...issuerSet, profile: 'fapi2-security' });
        expect(await store.servers.get(ref)).toEqual(fapi);
        const third = await store.servers.create({ tenantId: ref.tenantId, serverId: uid('s'), name: 'Third', issuer: null, accessTokenFormat: null, profile: 'fapi2-security' });
        expect((await store.servers.get(third))?.profile).toBe('fapi2-security');
        expect(await store.servers.update(newRef(), { name: 'x' })).toBeNull();
        expect(await store.servers.get({ tenantId: ref.tenantId, serverId: uid('s') })).toBeNull();
      });

      it('rejects a taken server id with DuplicateKeyError', async () => {
        const ref = newRef();
        await store.servers.create({ ...ref, name: 'A', issuer: null, accessTokenFormat: null });
        await expect(store.servers.create({ ...ref, name: 'B', issuer: null, accessTokenFormat: null })).rejects.toBeInstanceOf(DuplicateKeyError);
        expect((await store.servers.get(ref))?.name).toBe('A');
      });

      it('delete removes everything of that server and nothing of another', async () => {
        const ref = newRef();
        const other = { tenantId: ref.tenantId, serverId: uid('s') };
        for (const r of [ref, other]) {
          await store.servers.create({ ...r, name: 'srv', issuer: null, accessTokenFormat: null });
          await store.clients.create(client(r, { clientId: 'shared-client' }));
          await store.users.create(user(r, { id: 'shared-user', username: 'shared' }));
          await store.codes.create(code(r, { id: 'shared-code' }));
          await store.accessTokens.create(accessToken(r, { id: 'shared-at' }));
          await store.refreshTokens.create(refreshToken(r, { id: 'shared-rt' }));
          await store.keys.add(signingKey(r, { kid: 'shared-kid' }));
          await store.consents.put({ ...r, subject: 'sub-1', clientId: 'shared-client', scopes: ['openid'], grantedAt: NOW });
        }

        expect(await store.servers.delete(ref)).toBe(true);

        expect(await store.servers.get(ref)).toBeNull();
        expect(await store.clients.list(ref)).toEqual([]);
        expect(await store.users.list(ref)).toEqual([]);
        expect(await store.codes.redeem(ref, 'shared-code', NOW)).toBeNull();
        expect(await store.accessTokens.get(ref, 'shared-at')).toBeNull();
        expect(await store.refreshTokens.get(ref, 'shared-rt')).toBeNull();
        expect(await store.keys.list(ref)).toEqual([]);
        expect(await store.consents.get(ref, 'sub-1', 'shared-client')).toBeNull();

        expect(await store.servers.get(other)).not.toBeNull();
        expect((await store.clients.list(other)).map((c) => c.clientId)).toEqual(['shared-client']);
        expect(await store.users.getById(other, 'shared-user')).not.toBeNull();
        expect(await store.accessTokens.get(other, 'shared-at')).not.toBeNull();
        expect(await store.refreshTokens.get(other, 'shared-rt')).not.toBeNull();
        expect(await store.keys.list(other)).toHaveLength(1);
        expect(await store.consents.get(other, 'sub-1', 'shared-client')).not.toBeNull();
        expect(await store.codes.redeem(other, 'shared-code', NOW)).toMatchObject({ redeemed: { id: 'shared-code' } });

        expect(await store.servers.delete(ref)).toBe(false);
      });
    });

    describe('clients', () => {
      it('round-trips every field', async () => {
        const ref = newRef();
        const full = client(ref);
        expect(await store.clients.create(full)).toEqual(full);
        expect(await store.clients.get(ref, full.clientId)).toEqual(full);

        const sparse = client(ref, {
          clientName: null,
          secretHash: null,
          tokenEndpointAuthMethod: null,
          grantTypes: [],
          redirectUris: [],
          jwks: null,
          jwksUri: 'https://app.example/jwks',
          tlsClientAuthSubjectDn: null,
          tlsClientAuthSanDns: null,
          tlsClientAuthSanIp: null,
          tlsClientCertificateBoundAccessTokens: false,
          dpopBoundAccessTokens: false,
          certificates: [],
          accessTokenFormat: null,
          tokenEndpointAuthSigningAlg: null,
          requirePushedAuthorizationRequests: false,
          jwtSecret: null,
        });
        await store.clients.create(sparse);
        expect(await store.clients.get(ref, sparse.clientId)).toEqual(sparse);
        expect((await store.clients.list(ref)).map((c) => c.clientId).sort()).toEqual([full.clientId, sparse.clientId].sort());
      });

      it('throws DuplicateKeyError for a taken id on the same server only', async () => {
        const ref = newRef();
        const original = client(ref, { clientName: 'first' });
        await store.clients.create(original);
        await expect(store.clients.create({ ...original, clientName: 'second' })).rejects.toBeInstanceOf(DuplicateKeyError);
        expect((await store.clients.get(ref, original.clientId))?.clientName).toBe('first');

        const elsewhere = { ...newRef() };
        await expect(store.clients.create({ ...original, ...elsewhere, clientName: 'elsewhere' })).resolves.toBeDefined();
        expect((await store.clients.get(elsewhere, original.clientId))?.clientName).toBe('elsewhere');
        expect((await store.clients.get(ref, original.clientId))?.clientName).toBe('first');
      });

      it('is scoped: another server (same tenant or not) does not see it', async () => {
        const ref = newRef();
        const c = client(ref);
        await store.clients.create(c);
        expect(await store.clients.get({ tenantId: ref.tenantId, serverId: uid('s') }, c.clientId)).toBeNull();
        expect(await store.clients.get({ tenantId: uid('t'), serverId: ref.serverId }, c.clientId)).toBeNull();
        expect(await store.clients.delete({ tenantId: ref.tenantId, serverId: uid('s') }, c.clientId)).toBe(false);
        expect(await store.clients.get(ref, c.clientId)).not.toBeNull();
      });

      it('listByTenant spans the tenant servers only', async () => {
        const tenantId = uid('t');
        const a = client({ tenantId, serverId: 'a' });
        const b = client({ tenantId, serverId: 'b' });
        const foreign = client({ tenantId: uid('t'), serverId: 'a' });
        for (const c of [a, b, foreign]) await store.clients.create(c);
        const listed = await store.clients.listByTenant(tenantId);
        expect(listed.map((c) => `${c.serverId}/${c.clientId}`).sort()).toEqual([`a/${a.clientId}`, `b/${b.clientId}`].sort());
      });

      it('updates all mutable fields, keeps createdAt, and deletes', async () => {
        const ref = newRef();
        const c = client(ref);
        await store.clients.create(c);
        const changed: Client = {
          ...c,
          clientName: 'Renamed',
          secretHash: null,
          redirectUris: ['https://new.example/cb'],
          jwks: null,
          tlsClientCertificateBoundAccessTokens: false,
          dpopBoundAccessTokens: false,
          certificates: ['pem-1', 'pem-2'],
          accessTokenFormat: 'opaque',
          createdAt: NOW + 999,
          updatedAt: NOW + 100,
        };
        const updated = await store.clients.update(changed);
        expect(updated).toEqual({ ...changed, createdAt: NOW });
        expect(await store.clients.get(ref, c.clientId)).toEqual(updated);
        await expect(store.clients.update(client(newRef()))).rejects.toThrow(/does not exist/);

        expect(await store.clients.delete(ref, c.clientId)).toBe(true);
        expect(await store.clients.get(ref, c.clientId)).toBeNull();
        expect(await store.clients.delete(ref, c.clientId)).toBe(false);
      });
    });

    describe('users', () => {
      it('creates, finds by username and id, lists, updates the password, deletes', async () => {
        const ref = newRef();
        const admin = user(ref, { isAdmin: true, claims: {} });
        const alice = user(ref);
        await store.users.create(admin);
        expect(await store.users.create(alice)).toEqual(alice);

        expect(await store.users.getByUsername(ref, alice.username)).toEqual(alice);
        expect(await store.users.getById(ref, admin.id)).toEqual(admin);
        expect(await store.users.getByUsername(ref, 'nobody')).toBeNull();
        expect((await store.users.list(ref)).map((u) => u.id).sort()).toEqual([admin.id, alice.id].sort());

        await store.users.updatePassword(ref, alice.id, 'scrypt$new');
        expect((await store.users.getById(ref, alice.id))?.passwordHash).toBe('scrypt$new');
        expect((await store.users.getById(ref, admin.id))?.passwordHash).toBe('scrypt$hash');

        expect(await store.users.delete(ref, alice.id)).toBe(true);
        expect(await store.users.getById(ref, alice.id)).toBeNull();
        expect(await store.users.delete(ref, alice.id)).toBe(false);
      });

      it('throws DuplicateKeyError for a taken id or username on the same server', async () => {
        const ref = newRef();
        const alice = user(ref);
        await store.users.create(alice);
        await expect(store.users.create(user(ref, { id: alice.id }))).rejects.toBeInstanceOf(DuplicateKeyError);
        await expect(store.users.create(user(ref, { username: alice.username }))).rejects.toBeInstanceOf(DuplicateKeyError);
        // Same id and username on another server are another user.
        const elsewhere = newRef();
        await store.users.create({ ...alice, ...elsewhere, passwordHash: 'other' });
        expect((await store.users.getByUsername(elsewhere, alice.username))?.passwordHash).toBe('other');
        expect((await store.users.getByUsername(ref, alice.username))?.passwordHash).toBe('scrypt$hash');
      });

      it('is scoped: another server does not see or change it', async () => {
        const ref = newRef();
        const alice = user(ref);
        await store.users.create(alice);
        const other = { tenantId: ref.tenantId, serverId: uid('s') };
        expect(await store.users.getByUsername(other, alice.username)).toBeNull();
        expect(await store.users.getById(other, alice.id)).toBeNull();
        expect(await store.users.list(other)).toEqual([]);
        await store.users.updatePassword(other, alice.id, 'hijacked');
        expect(await store.users.delete(other, alice.id)).toBe(false);
        expect(await store.users.getById(ref, alice.id)).toEqual(alice);
      });
    });

    describe('authorization codes', () => {
      it('redeems once, then reports reuse with the original record', async () => {
        const ref = newRef();
        const c = code(ref);
        await store.codes.create(c);
        expect(await store.codes.redeem(ref, c.id, NOW + 1)).toEqual({ redeemed: { ...c, redeemedAt: NOW + 1 } });
        expect(await store.codes.redeem(ref, c.id, NOW + 2)).toEqual({ reused: { ...c, redeemedAt: NOW + 1 } });
      });

      it('returns null for unknown and expired codes, and reuse even after expiry', async () => {
        const ref = newRef();
        expect(await store.codes.redeem(ref, 'no-such-code', NOW)).toBeNull();
        const expired = code(ref, { expiresAt: NOW });
        await store.codes.create(expired);
        expect(await store.codes.redeem(ref, expired.id, NOW)).toBeNull();
        expect(await store.codes.redeem(ref, expired.id, NOW + 10)).toBeNull();

        const c = code(ref, { expiresAt: NOW + 60 });
        await store.codes.create(c);
        expect(await store.codes.redeem(ref, c.id, NOW + 59)).toMatchObject({ redeemed: { id: c.id } });
        expect(await store.codes.redeem(ref, c.id, NOW + 3600)).toMatchObject({ reused: { id: c.id, redeemedAt: NOW + 59 } });
      });

      it('is scoped: another server cannot redeem (or burn) it', async () => {
        const ref = newRef();
        const c = code(ref);
        await store.codes.create(c);
        expect(await store.codes.redeem({ tenantId: ref.tenantId, serverId: uid('s') }, c.id, NOW)).toBeNull();
        expect(await store.codes.redeem({ tenantId: uid('t'), serverId: ref.serverId }, c.id, NOW)).toBeNull();
        expect(await store.codes.redeem(ref, c.id, NOW)).toMatchObject({ redeemed: { id: c.id } });
      });

      it('rejects a duplicate code id', async () => {
        const ref = newRef();
        const c = code(ref);
        await store.codes.create(c);
        await expect(store.codes.create(c)).rejects.toThrow();
      });

      it('gives exactly one of 20 concurrent redeemers the code', async () => {
        const ref = newRef();
        const c = code(ref);
        await store.codes.create(c);
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.codes.redeem(ref, c.id, NOW + 1 + (i % 3))));
        const redeemed = results.filter((r) => r !== null && 'redeemed' in r);
        const reused = results.filter((r) => r !== null && 'reused' in r);
        expect(redeemed).toHaveLength(1);
        expect(reused).toHaveLength(19);
      });

      it('gives exactly one redeemer the code across two store instances', async () => {
        const ref = newRef();
        const c = code(ref);
        await store.codes.create(c);
        const results = await withSecondStore((other) =>
          Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : other).codes.redeem(ref, c.id, NOW + 1))),
        );
        expect(results.filter((r) => r !== null && 'redeemed' in r)).toHaveLength(1);
        expect(results.filter((r) => r !== null && 'reused' in r)).toHaveLength(19);
      });
    });

    describe('access tokens', () => {
      it('round-trips every field', async () => {
        const ref = newRef();
        const jwt = accessToken(ref, { format: 'jwt', grantId: 'g-1' });
        const bare = accessToken(ref, { subject: null, username: null, audience: [], confirmation: null });
        await store.accessTokens.create(jwt);
        await store.accessTokens.create(bare);
        expect(await store.accessTokens.get(ref, jwt.id)).toEqual(jwt);
        expect(await store.accessTokens.get(ref, bare.id)).toEqual(bare);
        expect(await store.accessTokens.get(ref, 'unknown')).toBeNull();
      });

      it('revoke marks it revoked once', async () => {
        const ref = newRef();
        const t = accessToken(ref);
        await store.accessTokens.create(t);
        expect(await store.accessTokens.revoke(ref, t.id)).toBe(true);
        expect((await store.accessTokens.get(ref, t.id))?.revoked).toBe(true);
        expect(await store.accessTokens.revoke(ref, t.id)).toBe(false);
        expect(await store.accessTokens.revoke(ref, 'unknown')).toBe(false);
      });

      it('revokeByGrant revokes the grant tokens of that server and counts them', async () => {
        const ref = newRef();
        const other = { tenantId: ref.tenantId, serverId: uid('s') };
        const g1 = accessToken(ref, { grantId: 'grant-1' });
        const g2 = accessToken(ref, { grantId: 'grant-1' });
        const g3 = accessToken(ref, { grantId: 'grant-1', revoked: true });
        const unrelated = accessToken(ref, { grantId: 'grant-2' });
        const noGrant = accessToken(ref, { grantId: null });
        const foreign = accessToken(other, { grantId: 'grant-1' });
        for (const t of [g1, g2, g3, unrelated, noGrant, foreign]) await store.accessTokens.create(t);

        expect(await store.accessTokens.revokeByGrant(ref, 'grant-1')).toBe(2);
        expect(await store.accessTokens.revokeByGrant(ref, 'grant-1')).toBe(0);
        for (const t of [g1, g2, g3]) expect((await store.accessTokens.get(ref, t.id))?.revoked).toBe(true);
        expect((await store.accessTokens.get(ref, unrelated.id))?.revoked).toBe(false);
        expect((await store.accessTokens.get(ref, noGrant.id))?.revoked).toBe(false);
        expect((await store.accessTokens.get(other, foreign.id))?.revoked).toBe(false);
      });

      it('is scoped: another server neither sees nor revokes it', async () => {
        const ref = newRef();
        const t = accessToken(ref);
        await store.accessTokens.create(t);
        const other = { tenantId: ref.tenantId, serverId: uid('s') };
        expect(await store.accessTokens.get(other, t.id)).toBeNull();
        expect(await store.accessTokens.revoke(other, t.id)).toBe(false);
        expect((await store.accessTokens.get(ref, t.id))?.revoked).toBe(false);
      });
    });

    describe('refresh tokens', () => {
      it('round-trips every field', async () => {
        const ref = newRef();
        const bound = refreshToken(ref, { confirmation: { 'x5t#S256': 'thumb' } });
        const bare = refreshToken(ref, { subject: null, username: null, authTime: null, grantId: null });
        await store.refreshTokens.create(bound);
        await store.refreshTokens.create(bare);
        expect(await store.refreshTokens.get(ref, bound.id)).toEqual(bound);
        expect(await store.refreshTokens.get(ref, bare.id)).toEqual(bare);
        expect(await store.refreshTokens.get(ref, 'unknown')).toBeNull();
      });

      it('markUsed succeeds once, and never on a revoked or unknown token', async () => {
        const ref = newRef();
        const t = refreshToken(ref);
        await store.refreshTokens.create(t);
        expect(await store.refreshTokens.markUsed(ref, t.id, NOW + 5)).toBe(true);
        expect((await store.refreshTokens.get(ref, t.id))?.usedAt).toBe(NOW + 5);
        expect(await store.refreshTokens.markUsed(ref, t.id, NOW + 6)).toBe(false);
        expect((await store.refreshTokens.get(ref, t.id))?.usedAt).toBe(NOW + 5);

        const revoked = refreshToken(ref);
        await store.refreshTokens.create(revoked);
        expect(await store.refreshTokens.revoke(ref, revoked.id)).toBe(true);
        expect(await store.refreshTokens.revoke(ref, revoked.id)).toBe(false);
        expect(await store.refreshTokens.markUsed(ref, revoked.id, NOW)).toBe(false);
        expect((await store.refreshTokens.get(ref, revoked.id))?.usedAt).toBeNull();

        expect(await store.refreshTokens.markUsed(ref, 'unknown', NOW)).toBe(false);
      });

      it('has exactly one markUsed winner among 20 concurrent callers', async () => {
        const ref = newRef();
        const t = refreshToken(ref);
        await store.refreshTokens.create(t);
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.refreshTokens.markUsed(ref, t.id, NOW + i)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('has exactly one markUsed winner across two store instances', async () => {
        const ref = newRef();
        const t = refreshToken(ref);
        await store.refreshTokens.create(t);
        const results = await withSecondStore((other) =>
          Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : other).refreshTokens.markUsed(ref, t.id, NOW))),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('revokeFamily revokes the family on that server and counts newly revoked tokens', async () => {
        const ref = newRef();
        const other = { tenantId: ref.tenantId, serverId: uid('s') };
        const familyId = uid('family');
        const members = [
          refreshToken(ref, { familyId, usedAt: NOW }),
          refreshToken(ref, { familyId }),
          refreshToken(ref, { familyId, revoked: true }),
        ];
        const stranger = refreshToken(ref);
        const foreign = refreshToken(other, { familyId });
        for (const t of [...members, stranger, foreign]) await store.refreshTokens.create(t);

        expect(await store.refreshTokens.revokeFamily(ref, familyId)).toBe(2);
        expect(await store.refreshTokens.revokeFamily(ref, familyId)).toBe(0);
        for (const t of members) expect((await store.refreshTokens.get(ref, t.id))?.revoked).toBe(true);
        expect((await store.refreshTokens.get(ref, stranger.id))?.revoked).toBe(false);
        expect((await store.refreshTokens.get(other, foreign.id))?.revoked).toBe(false);
        expect(await store.refreshTokens.markUsed(ref, members[1].id, NOW)).toBe(false);
      });

      it('is scoped: another server neither sees, uses nor revokes it', async () => {
        const ref = newRef();
        const t = refreshToken(ref);
        await store.refreshTokens.create(t);
        const other = { tenantId: uid('t'), serverId: ref.serverId };
        expect(await store.refreshTokens.get(other, t.id)).toBeNull();
        expect(await store.refreshTokens.markUsed(other, t.id, NOW)).toBe(false);
        expect(await store.refreshTokens.revoke(other, t.id)).toBe(false);
        expect(await store.refreshTokens.get(ref, t.id)).toEqual(t);
      });
    });

    describe('signing keys', () => {
      it('adds if absent, lists oldest first, marks rotation once', async () => {
        const ref = newRef();
        const first = signingKey(ref, { kid: 'k-b', createdAt: NOW });
        const second = signingKey(ref, { kid: 'k-a', alg: 'RS256', createdAt: NOW + 10 });
        await store.keys.add(second);
        await store.keys.add(first);
        // A racing node's key with the same kid does not replace the stored one.
        await store.keys.add({ ...first, privateJwk: '{"other":true}', createdAt: NOW + 99 });
        expect(await store.keys.list(ref)).toEqual([first, second]);

        await store.keys.markRotated(ref, first.kid, NOW + 50);
        await store.keys.markRotated(ref, first.kid, NOW + 70);
        expect(await store.keys.list(ref)).toEqual([{ ...first, rotatedAt: NOW + 50 }, second]);
      });

      it('is scoped: the same kid on two servers are two keys', async () => {
        const ref = newRef();
        const other = { tenantId: ref.tenantId, serverId: uid('s') };
        await store.keys.add(signingKey(ref, { kid: 'same' }));
        await store.keys.add(signingKey(other, { kid: 'same', privateJwk: '{"server":"other"}' }));
        await store.keys.markRotated(other, 'same', NOW);
        expect(await store.keys.list(ref)).toEqual([signingKey(ref, { kid: 'same' })]);
        expect((await store.keys.list(other))[0]).toMatchObject({ privateJwk: '{"server":"other"}', rotatedAt: NOW });
        expect(await store.keys.list(newRef())).toEqual([]);
      });
    });

    describe('consents', () => {
      it('puts, replaces and reads per server', async () => {
        const ref = newRef();
        const consent = { ...ref, subject: 'sub-1', clientId: 'client-1', scopes: ['openid'], grantedAt: NOW };
        expect(await store.consents.get(ref, 'sub-1', 'client-1')).toBeNull();
        await store.consents.put(consent);
        expect(await store.consents.get(ref, 'sub-1', 'client-1')).toEqual(consent);
        await store.consents.put({ ...consent, scopes: ['openid', 'email'], grantedAt: NOW + 5 });
        expect(await store.consents.get(ref, 'sub-1', 'client-1')).toEqual({ ...consent, scopes: ['openid', 'email'], grantedAt: NOW + 5 });
        expect(await store.consents.get(ref, 'sub-1', 'client-2')).toBeNull();
        expect(await store.consents.get({ tenantId: ref.tenantId, serverId: uid('s') }, 'sub-1', 'client-1')).toBeNull();
      });
    });

    describe('key-value', () => {
      const realNow = () => Math.floor(Date.now() / 1000);

      it('puts, overwrites, reads while unexpired, deletes', async () => {
        const key = uid('kv');
        await store.kv.put(key, 'one', NOW + 10);
        expect(await store.kv.get(key, NOW)).toBe('one');
        expect(await store.kv.get(key, NOW + 9)).toBe('one');
        expect(await store.kv.get(key, NOW + 10)).toBeNull();
        await store.kv.put(key, 'two', NOW + 20);
        expect(await store.kv.get(key, NOW + 15)).toBe('two');
        await store.kv.delete(key);
        expect(await store.kv.get(key, NOW)).toBeNull();
        await store.kv.delete(key);
        expect(await store.kv.get(uid('missing'), NOW)).toBeNull();
      });

      it('putIfAbsent: first caller wins while unexpired; an expired row is replaced', async () => {
        const key = uid('jti');
        expect(await store.kv.putIfAbsent(key, 'first', realNow() + 60, realNow())).toBe(true);
        expect(await store.kv.putIfAbsent(key, 'second', realNow() + 60, realNow())).toBe(false);
        expect(await store.kv.get(key, realNow())).toBe('first');

        const stale = uid('jti');
        await store.kv.put(stale, 'old', realNow() - 1);
        expect(await store.kv.putIfAbsent(stale, 'new', realNow() + 60, realNow())).toBe(true);
        expect(await store.kv.get(stale, realNow())).toBe('new');
      });

      it('putIfAbsent: exactly one of 20 concurrent callers wins', async () => {
        const key = uid('jti');
        const results = await withSecondStore((other) =>
          Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : other).kv.putIfAbsent(key, `v${i}`, realNow() + 60, realNow()))),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('increment counts, keeps its window, and restarts once expired', async () => {
        const key = uid('rate');
        expect(await store.kv.increment(key, 1, NOW + 60, NOW)).toBe(1);
        expect(await store.kv.increment(key, 2, NOW + 999, NOW + 1)).toBe(3);
        // The window stays the first one (NOW + 60), not the later call's.
        expect(await store.kv.get(key, NOW + 59)).toBe('3');
        expect(await store.kv.get(key, NOW + 60)).toBeNull();
        expect(await store.kv.increment(key, 5, NOW + 120, NOW + 60)).toBe(5);
        expect(await store.kv.increment(key, 1, NOW + 999, NOW + 61)).toBe(6);
        expect(await store.kv.get(key, NOW + 119)).toBe('6');
      });

      it('increment loses no update under 20 concurrent callers', async () => {
        const key = uid('rate');
        const results = await withSecondStore((other) =>
          Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : other).kv.increment(key, 1, NOW + 60, NOW))),
        );
        expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
        expect(await store.kv.get(key, NOW)).toBe('20');
      });
    });

    describe('sweepExpired', () => {
      it('deletes expired codes, tokens and kv rows, keeping unexpired revoked tokens', async () => {
        const now = NOW + 10_000;
        // Clear what earlier tests left expired at `now`, so the count below is exact.
        await store.sweepExpired(now);
        const ref = newRef();
        const expiredCode = code(ref, { expiresAt: now - 1 });
        const liveCode = code(ref, { expiresAt: now + 60 });
        const expiredAt = accessToken(ref, { expiresAt: now - 1 });
        const expiringAt = accessToken(ref, { expiresAt: now }); // grace: goes only once strictly past
        const revokedLiveAt = accessToken(ref, { expiresAt: now + 60, revoked: true });
        const expiredRt = refreshToken(ref, { expiresAt: now - 1, usedAt: now - 100 });
        const revokedLiveRt = refreshToken(ref, { expiresAt: now + 60, revoked: true });
        const usedLiveRt = refreshToken(ref, { expiresAt: now + 60, usedAt: now - 5 });
        const expiredKv = uid('kv');
        const liveKv = uid('kv');

        await store.codes.create(expiredCode);
        await store.codes.create(liveCode);
        for (const t of [expiredAt, expiringAt, revokedLiveAt]) await store.accessTokens.create(t);
        for (const t of [expiredRt, revokedLiveRt, usedLiveRt]) await store.refreshTokens.create(t);
        await store.kv.put(expiredKv, 'x', now);
        await store.kv.put(liveKv, 'y', now + 60);

        expect(await store.sweepExpired(now)).toBe(4);

        expect(await store.codes.redeem(ref, expiredCode.id, now - 100)).toBeNull();
        expect(await store.accessTokens.get(ref, expiredAt.id)).toBeNull();
        expect(await store.accessTokens.get(ref, expiringAt.id)).not.toBeNull();
        expect(await store.accessTokens.get(ref, revokedLiveAt.id)).not.toBeNull();
        expect(await store.refreshTokens.get(ref, expiredRt.id)).toBeNull();
        expect(await store.refreshTokens.get(ref, revokedLiveRt.id)).not.toBeNull();
        // A used token still present means presenting it again is detected as reuse.
        expect(await store.refreshTokens.markUsed(ref, usedLiveRt.id, now)).toBe(false);
        expect(await store.kv.get(liveKv, now)).toBe('y');
        expect(await store.codes.redeem(ref, liveCode.id, now)).toMatchObject({ redeemed: { id: liveCode.id } });

        expect(await store.sweepExpired(now)).toBe(0);
        expect(await store.sweepExpired(now + 1)).toBe(1); // expiringAt, now strictly expired
      });
    });

    describe('lifecycle', () => {
      it('reports its kind and answers ping', async () => {
        expect(['sqlite', 'postgres']).toContain(store.kind);
        await expect(store.ping()).resolves.toBeUndefined();
      });

      it('keeps data across close and reopen, and reopening migrates nothing twice', async () => {
        const ref = newRef();
        const first = await open();
        const token = refreshToken(ref);
        const c = client(ref);
        await first.refreshTokens.create(token);
        await first.clients.create(c);
        await first.kv.put(`persist-${ref.serverId}`, 'kept', NOW + 60);
        await first.close();
        await first.close(); // closing twice is harmless

        for (let i = 0; i < 2; i++) {
          const reopened = await open();
          try {
            expect(await reopened.refreshTokens.get(ref, token.id)).toEqual(token);
            expect(await reopened.clients.get(ref, c.clientId)).toEqual(c);
            expect(await reopened.kv.get(`persist-${ref.serverId}`, NOW)).toBe('kept');
          } finally {
            await reopened.close();
          }
        }
      });

      it('throws StoreUnavailableError once closed', async () => {
        const closed = await open();
        await closed.close();
        await expect(closed.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
        await expect(closed.clients.get(newRef(), 'x')).rejects.toBeInstanceOf(StoreUnavailableError);
      });
    });
  });
}
