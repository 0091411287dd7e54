/**
 * Conversions between the records of `core/api/model.ts` / `repositories.ts` and table rows:
 * camelCase <-> snake_case, arrays/objects <-> JSON text, booleans <-> 0/1.
 */
import type { Selectable } from 'kysely';
import type {
  AccessTokenRecord,
  AuthorizationCodeRecord,
  Client,
  Confirmation,
  RefreshTokenRecord,
  ServerProfile,
  TokenFormat,
  User,
} from '../../api/model.ts';
import type {
  AuthorizationServerRecord,
  ConsentRecord,
  SigningKeyRecord,
  TenantRecord,
} from '../repositories.ts';
import type {
  AccessTokensTable,
  AuthorizationCodesTable,
  ClientsTable,
  ConsentsTable,
  Flag,
  Json,
  RefreshTokensTable,
  ServersTable,
  SigningKeysTable,
  TenantsTable,
  UsersTable,
} from './database-schema.ts';

export function toJson(value: unknown): Json {
  return JSON.stringify(value);
}

/** The store wrote this text itself, so its shape is trusted. */
function fromJson<T>(text: Json): T {
  return JSON.parse(text) as T;
}

function fromNullableJson<T>(text: Json | null): T | null {
  return text === null ? null : fromJson<T>(text);
}

export function toFlag(value: boolean): Flag {
  return value ? 1 : 0;
}

function fromFlag(value: Flag): boolean {
  return Number(value) !== 0;
}

/** Epoch seconds; defensive against a driver handing back a string or bigint. */
function num(value: number): number;
function num(value: number | null): number | null;
function num(value: number | null): number | null {
  return value === null ? null : Number(value);
}

function tokenFormat(value: string | null): TokenFormat | null {
  if (value === null || value === 'opaque' || value === 'jwt') return value;
  throw new Error(`unexpected token format in the store: ${value}`);
}

function serverProfile(value: string): ServerProfile {
  if (value === 'none' || value === 'fapi2-security') return value;
  throw new Error(`unexpected server profile in the store: ${value}`);
}

function requiredTokenFormat(value: string): TokenFormat {
  const format = tokenFormat(value);
  if (format === null) throw new Error('unexpected token format in the store: null');
  return format;
}

function signingAlg(value: string): SigningKeyRecord['alg'] {
  if (value === 'ES256' || value === 'RS256') return value;
  throw new Error(`unexpected signing key alg in the store: ${value}`);
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

export function tenantFromRow(row: Selectable<TenantsTable>): TenantRecord {
  return { tenantId: row.tenant_id, name: row.name, createdAt: num(row.created_at) };
}

export function serverFromRow(row: Selectable<ServersTable>): AuthorizationServerRecord {
  return {
    tenantId: row.tenant_id,
    serverId: row.server_id,
    name: row.name,
    issuer: row.issuer,
    accessTokenFormat: tokenFormat(row.access_token_format),
    profile: serverProfile(row.profile),
    createdAt: num(row.created_at),
  };
}

export function serverToRow(server: AuthorizationServerRecord): ServersTable {
  return {
    tenant_id: server.tenantId,
    server_id: server.serverId,
    name: server.name,
    issuer: server.issuer,
    access_token_format: server.accessTokenFormat,
    profile: server.profile,
    created_at: server.createdAt,
  };
}

/** The columns `clients.update` may change: everything but the key and created_at. */
export function clientMutableColumns(client: Client): Omit<ClientsTable, 'tenant_id' | 'server_id' | 'client_id' | 'created_at'> {
  return {
    client_name: client.clientName,
    secret_hash: client.secretHash,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    grant_types: toJson(client.grantTypes),
    response_types: toJson(client.responseTypes),
    redirect_uris: toJson(client.redirectUris),
    scopes: toJson(client.scopes),
    jwks: client.jwks === null ? null : toJson(client.jwks),
    jwks_uri: client.jwksUri,
    tls_client_auth_subject_dn: client.tlsClientAuthSubjectDn,
    tls_client_auth_san_dns: client.tlsClientAuthSanDns,
    tls_client_auth_san_uri: client.tlsClientAuthSanUri,
    tls_client_auth_san_ip: client.tlsClientAuthSanIp,
    tls_client_auth_san_email: client.tlsClientAuthSanEmail,
    tls_client_certificate_bound_access_tokens: toFlag(client.tlsClientCertificateBoundAccessTokens),
    dpop_bound_access_tokens: toFlag(client.dpopBoundAccessTokens),
    certificates: toJson(client.certificates),
    access_token_format: client.accessTokenFormat,
    token_endpoint_auth_signing_alg: client.tokenEndpointAuthSigningAlg ?? null,
    require_pushed_authorization_requests: toFlag(client.requirePushedAuthorizationRequests ?? false),
    jwt_secret: client.jwtSecret ?? null,
    updated_at: client.updatedAt,
  };
}

export function clientToRow(client: Client): ClientsTable {
  return {
    tenant_id: client.tenantId,
    server_id: client.serverId,
    client_id: client.clientId,
    created_at: client.createdAt,
    ...clientMutableColumns(client),
  };
}

export function clientFromRow(row: Selectable<ClientsTable>): Client {
  return {
    tenantId: row.tenant_id,
    serverId: row.server_id,
    clientId: row.client_id,
    clientName: row.client_name,
    secretHash: row.secret_hash,
    tokenEndpointAuthMethod: row.token_endpoint_auth_method,
    grantTypes: fromJson<string[]>(row.grant_types),
    responseTypes: fromJson<string[]>(row.response_types),
    redirectUris: fromJson<string[]>(row.redirect_uris),
    scopes: fromJson<string[]>(row.scopes),
    jwks: fromNullableJson<{ keys: Record<string, unknown>[] }>(row.jwks),
    jwksUri: row.jwks_uri,
    tlsClientAuthSubjectDn: row.tls_client_auth_subject_dn,
    tlsClientAuthSanDns: row.tls_client_auth_san_dns,
    tlsClientAuthSanUri: row.tls_client_auth_san_uri,
    tlsClientAuthSanIp: row.tls_client_auth_san_ip,
    tlsClientAuthSanEmail: row.tls_client_auth_san_email,
    tlsClientCertificateBoundAccessTokens: fromFlag(row.tls_client_certificate_bound_access_tokens),
    dpopBoundAccessTokens: fromFlag(row.dpop_bound_access_tokens),
    certificates: fromJson<string[]>(row.certificates),
    accessTokenFormat: tokenFormat(row.access_token_format),
    tokenEndpointAuthSigningAlg: row.token_endpoint_auth_signing_alg,
    requirePushedAuthorizationRequests: fromFlag(row.require_pushed_authorization_requests),
    jwtSecret: row.jwt_secret,
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

export function userToRow(user: User): UsersTable {
  return {
    tenant_id: user.tenantId,
    server_id: user.serverId,
    id: user.id,
    username: user.username,
    password_hash: user.passwordHash,
    is_admin: toFlag(user.isAdmin),
    claims: toJson(user.claims),
    created_at: user.createdAt,
  };
}

export function userFromRow(row: Selectable<UsersTable>): User {
  return {
    tenantId: row.tenant_id,
    serverId: row.server_id,
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    isAdmin: fromFlag(row.is_admin),
    claims: fromJson<Record<string, unknown>>(row.claims),
    createdAt: num(row.created_at),
  };
}

export function codeToRow(code: AuthorizationCodeRecord): AuthorizationCodesTable {
  return {
    tenant_id: code.tenantId,
    server_id: code.serverId,
    id: code.id,
    client_id: code.clientId,
    redirect_uri: code.redirectUri,
    subject: code.subject,
    username: code.username,
    scopes: toJson(code.scopes),
    nonce: code.nonce,
    code_challenge: code.codeChallenge,
    code_challenge_method: code.codeChallengeMethod,
    dpop_jkt: code.dpopJkt ?? null,
    auth_time: code.authTime,
    issued_at: code.issuedAt,
    expires_at: code.expiresAt,
    redeemed_at: code.redeemedAt,
  };
}

export function codeFromRow(row: Selectable<AuthorizationCodesTable>): AuthorizationCodeRecord {
  return {
    tenantId: row.tenant_id,
    serverId: row.server_id,
    id: row.id,
    clientId: row.client_id,
    redirectUri: row.redirect_uri,
    subject: row.subject,
    username: row.username,
    scopes: fromJson<string[]>(row.scopes),
    nonce: row.nonce,
    codeChallenge: row.code_challenge,
    codeChallengeMethod: row.code_challenge_method,
    dpopJkt: row.dpop_jkt,
    authTime: num(row.auth_time),
    issuedAt: num(row.issued_at),
    expiresAt: num(row.expires_at),
    redeemedAt: num(row.redeemed_at),
  };
}

export function accessTokenToRow(token: AccessTokenRecord): AccessTokensTable {
  return {
    tenant_id: token.tenantId,
    server_id: token.serverId,
    id: token.id,
    format: token.format,
    client_id: token.clientId,
    subject: token.subject,
    username: token.username,
    scopes: toJson(token.scopes),
    audience: toJson(token.audience),
    issued_at: token.issuedAt,
    expires_at: token.expiresAt,
    confirmation: token.confirmation === null ? null : toJson(token.confirmation),
    grant_id: token.grantId,
    revoked: toFlag(token.revoked),
  };
}

export function accessTokenFromRow(row: Selectable<AccessTokensTable>): AccessTokenRecord {
  return {
    tenantId: row.tenant_id,
    serverId: row.server_id,
    id: row.id,
    format: requiredTokenFormat(row.format),
    clientId: row.client_id,
    subject: row.subject,
    username: row.username,
    scopes: fromJson<string[]>(row.scopes),
    audience: fromJson<string[]>(row.audience),
    issuedAt: num(row.issued_at),
    expiresAt: num(row.expires_at),
    confirmation: fromNullableJson<Confirmation>(row.confirmation),
    grantId: row.grant_id,
    revoked: fromFlag(row.revoked),
  };
}

export function refreshTokenToRow(token: RefreshTokenRecord): RefreshTokensTable {
  return {
    tenant_id: token.tenantId,
    server_id: token.serverId,
    id: token.id,
    family_id: token.familyId,
    client_id: token.clientId,
    subject: token.subject,
    username: token.username,
    scopes: toJson(token.scopes),
    issued_at: token.issuedAt,
    expires_at: token.expiresAt,
    auth_time: token.authTime,
    confirmation: token.confirmation === null ? null : toJson(token.confirmation),
    grant_id: token.grantId,
    used_at: token.usedAt,
    revoked: toFlag(token.revoked),
  };
}

export function refreshTokenFromRow(row: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    tenantId: row.tenant_id,
    serverId: row.server_id,
    id: row.id,
    familyId: row.family_id,
    clientId: row.client_id,
    subject: row.subject,
    username: row.username,
    scopes: fromJson<string[]>(row.scopes),
    issuedAt: num(row.issued_at),
    expiresAt: num(row.expires_at),
    authTime: num(row.auth_time),
    confirmation: fromNullableJson<Confirmation>(row.confirmation),
    grantId: row.grant_id,
    usedAt: num(row.used_at),
    revoked: fromFlag(row.revoked),
  };
}

export function signingKeyToRow(key: SigningKeyRecord): SigningKeysTable {
  return {
    tenant_id: key.tenantId,
    server_id: key.serverId,
    kid: key.kid,
    alg: key.alg,
    private_jwk: key.privateJwk,
    public_jwk: key.publicJwk,
    created_at: key.createdAt,
    rotated_at: key.rotatedAt,
  };
}

export function signingKeyFromRow(row: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    tenantId: row.tenant_id,
    serverId: row.server_id,
    kid: row.kid,
    alg: signingAlg(row.alg),
    privateJwk: row.private_jwk,
    publicJwk: row.public_jwk,
    createdAt: num(row.created_at),
    rotatedAt: num(row.rotated_at),
  };
}

export function consentToRow(consent: ConsentRecord): ConsentsTable {
  return {
    tenant_id: consent.tenantId,
    server_id: consent.serverId,
    subject: consent.subject,
    client_id: consent.clientId,
    scopes: toJson(consent.scopes),
    granted_at: consent.grantedAt,
  };
}

export function consentFromRow(row: Selectable<ConsentsTable>): ConsentRecord {
  return {
    tenantId: row.tenant_id,
    serverId: row.server_id,
    subject: row.subject,
    clientId: row.client_id,
    scopes: fromJson<string[]>(row.scopes),
    grantedAt: num(row.granted_at),
  };
}
