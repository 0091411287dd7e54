/**
 * Client metadata as the admin API takes and returns it: RFC 7591 field names, the RFC 8705 fields,
 * `certificate` (the WSO2 "application certificate", PEM) and Cloudentity's `scopes` array. These
 * zod schemas are the one source of truth: the handlers validate with them and the OpenAPI document
 * is generated from them.
 *
 * Every rule that needs no server state lives here, including the cross-field ones; only the
 * per-deployment certificate limit is checked by the handler. Unknown fields are refused.
 *
 * `token_endpoint_auth_method` absent or null is deliberate (not RFC 7591's client_secret_basic
 * default): it is the WSO2 flow, where the client authenticates with its secret or with a
 * certificate matching the registered one, whichever it presents.
 */
import { isIP } from 'node:net';
import { z } from '@hono/zod-openapi';
import { BUILT_IN_GRANTS } from '../config/schema.ts';
import { MIN_CLIENT_SECRET_LENGTH } from '../crypto/secret-hash.ts';
import { parseDn } from '../x509/distinguished-name.ts';
import { jwksProblem, parseCertificateInput } from './certificate-input.ts';
import { clientIdSchema, SCOPE_TOKEN_PATTERN, scopeTokenSchema, serverIdSchema } from './identifiers.ts';
import { jwksUriProblem, redirectUriProblem } from './uri-rules.ts';

export const TOKEN_ENDPOINT_AUTH_METHODS = [
  'client_secret_basic',
  'client_secret_post',
  'none',
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'private_key_jwt',
  'client_secret_jwt',
] as const;
export type TokenEndpointAuthMethod = (typeof TOKEN_ENDPOINT_AUTH_METHODS)[number];

/** JWS algorithms a client assertion may name (RFC 7518 §3.1); `none` is never one of them. */
export const ASSERTION_SIGNING_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512'] as const;

/** RFC 7518 §3.2: an HS256 key is at least 256 bits; a client_secret_jwt secret is that key. */
export const MIN_JWT_SECRET_LENGTH = 32;

/** RFC 8705 §2.1.2: a tls_client_auth client registers exactly one of these. */
export const SUBJECT_FIELDS = [
  'tls_client_auth_subject_dn',
  'tls_client_auth_san_dns',
  'tls_client_auth_san_uri',
  'tls_client_auth_san_ip',
  'tls_client_auth_san_email',
] as const;
export type SubjectField = (typeof SUBJECT_FIELDS)[number];

/** Only the authorization code flow redirects; the server answers `response_type=code` only. */
export const RESPONSE_TYPES = ['code'] as const;

/** Methods whose clients hold a secret; null is the WSO2 flow (secret or certificate). */
export function usesSecret(method: TokenEndpointAuthMethod | null): boolean {
  return method === null || method === 'client_secret_basic' || method === 'client_secret_post' || method === 'client_secret_jwt';
}

type Check = (value: string) => string | null;

/**
 * A string field checked by `check`; the message becomes `field: message`. `optionalEmpty`: "" means
 * not set (the guide's JSON has blank values) and is not checked.
 */
const checkedString = (max: number, check: Check, optionalEmpty = true) =>
  z
    .string()
    .max(max)
    .superRefine((value, ctx) => {
      const problem = value === '' && optionalEmpty ? null : check(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

const dnProblem: Check = (value) => {
  try {
    if (parseDn(value).length === 0) return 'must be a non-empty RFC 4514 distinguished name';
    return null;
  } catch (err) {
    return `is not an RFC 4514 distinguished name (${(err as Error).message})`;
  }
};

const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const dnsNameProblem: Check = (value) => {
  const labels = value.replace(/\.$/, '').split('.');
  const ok = value.length <= 253 && labels.every((label, i) => (i === 0 && label === '*') || DNS_LABEL.test(label));
  return ok ? null : 'must be a DNS name (e.g. client.example.com)';
};
const uriProblem: Check = (value) => (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) && URL.canParse(value) ? null : 'must be an absolute URI');
const ipProblem: Check = (value) => (isIP(value) !== 0 ? null : 'must be an IPv4 or IPv6 address');
const emailProblem: Check = (value) => (/^[^@\s]+@[^@\s]+$/.test(value) ? null : 'must be an email address (rfc822Name)');

const scopeStringProblem: Check = (value) =>
  value.split(' ').filter(Boolean).every((s) => SCOPE_TOKEN_PATTERN.test(s)) ? null : 'must be space-separated scope tokens (RFC 6749 §3.3)';

const pemText = z.string().max(65_536);

const jwkSchema = z
  .looseObject({ kty: z.string().min(1) })
  .openapi({ description: 'A public JWK (RFC 7517); `x5c` certificates must parse as X.509.' });

export const jwksSchema = z
  .looseObject({ keys: z.array(jwkSchema).min(1).max(100) })
  .superRefine((jwks, ctx) => {
    const problem = jwksProblem(jwks);
    if (problem) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
  })
  .openapi({ description: 'JWK Set (RFC 7517) with public keys only; not with `jwks_uri`.' });

export const certificateFieldSchema = z
  .union([pemText, z.array(pemText).max(100)])
  .superRefine((value, ctx) => {
    const parsed = parseCertificateInput(value);
    if ('problem' in parsed) ctx.addIssue({ code: 'custom', path: parsed.index === undefined ? [] : [parsed.index], message: parsed.problem });
  })
  .openapi({
    description:
      'Registered client certificate(s), PEM: one string with one or more CERTIFICATE blocks, or an array of them. ' +
      'Used by self_signed_tls_client_auth and by the WSO2 flow (no token_endpoint_auth_method). Returned as an array.',
  });

const subjectField = (description: string, check: Check, example: string) =>
  checkedString(1024, check).nullable().optional().openapi({ description, example });

/** The fields a request may carry. All optional: defaults apply on create and PUT. */
const clientFields = {
  client_id: clientIdSchema.optional().openapi({ description: 'Generated when absent. Unique per authorization server.' }),
  client_secret: z
    .string()
    .min(MIN_CLIENT_SECRET_LENGTH, `must be at least ${MIN_CLIENT_SECRET_LENGTH} characters`)
    .max(512)
    .optional()
    .openapi({
      description:
        `At least ${MIN_CLIENT_SECRET_LENGTH} characters. Generated for secret-based clients when absent; returned once, ` +
        'in the response that set it, and never again.',
    }),
  client_name: z.string().max(256).nullable().optional().openapi({ example: 'My app' }),
  authorization_server_id: serverIdSchema.optional().openapi({ description: 'The server the client belongs to. Default "default".' }),
  grant_types: z
    .array(z.enum(BUILT_IN_GRANTS))
    .max(BUILT_IN_GRANTS.length)
    .optional()
    .openapi({ description: 'Default ["authorization_code"].', example: ['authorization_code'] }),
  response_types: z
    .array(z.enum(RESPONSE_TYPES))
    .max(1)
    .optional()
    .openapi({ description: 'Default ["code"] when grant_types has authorization_code, else [].', example: ['code'] }),
  redirect_uris: z
    .array(checkedString(2048, redirectUriProblem))
    .max(50)
    .optional()
    .openapi({
      description: 'Absolute, no fragment, https (http only for localhost and loopback addresses, RFC 8252 §7.3).',
      example: ['https://app.example.com/callback'],
    }),
  scopes: z.array(scopeTokenSchema).max(200).optional().openapi({ description: 'Allowed scopes (Cloudentity style).', example: ['openid'] }),
  scope: checkedString(8192, scopeStringProblem)
    .optional()
    .openapi({ description: 'Allowed scopes, space-separated (RFC 7591 style). If sent with `scopes`, both must agree.' }),
  token_endpoint_auth_method: z
    .enum(TOKEN_ENDPOINT_AUTH_METHODS)
    .nullable()
    .optional()
    .openapi({
      description:
        'Absent or null: the WSO2 flow (client secret, or a certificate matching the registered `certificate`). ' +
        'Tessera does not apply RFC 7591\'s client_secret_basic default.',
      example: 'tls_client_auth',
    }),
  jwks: jwksSchema.nullable().optional(),
  jwks_uri: checkedString(2048, jwksUriProblem).nullable().optional().openapi({ description: 'https URL of the client\'s JWK Set; not with `jwks`.' }),
  tls_client_auth_subject_dn: subjectField('RFC 8705: expected subject DN (RFC 4514).', dnProblem, 'CN=client,O=Example'),
  tls_client_auth_san_dns: subjectField('RFC 8705: expected dNSName SAN.', dnsNameProblem, 'client.example.com'),
  tls_client_auth_san_uri: subjectField('RFC 8705: expected uniformResourceIdentifier SAN.', uriProblem, 'https://client.example.com'),
  tls_client_auth_san_ip: subjectField('RFC 8705: expected iPAddress SAN (IPv4 or IPv6).', ipProblem, '192.0.2.10'),
  tls_client_auth_san_email: subjectField('RFC 8705: expected rfc822Name SAN.', emailProblem, 'client@example.com'),
  tls_client_certificate_bound_access_tokens: z
    .boolean()
    .optional()
    .openapi({ description: 'RFC 8705 §3: bind access tokens to the client certificate (cnf x5t#S256). Default false.' }),
  dpop_bound_access_tokens: z
    .boolean()
    .optional()
    .openapi({ description: 'RFC 9449 §5.2: every access token of this client is DPoP-bound (cnf jkt); a token request without a DPoP proof is refused. Default false.' }),
  certificate: certificateFieldSchema.nullable().optional(),
  token_endpoint_auth_signing_alg: z
    .enum(ASSERTION_SIGNING_ALGS)
    .nullable()
    .optional()
    .openapi({
      description:
        'OIDC Registration: the one JWS algorithm the client signs its assertions with (private_key_jwt: asymmetric; ' +
        'client_secret_jwt: HS*). Absent: any algorithm the server supports for the method.',
      example: 'PS256',
    }),
  require_pushed_authorization_requests: z
    .boolean()
    .optional()
    .openapi({ description: 'RFC 9126 §6: the client\'s authorization requests must come through the PAR endpoint. Default false.' }),
  access_token_format: z
    .enum(['opaque', 'jwt'])
    .nullable()
    .optional()
    .openapi({ description: 'Tessera extension: overrides the server\'s access token format for this client.' }),
  client_id_issued_at: z.int().optional().openapi({ readOnly: true, description: 'Read-only; ignored in requests.' }),
  client_secret_expires_at: z.int().optional().openapi({ readOnly: true, description: 'Read-only; ignored in requests.' }),
};

export type ClientMetadataInput = z.infer<z.ZodObject<typeof clientFields>>;

/** The value of a text field that counts as set ("" is treated as absent, as the guide's blanks are). */
export function present(value: string | null | undefined): value is string {
  return typeof value === 'string' && value !== '';
}

export function scopeList(input: Pick<ClientMetadataInput, 'scope' | 'scopes'>): string[] | null {
  if (input.scopes !== undefined) return [...new Set(input.scopes)];
  if (input.scope !== undefined) return [...new Set(input.scope.split(' ').filter(Boolean))];
  return null;
}

/** The rules that relate fields to each other (RFC 7591 §2, RFC 8705 §2). */
function crossFieldRules(input: ClientMetadataInput, ctx: z.RefinementCtx): void {
  const method = input.token_endpoint_auth_method ?? null;
  const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });

  if (input.jwks && present(input.jwks_uri)) issue('jwks_uri', 'jwks and jwks_uri cannot both be registered (RFC 7591 §2)');

  const subjects = SUBJECT_FIELDS.filter((f) => present(input[f]));
  if (method === 'tls_client_auth' && subjects.length !== 1) {
    issue(
      subjects[1] ?? 'tls_client_auth_subject_dn',
      `token_endpoint_auth_method tls_client_auth needs exactly one of ${SUBJECT_FIELDS.join(', ')} (RFC 8705 §2.1.2); ` +
        (subjects.length === 0 ? 'none is set' : `got ${subjects.join(' and ')}`),
    );
  } else if (method !== 'tls_client_auth' && method !== null && subjects.length > 0) {
    issue(subjects[0], `is only used with token_endpoint_auth_method tls_client_auth, not ${method}`);
  } else if (method === null && subjects.length > 1) {
    issue(subjects[1], `at most one of ${SUBJECT_FIELDS.join(', ')} may be set; got ${subjects.join(' and ')}`);
  }

  if (method === 'self_signed_tls_client_auth' && !hasCertificate(input) && !input.jwks && !present(input.jwks_uri)) {
    issue('token_endpoint_auth_method', 'self_signed_tls_client_auth needs certificate, jwks or jwks_uri (RFC 8705 §2.2)');
  }

  const grants = input.grant_types ?? ['authorization_code'];
  if (method === 'none' && grants.includes('client_credentials')) {
    issue('grant_types', 'client_credentials needs a confidential client; token_endpoint_auth_method none cannot use it (RFC 6749 §4.4)');
  }
  if (input.response_types?.includes('code') && !grants.includes('authorization_code')) {
    issue('response_types', 'response type code needs the authorization_code grant in grant_types (RFC 7591 §2.1)');
  }

  if (input.client_secret !== undefined && !usesSecret(method)) {
    issue('client_secret', `a ${method} client has no client secret`);
  }
  if (method === 'client_secret_jwt' && input.client_secret !== undefined && input.client_secret.length < MIN_JWT_SECRET_LENGTH) {
    issue('client_secret', `a client_secret_jwt secret is the HS256 key: at least ${MIN_JWT_SECRET_LENGTH} characters (RFC 7518 §3.2)`);
  }
  if (method === 'private_key_jwt' && !input.jwks && !present(input.jwks_uri)) {
    issue('token_endpoint_auth_method', 'private_key_jwt needs jwks or jwks_uri with the client\'s public keys (RFC 7523 §2.2, OIDC Core §9)');
  }
  const alg = input.token_endpoint_auth_signing_alg ?? null;
  if (alg !== null) {
    if (method !== 'private_key_jwt' && method !== 'client_secret_jwt') {
      issue('token_endpoint_auth_signing_alg', 'is only used with token_endpoint_auth_method private_key_jwt or client_secret_jwt');
    } else if (method === 'private_key_jwt' && alg.startsWith('HS')) {
      issue('token_endpoint_auth_signing_alg', `${alg} is a MAC: private_key_jwt signs with a private key (RS*, PS*, ES*, EdDSA)`);
    } else if (method === 'client_secret_jwt' && !alg.startsWith('HS')) {
      issue('token_endpoint_auth_signing_alg', `client_secret_jwt uses an HMAC (HS256, HS384, HS512), not ${alg}`);
    }
  }

  if (input.scope !== undefined && input.scopes !== undefined) {
    const a = new Set(input.scopes);
    const b = new Set(input.scope.split(' ').filter(Boolean));
    if (a.size !== b.size || [...a].some((s) => !b.has(s))) issue('scope', 'scope and scopes disagree; send one of them');
  }
}

function hasCertificate(input: ClientMetadataInput): boolean {
  const c = input.certificate;
  return c !== undefined && c !== null && (typeof c === 'string' ? c.trim() !== '' : c.length > 0);
}

/** POST and PUT bodies. */
export const clientMetadataSchema = z
  .strictObject(clientFields)
  .superRefine(crossFieldRules)
  .openapi('ClientMetadata', {
    description: 'RFC 7591 client metadata with the RFC 8705 fields. Unknown fields are refused.',
    example: {
      authorization_server_id: 'default',
      client_id: 'client-mtls',
      client_name: 'My app',
      grant_types: ['authorization_code'],
      redirect_uris: ['https://app.example.com/callback'],
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: 'CN=client-mtls,O=Example',
      tls_client_certificate_bound_access_tokens: true,
      response_types: ['code'],
      scopes: ['openid'],
    },
  });

/** PATCH bodies: the same fields, merged into the current metadata, which is then validated whole. */
export const clientMetadataPatchSchema = z
  .strictObject(clientFields)
  .openapi('ClientMetadataPatch', { description: 'Fields to change; null clears a field. The result is validated as a whole.' });

const nullableText = z.string().nullable();

/** What the API returns for a client: never the secret hash; the secret only where it was just set. */
export const clientSchema = z
  .object({
    client_id: z.string(),
    client_name: nullableText,
    authorization_server_id: z.string(),
    token_endpoint_auth_method: z.enum(TOKEN_ENDPOINT_AUTH_METHODS).nullable(),
    grant_types: z.array(z.string()),
    response_types: z.array(z.string()),
    redirect_uris: z.array(z.string()),
    scopes: z.array(z.string()),
    scope: z.string(),
    jwks: z.looseObject({ keys: z.array(z.record(z.string(), z.unknown())) }).nullable(),
    jwks_uri: nullableText,
    tls_client_auth_subject_dn: nullableText,
    tls_client_auth_san_dns: nullableText,
    tls_client_auth_san_uri: nullableText,
    tls_client_auth_san_ip: nullableText,
    tls_client_auth_san_email: nullableText,
    tls_client_certificate_bound_access_tokens: z.boolean(),
    dpop_bound_access_tokens: z.boolean(),
    certificate: z.array(z.string()).openapi({ description: 'Registered certificates, one PEM each.' }),
    access_token_format: z.enum(['opaque', 'jwt']).nullable(),
    token_endpoint_auth_signing_alg: z.string().nullable(),
    require_pushed_authorization_requests: z.boolean(),
    client_id_issued_at: z.int(),
    client_secret: z.string().optional().openapi({ description: 'Only in the response that created or changed it.' }),
    client_secret_expires_at: z.int().optional().openapi({ description: '0: never expires. Sent with client_secret.' }),
  })
  .openapi('Client');

export type ClientRepresentation = z.infer<typeof clientSchema>;

export const clientListSchema = z.object({ clients: z.array(clientSchema) }).openapi('ClientList');
