/**
 * Between the API's client metadata and the stored `Client`: defaults, normalisation (certificates to
 * one PEM each, "" to null, `scope`/`scopes` to one list), the secret (generated, kept or hashed), and
 * back to the representation the API returns.
 */
import type { Client, ServerRef } from '../api/model.ts';
import { randomToken } from '../crypto/random-token.ts';
import { hashClientSecret } from '../crypto/secret-hash.ts';
import { InvalidClientMetadata } from '../errors/oauth-errors.ts';
import { certificateCount, parseCertificateInput } from './certificate-input.ts';
import {
  present,
  scopeList,
  usesSecret,
  type ClientMetadataInput,
  type ClientRepresentation,
  type TokenEndpointAuthMethod,
} from './client-schema.ts';

/** 256 bits, base64url: 43 characters. */
const GENERATED_SECRET_BYTES = 32;

export interface BuiltClient {
  client: Client;
  /** The plain secret, when this change set one (generated or supplied): returned in this response only. */
  issuedSecret: string | null;
}

function text(value: string | null | undefined): string | null {
  return present(value) ? value : null;
}

function certificatesOf(input: ClientMetadataInput): string[] {
  const value = input.certificate;
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return [];
  const parsed = parseCertificateInput(value);
  // The schema already refused what does not parse.
  if ('problem' in parsed) throw new InvalidClientMetadata(`certificate: ${parsed.problem}`);
  return parsed.pems;
}

/**
 * The stored client for validated metadata. `existing`: the client being replaced (PUT/PATCH), whose
 * id, creation time and secret carry over; a secret-based client without a secret gets one.
 */
export function buildClient(
  server: ServerRef,
  input: ClientMetadataInput,
  options: { existing: Client | null; maxCertificates: number; now: number },
): BuiltClient {
  const { existing, now } = options;
  const method: TokenEndpointAuthMethod | null = input.token_endpoint_auth_method ?? null;
  const grantTypes = [...new Set(input.grant_types ?? ['authorization_code'])];
  const certificates = certificatesOf(input);
  const jwks = input.jwks ? { keys: input.jwks.keys.map((k) => ({ ...k })) } : null;
  const count = certificateCount(certificates, jwks);
  if (count > options.maxCertificates) {
    throw new InvalidClientMetadata(
      `certificate: at most ${options.maxCertificates} certificates may be registered per client (limits.max_certificates_per_client); got ${count}`,
    );
  }

  let secretHash: string | null = null;
  let issuedSecret: string | null = null;
  if (usesSecret(method)) {
    if (input.client_secret !== undefined) {
      issuedSecret = input.client_secret;
      secretHash = hashClientSecret(input.client_secret);
    } else if (existing?.secretHash && (method !== 'client_secret_jwt' || existing.jwtSecret)) {
      // A client switched to client_secret_jwt has only a hash of its old secret, not the HMAC key: new secret.
      secretHash = existing.secretHash;
    } else {
      issuedSecret = randomToken(GENERATED_SECRET_BYTES);
      secretHash = hashClientSecret(issuedSecret);
    }
  }

  const client: Client = {
    tenantId: server.tenantId,
    serverId: server.serverId,
    clientId: existing?.clientId ?? input.client_id ?? randomToken(16),
    clientName: text(input.client_name),
    secretHash,
    tokenEndpointAuthMethod: method,
    grantTypes,
    responseTypes: [...new Set(input.response_types ?? (grantTypes.includes('authorization_code') ? ['code'] : []))],
    redirectUris: [...new Set(input.redirect_uris ?? [])],
    scopes: scopeList(input) ?? [],
    jwks,
    jwksUri: text(input.jwks_uri),
    tlsClientAuthSubjectDn: text(input.tls_client_auth_subject_dn),
    tlsClientAuthSanDns: text(input.tls_client_auth_san_dns),
    tlsClientAuthSanUri: text(input.tls_client_auth_san_uri),
    tlsClientAuthSanIp: text(input.tls_client_auth_san_ip),
    tlsClientAuthSanEmail: text(input.tls_client_auth_san_email),
    tlsClientCertificateBoundAccessTokens: input.tls_client_certificate_bound_access_tokens ?? false,
    dpopBoundAccessTokens: input.dpop_bound_access_tokens ?? false,
    certificates,
    accessTokenFormat: input.access_token_format ?? null,
    tokenEndpointAuthSigningAlg: input.token_endpoint_auth_signing_alg ?? null,
    requirePushedAuthorizationRequests: input.require_pushed_authorization_requests ?? false,
    jwtSecret: method === 'client_secret_jwt' ? (issuedSecret ?? existing?.jwtSecret ?? null) : null,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  return { client, issuedSecret };
}

/** The API's view of a client; `issuedSecret` only in the response of the change that set it. */
export function clientRepresentation(client: Client, issuedSecret: string | null = null): ClientRepresentation {
  return {
    client_id: client.clientId,
    client_name: client.clientName,
    authorization_server_id: client.serverId,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod as TokenEndpointAuthMethod | null,
    grant_types: client.grantTypes,
    response_types: client.responseTypes,
    redirect_uris: client.redirectUris,
    scopes: client.scopes,
    scope: client.scopes.join(' '),
    jwks: client.jwks,
    jwks_uri: client.jwksUri,
    tls_client_auth_subject_dn: client.tlsClientAuthSubjectDn,
    tls_client_auth_san_dns: client.tlsClientAuthSanDns,
    tls_client_auth_san_uri: client.tlsClientAuthSanUri,
    tls_client_auth_san_ip: client.tlsClientAuthSanIp,
    tls_client_auth_san_email: client.tlsClientAuthSanEmail,
    tls_client_certificate_bound_access_tokens: client.tlsClientCertificateBoundAccessTokens,
    dpop_bound_access_tokens: client.dpopBoundAccessTokens,
    certificate: client.certificates,
    access_token_format: client.accessTokenFormat,
    token_endpoint_auth_signing_alg: client.tokenEndpointAuthSigningAlg ?? null,
    require_pushed_authorization_requests: client.requirePushedAuthorizationRequests ?? false,
    client_id_issued_at: client.createdAt,
    ...(issuedSecret !== null ? { client_secret: issuedSecret, client_secret_expires_at: 0 } : {}),
  };
}

/**
 * PATCH: the current metadata with the patch laid over it. Fields that exclude each other follow the
 * patch: sending `scopes` replaces `scope` too, sending `jwks` drops a registered `jwks_uri` (and
 * the reverse), unless the patch sends both.
 */
export function mergePatch(current: Client, patch: ClientMetadataInput): Record<string, unknown> {
  const base: Record<string, unknown> = { ...clientRepresentation(current) };
  delete base.client_id_issued_at;
  const drops: [string, string][] = [
    ['scopes', 'scope'],
    ['scope', 'scopes'],
    ['jwks', 'jwks_uri'],
    ['jwks_uri', 'jwks'],
  ];
  for (const [sent, other] of drops) {
    if (sent in patch && !(other in patch)) delete base[other];
  }
  return { ...base, ...patch };
}
