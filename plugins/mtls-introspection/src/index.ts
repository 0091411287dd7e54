/**
 * Bundle entry of `mtls-introspection` (RFC 8705 §3.2). Switched on by the two `[[event_listener]]`
 * entries of the WSO2 guide (type AbstractIdentityHandler, order 27 and 28), pasted unchanged: their
 * `org.wso2...` names are aliases of the components below.
 */
import type { PluginContext } from '../../../core/api/index.ts';
import { CertificateBindingDataProvider } from './certificate-binding-data-provider.ts';
import { COMPONENTS } from './component-names.ts';
import { IntrospectionResponseInterceptor } from './introspection-response-interceptor.ts';
import { legacyMemberEnabled } from './settings.ts';

export function activate(ctx: PluginContext): void {
  ctx.provide('IntrospectionDataProvider', COMPONENTS.dataProvider, () => new CertificateBindingDataProvider());
  ctx.provide('IntrospectionInterceptor', COMPONENTS.interceptor, (deps) => {
    const legacyMember = legacyMemberEnabled(ctx.config, deps.properties);
    deps.logger.debug({ component: COMPONENTS.interceptor, legacyMember }, 'mtls-introspection interceptor built');
    return new IntrospectionResponseInterceptor({ legacyMember });
  });
}
