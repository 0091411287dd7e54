/**
 * The tables as kysely sees them (snake_case, as created by `migrations/`). Column types are what
 * both drivers hand back: epoch seconds and 0/1 flags as numbers (PostgreSQL int8 is parsed to a
 * number in `postgres.ts`), arrays and objects as JSON text.
 */

/** 0 or 1; SQLite has no boolean type, so both dialects use integers. */
export type Flag = number;
/** JSON text. */
export type Json = string;

export interface TenantsTable {
  tenant_id: string;
  name: string;
  created_at: number;
}

export interface ServersTable {
  tenant_id: string;
  server_id: string;
  name: string;
  issuer: string | null;
  access_token_format: string | null;
  profile: string;
  created_at: number;
}

export interface ClientsTable {
  tenant_id: string;
  server_id: string;
  client_id: string;
  client_name: string | null;
  secret_hash: string | null;
  token_endpoint_auth_method: string | null;
  grant_types: Json;
  response_types: Json;
  redirect_uris: Json;
  scopes: Json;
  jwks: Json | null;
  jwks_uri: string | null;
  tls_client_auth_subject_dn: string | null;
  tls_client_auth_san_dns: string | null;
  tls_client_auth_san_uri: string | null;
  tls_client_auth_san_ip: string | null;
  tls_client_auth_san_email: string | null;
  tls_client_certificate_bound_access_tokens: Flag;
  dpop_bound_access_tokens: Flag;
  certificates: Json;
  access_token_format: string | null;
  token_endpoint_auth_signing_alg: string | null;
  require_pushed_authorization_requests: Flag;
  jwt_secret: string | null;
  created_at: number;
  updated_at: number;
}

export interface UsersTable {
  tenant_id: string;
  server_id: string;
  id: string;
  username: string;
  password_hash: string;
  is_admin: Flag;
  claims: Json;
  created_at: number;
}

export interface AuthorizationCodesTable {
  tenant_id: string;
  server_id: string;
  id: string;
  client_id: string;
  redirect_uri: string;
  subject: string;
  username: string;
  scopes: Json;
  nonce: string | null;
  code_challenge: string | null;
  code_challenge_method: string | null;
  dpop_jkt: string | null;
  auth_time: number;
  issued_at: number;
  expires_at: number;
  redeemed_at: number | null;
}

export interface AccessTokensTable {
  tenant_id: string;
  server_id: string;
  id: string;
  format: string;
  client_id: string;
  subject: string | null;
  username: string | null;
  scopes: Json;
  audience: Json;
  issued_at: number;
  expires_at: number;
  confirmation: Json | null;
  grant_id: string | null;
  revoked: Flag;
}

export interface RefreshTokensTable {
  tenant_id: string;
  server_id: string;
  id: string;
  family_id: string;
  client_id: string;
  subject: string | null;
  username: string | null;
  scopes: Json;
  issued_at: number;
  expires_at: number;
  auth_time: number | null;
  confirmation: Json | null;
  grant_id: string | null;
  used_at: number | null;
  revoked: Flag;
}

export interface SigningKeysTable {
  tenant_id: string;
  server_id: string;
  kid: string;
  alg: string;
  private_jwk: Json;
  public_jwk: Json;
  created_at: number;
  rotated_at: number | null;
}

export interface ConsentsTable {
  tenant_id: string;
  server_id: string;
  subject: string;
  client_id: string;
  scopes: Json;
  granted_at: number;
}

export interface KvTable {
  key: string;
  value: string;
  expires_at: number;
}

export interface Database {
  tenants: TenantsTable;
  servers: ServersTable;
  clients: ClientsTable;
  users: UsersTable;
  authorization_codes: AuthorizationCodesTable;
  access_tokens: AccessTokensTable;
  refresh_tokens: RefreshTokensTable;
  signing_keys: SigningKeysTable;
  consents: ConsentsTable;
  kv: KvTable;
}

/** The tables that belong to one authorization server, in the order `servers.delete` empties them. */
export const SERVER_SCOPED_TABLES = [
  'clients',
  'users',
  'authorization_codes',
  'access_tokens',
  'refresh_tokens',
  'signing_keys',
  'consents',
] as const satisfies readonly (keyof Database)[];
