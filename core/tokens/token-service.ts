/**
 * Issues and resolves tokens. Access tokens are opaque (256-bit random, stored by SHA-256) or
 * RFC 9068 JWTs (`at+jwt`, also recorded by `jti` so they can be revoked and introspected).
 * A confirmation (`cnf`) set by the grant handler chain goes into the JWT and the stored record.
 */
import type { AccessTokenRecord, Client, Confirmation, RefreshTokenRecord, ServerRef, TokenFormat } from '../api/model.ts';
import { sha256Base64Url } from '../crypto/sha256.ts';
import { newOpaqueToken, newTimeOrderedId, opaqueTokenId } from './token-ids.ts';
import type { Store } from '../store/repositories.ts';
import type { ServerContext } from '../servers/server-context.ts';
import { signJwt } from './jws-sign.ts';
import { jwtHeader, verifyJwt } from './jws-verify.ts';
import type { SigningAlg, SigningKeys } from './signing-keys.ts';
import { signingAlgFor } from '../profile/signing-alg.ts';
import { epochSeconds, systemClock, type Clock } from '../time/clock.ts';

export interface TokenLifetimes {
  accessToken: number;
  refreshToken: number;
  idToken: number;
  clockSkew: number;
}

export interface AccessTokenInput {
  server: ServerContext;
  client: Client;
  subject: string | null;
  username: string | null;
  scopes: string[];
  confirmation: Confirmation | null;
  grantId: string | null;
  /** Extra claims for JWT access tokens (e.g. `auth_time`). */
  extraClaims?: Record<string, unknown>;
}

export interface RefreshTokenInput {
  server: ServerRef;
  client: Client;
  subject: string | null;
  username: string | null;
  scopes: string[];
  familyId: string;
  grantId: string | null;
  authTime: number | null;
  confirmation: Confirmation | null;
}

export interface IdTokenInput {
  server: ServerContext;
  client: Client;
  subject: string;
  nonce: string | null;
  authTime: number | null;
  accessToken: string;
  code?: string;
  claims?: Record<string, unknown>;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export class TokenService {
  constructor(
    private readonly store: Store,
    private readonly keys: SigningKeys,
    private readonly lifetimes: TokenLifetimes,
    private readonly algs: { accessToken: SigningAlg; idToken: SigningAlg },
    private readonly clock: Clock = systemClock,
  ) {}

  now(): number {
    return epochSeconds(this.clock);
  }

  async issueAccessToken(input: AccessTokenInput): Promise<{ token: string; record: AccessTokenRecord }> {
    const minted = await this.mintAccessToken(input);
    await this.store.accessTokens.create(minted.record);
    return minted;
  }

  /** The token and its record, not yet stored: the core's invariants see it before anything is kept. */
  async mintAccessToken(input: AccessTokenInput): Promise<{ token: string; record: AccessTokenRecord }> {
    const format: TokenFormat = input.client.accessTokenFormat ?? input.server.accessTokenFormat;
    const issuedAt = this.now();
    const expiresAt = issuedAt + this.lifetimes.accessToken;
    const base = {
      tenantId: input.server.tenantId,
      serverId: input.server.serverId,
      clientId: input.client.clientId,
      subject: input.subject,
      username: input.username,
      scopes: input.scopes,
      audience: [input.client.clientId],
      issuedAt,
      expiresAt,
      confirmation: input.confirmation,
      grantId: input.grantId,
      revoked: false,
    };
    let token: string;
    let record: AccessTokenRecord;
    if (format === 'jwt') {
      const jti = newTimeOrderedId(18);
      const key = await this.keys.current(input.server, signingAlgFor(input.server, this.algs.accessToken));
      token = signJwt(
        { alg: key.alg, typ: 'at+jwt', kid: key.kid },
        {
          ...input.extraClaims,
          client_id: input.client.clientId,
          scope: input.scopes.join(' '),
          ...(input.username ? { username: input.username } : {}),
          ...(input.confirmation ? { cnf: input.confirmation } : {}),
          iss: input.server.issuer,
          sub: input.subject ?? input.client.clientId,
          aud: base.audience,
          iat: issuedAt,
          nbf: issuedAt,
          exp: expiresAt,
          jti,
        },
        key.signingKey,
      );
      record = { ...base, id: jti, format };
    } else {
      const opaque = newOpaqueToken();
      token = opaque.value;
      record = { ...base, id: opaque.id, format };
    }
    return { token, record };
  }

  async issueRefreshToken(input: RefreshTokenInput): Promise<{ token: string; record: RefreshTokenRecord }> {
    const minted = this.mintRefreshToken(input);
    await this.store.refreshTokens.create(minted.record);
    return minted;
  }

  /** The refresh token and its record, not yet stored. */
  mintRefreshToken(input: RefreshTokenInput): { token: string; record: RefreshTokenRecord } {
    const { value: token, id } = newOpaqueToken();
    const issuedAt = this.now();
    const record: RefreshTokenRecord = {
      tenantId: input.server.tenantId,
      serverId: input.server.serverId,
      id,
      familyId: input.familyId,
      clientId: input.client.clientId,
      subject: input.subject,
      username: input.username,
      scopes: input.scopes,
      issuedAt,
      expiresAt: issuedAt + this.lifetimes.refreshToken,
      authTime: input.authTime,
      confirmation: input.confirmation,
      grantId: input.grantId,
      usedAt: null,
      revoked: false,
    };
    return { token, record };
  }

  async issueIdToken(input: IdTokenInput): Promise<string> {
    const key = await this.keys.current(input.server, signingAlgFor(input.server, this.algs.idToken));
    const issuedAt = this.now();
    return signJwt(
      { alg: key.alg, typ: 'JWT', kid: key.kid },
      {
        ...input.claims,
        azp: input.client.clientId,
        at_hash: halfHash(input.accessToken),
        ...(input.code ? { c_hash: halfHash(input.code) } : {}),
        ...(input.nonce ? { nonce: input.nonce } : {}),
        ...(input.authTime ? { auth_time: input.authTime } : {}),
        iss: input.server.issuer,
        sub: input.subject,
        aud: input.client.clientId,
        iat: issuedAt,
        exp: issuedAt + this.lifetimes.idToken,
      },
      key.signingKey,
    );
  }

  /** The record of an active access token of this server, or null (unknown, expired, revoked, forged). */
  async findActiveAccessToken(server: ServerContext, value: string): Promise<AccessTokenRecord | null> {
    const id = JWT_SHAPE.test(value) ? await this.verifiedJwtId(server, value) : opaqueTokenId(value);
    if (!id) return null;
    const record = await this.store.accessTokens.get(server, id);
    // No skew here: this server wrote `expiresAt` itself, and RFC 7662 must not call a token whose
    // `exp` has passed active (a resource server trusts `active` over its own clock).
    if (!record || record.revoked || record.expiresAt <= this.now()) return null;
    return record;
  }

  async findRefreshToken(server: ServerRef, value: string): Promise<RefreshTokenRecord | null> {
    if (value.length > 512) return null;
    return this.store.refreshTokens.get(server, opaqueTokenId(value));
  }

  /** A JWT access token's `jti` when its signature, type, issuer and times check out. */
  private async verifiedJwtId(server: ServerContext, value: string): Promise<string | null> {
    try {
      const header = jwtHeader(value);
      if (!header || header.typ !== 'at+jwt' || typeof header.kid !== 'string') return null;
      const key = await this.keys.verificationKey(server, header.kid);
      if (!key) return null;
      const claims = verifyJwt(value, key.verifyKey, {
        alg: key.alg,
        typ: 'at+jwt',
        issuer: server.issuer,
        clockTolerance: this.lifetimes.clockSkew,
        now: this.now(),
      });
      return typeof claims?.jti === 'string' ? claims.jti : null;
    } catch {
      return null;
    }
  }
}

/** OIDC Core §3.3.2.11: left half of SHA-256, base64url (for ES256 / RS256). */
function halfHash(value: string): string {
  const digest = Buffer.from(sha256Base64Url(value), 'base64url');
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
