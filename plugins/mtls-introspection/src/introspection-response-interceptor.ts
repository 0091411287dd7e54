/**
 * Rewrites the RFC 7662 response of a certificate-bound token — counterpart of WSO2's
 * IntrospectionResponseInterceptor:
 *
 * - Scopes that are certificate thumbprints are removed: the token's own `x5t#S256` value, and WSO2's
 *   hidden binding scope `x5t#<ALG>:<thumbprint>` (tokens or clients migrated from WSO2 carry it).
 *   Tessera never puts a thumbprint in a scope itself; the binding is `cnf`.
 * - With `[oauth.mutualtls] introspection_legacy_member = true`, or `legacy_member = true` in the
 *   component's `[[event_listener]]` properties, `cnf` also gets WSO2's non-standard `x5t#SHA256`
 *   member (same value) next to `x5t#S256`, for resource servers written against WSO2.
 *
 * An inactive response is returned as it is.
 */
import type { IntrospectionContext, IntrospectionInterceptor } from '../../../core/api/index.ts';
import { WSO2_X5T_SHA256, X5T_S256 } from './component-names.ts';

/** WSO2's hidden scope: `x5t#SHA256:<base64url thumbprint>`. */
const WSO2_THUMBPRINT_SCOPE = /^x5t(#[A-Za-z0-9]+)?:[A-Za-z0-9_-]+=*$/;

export interface InterceptorSettings {
  readonly legacyMember: boolean;
}

export class IntrospectionResponseInterceptor implements IntrospectionInterceptor {
  constructor(private readonly settings: InterceptorSettings) {}

  intercept(response: Record<string, unknown>, ctx: IntrospectionContext): Record<string, unknown> {
    if (response.active !== true) return response;
    const rewritten = { ...response };
    const thumbprints = new Set<string>();
    const fromToken = ctx.token?.confirmation?.[X5T_S256];
    if (typeof fromToken === 'string') thumbprints.add(fromToken);
    const cnf = isObject(response.cnf) ? response.cnf : null;
    if (cnf && typeof cnf[X5T_S256] === 'string') thumbprints.add(cnf[X5T_S256]);

    if (typeof response.scope === 'string') {
      rewritten.scope = response.scope
        .split(' ')
        .filter((s) => s !== '' && !thumbprints.has(s) && !WSO2_THUMBPRINT_SCOPE.test(s))
        .join(' ');
    }
    if (this.settings.legacyMember && cnf && typeof cnf[X5T_S256] === 'string') {
      rewritten.cnf = { ...cnf, [WSO2_X5T_SHA256]: cnf[X5T_S256] };
    }
    return rewritten;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
