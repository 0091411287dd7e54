/** Authorization servers as the admin API takes and returns them. */
import { z } from '@hono/zod-openapi';
import { serverIdSchema } from './identifiers.ts';
import { issuerProblem } from './uri-rules.ts';

const issuerSchema = z
  .string()
  .max(2048)
  .superRefine((value, ctx) => {
    const problem = issuerProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .nullable()
  .optional()
  .openapi({
    description: 'Issuer identifier (https, no query or fragment). Absent or null: derived from the listener, https://host:port/{tid}/{id}.',
    example: 'https://id.example.com/acme/payments',
  });

const nameSchema = z.string().min(1).max(200).openapi({ example: 'Payments' });
const formatSchema = z
  .enum(['opaque', 'jwt'])
  .nullable()
  .optional()
  .openapi({ description: 'Access token format of this server; null: [oauth] access_token_format.' });

const profileSchema = z
  .enum(['none', 'fapi2-security'])
  .nullable()
  .optional()
  .openapi({
    description:
      'Security profile the server enforces. "fapi2-security": FAPI 2.0 Security Profile §5.3 (PAR required, PKCE S256, ' +
      'tls_client_auth / self_signed_tls_client_auth / private_key_jwt clients only, sender-constrained tokens, codes of at most 60 s, ' +
      'PS256 / ES256 / EdDSA). Absent or null: "none".',
    example: 'fapi2-security',
  });

/** Read-only members of the representation, accepted (and ignored) so a GET can be PUT back. */
const readOnly = {
  tenant_id: z.string().optional().openapi({ readOnly: true }),
  created_at: z.int().optional().openapi({ readOnly: true }),
  effective_issuer: z.string().optional().openapi({ readOnly: true }),
  discovery_url: z.string().optional().openapi({ readOnly: true }),
};

export const serverCreateSchema = z
  .strictObject({
    id: serverIdSchema,
    name: nameSchema.optional().openapi({ description: 'Default: the id.' }),
    issuer: issuerSchema,
    access_token_format: formatSchema,
    profile: profileSchema,
  })
  .openapi('AuthorizationServerCreate', { example: { id: 'payments', name: 'Payments', access_token_format: 'jwt' } });

const updateFields = {
  id: serverIdSchema.optional().openapi({ description: 'If sent, must be the id in the path.' }),
  name: nameSchema.optional(),
  issuer: issuerSchema,
  access_token_format: formatSchema,
  profile: profileSchema,
  ...readOnly,
};

export const serverUpdateSchema = z
  .strictObject(updateFields)
  .openapi('AuthorizationServerUpdate', { description: 'Full update: absent fields take their defaults (name: the id; issuer and format: derived; profile: none).' });

export const serverPatchSchema = z.strictObject(updateFields).openapi('AuthorizationServerPatch', { description: 'Fields to change; null resets.' });

export type ServerUpdateInput = z.infer<typeof serverUpdateSchema>;

export const serverSchema = z
  .object({
    id: z.string(),
    tenant_id: z.string(),
    name: z.string(),
    issuer: z.string().nullable().openapi({ description: 'As configured; null: derived.' }),
    access_token_format: z.enum(['opaque', 'jwt']).nullable(),
    profile: z.enum(['none', 'fapi2-security']),
    created_at: z.int(),
    effective_issuer: z.string(),
    discovery_url: z.string(),
  })
  .openapi('AuthorizationServer');

export type ServerRepresentation = z.infer<typeof serverSchema>;

export const serverListSchema = z.object({ servers: z.array(serverSchema) }).openapi('AuthorizationServerList');

export const rotatedKeysSchema = z
  .object({ kids: z.array(z.string()).openapi({ description: 'The new current signing keys; the old ones stay published for verification.' }) })
  .openapi('RotatedKeys');

export const keyListSchema = z
  .object({
    keys: z.array(
      z.object({
        kid: z.string(),
        alg: z.enum(['ES256', 'RS256']),
        created_at: z.int().openapi({ description: 'Seconds since the epoch.' }),
        rotated_at: z.int().nullable().openapi({ description: 'When it was rotated out; null while current.' }),
        current: z.boolean().openapi({ description: 'Signs new tokens (one per algorithm).' }),
        published: z.boolean().openapi({ description: 'In the JWKS: current, or rotated out less than 7 days ago.' }),
      }),
    ),
  })
  .openapi('SigningKeyList', { description: 'Newest first. Key material is never returned.' });
