/** Users (resource owners who log in at the authorize endpoint) as the admin API takes and returns them. */
import { z } from '@hono/zod-openapi';
import { serverIdSchema } from './identifiers.ts';

/** Claims the server sets itself; a user record may not carry them. */
const RESERVED_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti', 'azp', 'nonce', 'auth_time', 'at_hash', 'c_hash', 'cnf', 'scope', 'client_id']);

const passwordSchema = z.string().min(1).max(1024).openapi({ description: 'Stored as a scrypt hash; never returned.', example: 'user' });

export const userCreateSchema = z
  .strictObject({
    username: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[^\x00-\x1f\x7f]+$/, 'must not contain control characters')
      .openapi({ example: 'user' }),
    password: passwordSchema,
    authorization_server_id: serverIdSchema.optional().openapi({ description: 'Default "default".' }),
    claims: z
      .record(z.string(), z.unknown())
      .superRefine((claims, ctx) => {
        for (const name of Object.keys(claims)) {
          if (RESERVED_CLAIMS.has(name)) ctx.addIssue({ code: 'custom', path: [name], message: 'is set by the server and cannot be stored on a user' });
        }
      })
      .optional()
      .openapi({ description: 'Extra claims (e.g. email, name).', example: { email: 'user@example.com' } }),
  })
  .openapi('UserCreate', { description: 'Usernames are unique per authorization server.' });

export const userPatchSchema = z
  .strictObject({ password: passwordSchema })
  .openapi('UserPatch', { description: 'A new password. (Claims are set at creation.)' });

export const userSchema = z
  .object({
    id: z.string(),
    username: z.string(),
    authorization_server_id: z.string(),
    claims: z.record(z.string(), z.unknown()),
    is_admin: z.boolean().openapi({ description: 'The super admin from [super_admin].' }),
    created_at: z.int(),
  })
  .openapi('User');

export const userListSchema = z.object({ users: z.array(userSchema) }).openapi('UserList');
