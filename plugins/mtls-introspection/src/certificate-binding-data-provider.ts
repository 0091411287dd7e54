/**
 * RFC 8705 §3.2: the introspection response of an active certificate-bound token carries
 * `cnf: { "x5t#S256": <thumbprint> }`. Unbound tokens get nothing; the core never calls a data
 * provider for an inactive token (its response is only `{"active": false}`).
 * Counterpart of WSO2's ISIntrospectionDataProvider, which reads the thumbprint back from a hidden
 * scope; Tessera stores the confirmation with the token.
 */
import type { AccessTokenRecord, IntrospectionContext, IntrospectionDataProvider } from '../../../core/api/index.ts';
import { X5T_S256 } from './component-names.ts';

export class CertificateBindingDataProvider implements IntrospectionDataProvider {
  provide(ctx: IntrospectionContext & { token: AccessTokenRecord }): Record<string, unknown> {
    const thumbprint = ctx.token.confirmation?.[X5T_S256];
    return typeof thumbprint === 'string' ? { cnf: { [X5T_S256]: thumbprint } } : {};
  }
}
