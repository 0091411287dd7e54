/**
 * The OpenAPI 3.1 document of the admin API, generated from the zod schemas the handlers validate
 * with. Security: the super admin's Basic credentials, or OAuth 2.0 client credentials at the default
 * server's token endpoint (Swagger UI's Authorize dialog takes client_id / client_secret, as in the
 * Cloudentity guide's `admin-swagger` client). `?tid=` presets the tenant path parameter.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { AdminEnv } from './admin-env.ts';
import { ADMIN_SCOPE } from './admin-auth.ts';

type Document = ReturnType<OpenAPIHono<AdminEnv>['getOpenAPI31Document']>;

const VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export class OpenApiDocuments {
  private base: Document | null = null;

  constructor(private readonly api: OpenAPIHono<AdminEnv>) {}

  /** The document with `tokenUrl` in its OAuth 2.0 flow, and `tid` preset when given (Swagger UI of one tenant). */
  get(tokenUrl: string, tid?: string): Document {
    // Generated once (the routes are fixed); the token URL and the tenant are laid over a copy.
    this.base ??= this.generate();
    const doc = tid ? structuredClone(this.base) : { ...this.base };
    doc.components = { ...doc.components, securitySchemes: securitySchemes(tokenUrl) };
    if (!tid) return doc;
    for (const item of Object.values(doc.paths ?? {})) {
      for (const method of METHODS) {
        for (const param of item?.[method]?.parameters ?? []) {
          if ('name' in param && param.name === 'tid' && param.in === 'path' && param.schema && !('$ref' in param.schema)) {
            param.schema.default = tid;
            param.schema.example = tid;
            param.example = tid;
          }
        }
      }
    }
    return doc;
  }

  private generate(): Document {
    return this.api.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Tessera admin API',
        version: VERSION,
        description:
          'Tenants, authorization servers and their signing keys, clients (RFC 7591 metadata with the RFC 8705 mutual-TLS fields), users and recent audit events. ' +
          'Authenticate as the super admin (Basic), or with an access token from the default server\'s client_credentials grant ' +
          `issued to a client registered with scopes ["${ADMIN_SCOPE}"]. A client certificate never grants admin rights.`,
      },
      servers: [{ url: '/', description: 'This server' }],
      security: [{ basicAuth: [] }, { oauth2: [ADMIN_SCOPE] }],
      tags: [
        { name: 'Clients', description: 'OAuth clients of a tenant\'s authorization servers.' },
        { name: 'Authorization servers', description: 'Servers of a tenant: /{tid}/{aid}/oauth2/...' },
        { name: 'Users', description: 'Users who log in at a server\'s authorize endpoint.' },
        { name: 'Audit', description: 'Recent audit events (admin changes, sign-ins, client authentication, tokens).' },
      ],
    });
  }
}

function securitySchemes(tokenUrl: string) {
  return {
    basicAuth: { type: 'http' as const, scheme: 'basic', description: 'The super admin ([super_admin] in deployment.toml).' },
    oauth2: {
      type: 'oauth2' as const,
      description: `Client credentials (client_id, client_secret) of a client of the default server registered with scopes ["${ADMIN_SCOPE}"].`,
      flows: { clientCredentials: { tokenUrl, scopes: { [ADMIN_SCOPE]: 'Administer tenants, servers, clients and users.' } } },
    },
  };
}
