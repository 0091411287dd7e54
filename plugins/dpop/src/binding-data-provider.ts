/** RFC 9449 §6.2: the introspection response of an active DPoP-bound token carries `cnf: { jkt }`. */
import type { AccessTokenRecord, IntrospectionContext, IntrospectionDataProvider } from '../../../core/api/index.ts';
import { JKT } from './component-names.ts';

export class DPoPBindingDataProvider implements IntrospectionDataProvider {
  provide(ctx: IntrospectionContext & { token: AccessTokenRecord }): Record<string, unknown> {
    const jkt = ctx.token.confirmation?.[JKT];
    return typeof jkt === 'string' ? { cnf: { [JKT]: jkt } } : {};
  }
}
