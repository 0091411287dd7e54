/** Pieces shared by the admin route definitions: path and query parameters, error responses. */
import { z } from '@hono/zod-openapi';
import { clientIdSchema, serverIdSchema, tenantIdSchema } from './identifiers.ts';

export const errorSchema = z
  .object({
    error: z.string().openapi({ example: 'invalid_client_metadata' }),
    error_description: z.string().openapi({ example: 'redirect_uris[0]: must not contain a fragment' }),
  })
  .openapi('Error');

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: errorSchema } } });

/** The failures every admin operation may answer with. */
export const commonErrors = {
  401: errorResponse('No or wrong admin credentials (Basic super admin, or a Bearer token with the admin scope).'),
  403: errorResponse('The token lacks the admin scope.'),
  404: errorResponse('Unknown tenant, server or record.'),
} as const;

export const badRequest = (description = 'Invalid request; error_description names the field.') => ({ 400: errorResponse(description) });
export const conflict = (description: string) => ({ 409: errorResponse(description) });

export const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

export const jsonBody = <T extends z.ZodType>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

export const tenantParams = z.object({
  tid: tenantIdSchema.openapi({ param: { name: 'tid', in: 'path' } }),
});

export const clientParams = tenantParams.extend({
  client_id: clientIdSchema.openapi({ param: { name: 'client_id', in: 'path' } }),
});

export const serverParams = tenantParams.extend({
  aid: serverIdSchema.openapi({ param: { name: 'aid', in: 'path' } }),
});

export const userParams = tenantParams.extend({
  user_id: z
    .string()
    .min(1)
    .max(128)
    .openapi({ param: { name: 'user_id', in: 'path' }, description: 'User id, or username.' }),
});

export const serverQuery = z.object({
  authorization_server_id: serverIdSchema.optional().openapi({
    param: { name: 'authorization_server_id', in: 'query' },
    description: 'Selects the authorization server. Absent: the whole tenant (an id found on several servers must be disambiguated).',
  }),
});
