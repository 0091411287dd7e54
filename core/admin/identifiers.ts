/**
 * The syntax of the identifiers the admin API accepts in paths and bodies. Tenant and server ids end
 * up in URLs (`/{tid}/{aid}/oauth2/...`), so they are the same characters the server directory
 * resolves; a few tenant ids would shadow the server's own routes and are reserved.
 */
import { z } from '@hono/zod-openapi';

/** What `ServerDirectory` resolves: anything else could never be reached. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** `/api/...` and `/oauth2/...` belong to the server itself. */
export const RESERVED_TENANT_IDS: ReadonlySet<string> = new Set(['api', 'oauth2']);

/**
 * RFC 6749 allows any VSCHAR in a client_id; Tessera keeps to characters that survive a URL path and
 * an unencoded `curl -u id:secret` (no `:`, `+`, `%`, `/` or spaces).
 */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9._~@-]{1,128}$/;

/** RFC 6749 §3.3 scope-token. */
export const SCOPE_TOKEN_PATTERN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export const tenantIdSchema = z
  .string()
  .regex(ID_PATTERN, 'must be 1 to 64 letters, digits, "_" or "-"')
  .refine((v) => !RESERVED_TENANT_IDS.has(v), 'is reserved')
  .openapi({ description: 'Tenant id.', example: 'default' });

export const serverIdSchema = z
  .string()
  .regex(ID_PATTERN, 'must be 1 to 64 letters, digits, "_" or "-"')
  .openapi({ description: 'Authorization server id, unique within its tenant.', example: 'default' });

export const clientIdSchema = z
  .string()
  .regex(CLIENT_ID_PATTERN, 'must be 1 to 128 letters, digits or "._~@-"')
  .openapi({ example: 'client-mtls' });

export const scopeTokenSchema = z.string().regex(SCOPE_TOKEN_PATTERN, 'must be a scope token (RFC 6749 §3.3: no spaces, quotes or backslashes)');
