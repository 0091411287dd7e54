/** The Hono environment of the admin API: the core's, plus who is calling. */
import type { TesseraEnv } from '../http/hono-env.ts';

/** An authenticated administrator: the super admin (Basic) or a client holding an `admin` token. */
export type AdminPrincipal =
  | { readonly kind: 'super_admin'; readonly username: string }
  | { readonly kind: 'client'; readonly clientId: string };

export interface AdminEnv {
  Bindings: TesseraEnv['Bindings'];
  Variables: TesseraEnv['Variables'] & { admin: AdminPrincipal };
}

export function principalName(principal: AdminPrincipal): string {
  return principal.kind === 'super_admin' ? principal.username : `client:${principal.clientId}`;
}
