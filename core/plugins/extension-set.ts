/**
 * The running set of components: every enabled component built once, ordered by `order`, and the
 * grant handler chain per grant type (an override wraps the default it replaces as `next`).
 */
import type {
  CertificateValidator,
  ClientAuthenticator,
  ComponentKind,
  ComponentKinds,
  EventListener,
  GrantHandler,
  IntrospectionDataProvider,
  IntrospectionInterceptor,
  MetadataContributor,
  ProtectedResourceValidator,
  TokenBinder,
} from '../api/extension-points.ts';
import type { Logger } from '../api/plugin-context.ts';
import type { LoadedPlugins } from './plugin-loader.ts';

export interface Named<T> {
  readonly name: string;
  readonly order: number;
  readonly instance: T;
}

export interface ExtensionSet {
  clientAuthenticators: Named<ClientAuthenticator>[];
  /** By grant type; a grant switched off by `enable = false` is absent. */
  grantHandlers: Map<string, GrantHandler>;
  introspectionDataProviders: Named<IntrospectionDataProvider>[];
  introspectionInterceptors: Named<IntrospectionInterceptor>[];
  metadataContributors: Named<MetadataContributor>[];
  resourceValidators: Named<ProtectedResourceValidator>[];
  /** Sender constraints proved at the token endpoint (RFC 9449 DPoP), run before the grant chain. */
  tokenBinders: Named<TokenBinder>[];
  eventListeners: Named<EventListener>[];
  /** Handed to the other components as `deps.certificateValidators` (the mTLS authenticator runs them). */
  certificateValidators: Named<CertificateValidator>[];
}

export function buildExtensionSet(
  loaded: LoadedPlugins,
  grantTypes: Readonly<Record<string, { enable?: boolean }>>,
  logger: Logger,
): ExtensionSet {
  const { index, activation, factories } = loaded;

  let certificateValidators: Named<CertificateValidator>[] = [];
  const build = <K extends ComponentKind>(kind: K): Named<ComponentKinds[K]>[] =>
    index
      .all()
      .filter(({ decl }) => decl.kind === kind && kind !== 'GrantHandler' && activation.settings.get(decl.name)?.enabled)
      .map(({ decl }) => {
        const setting = activation.settings.get(decl.name)!;
        const factory = factories.get(decl.name)!;
        const instance = factory({ properties: setting.properties, order: setting.order, logger, certificateValidators }) as ComponentKinds[K];
        return { name: decl.name, order: setting.order, instance };
      })
      // Stable: equal orders keep declaration order.
      .sort((a, b) => a.order - b.order);

  // First: other components (the mTLS authenticator) are handed these.
  certificateValidators = build('CertificateValidator');

  // Default handlers are the core's GrantHandler components that no manifest aliases over.
  const grantHandlers = new Map<string, GrantHandler>();
  for (const { decl, bundle } of index.all()) {
    if (decl.kind !== 'GrantHandler' || bundle !== 'core' || !decl.grantType) continue;
    if (grantTypes[decl.grantType]?.enable === false) continue;
    const factory = factories.get(decl.name)!;
    grantHandlers.set(decl.grantType, factory({ properties: {}, order: decl.order, logger, grantType: decl.grantType }) as GrantHandler);
  }
  for (const [grantType, name] of activation.grantOverrides) {
    if (grantTypes[grantType]?.enable === false) continue;
    const setting = activation.settings.get(name)!;
    const factory = factories.get(name);
    if (!factory || !setting.enabled) continue;
    const next = grantHandlers.get(grantType);
    grantHandlers.set(
      grantType,
      factory({ properties: setting.properties, order: setting.order, logger, next, grantType }) as GrantHandler,
    );
  }

  return {
    clientAuthenticators: build('ClientAuthenticator'),
    grantHandlers,
    introspectionDataProviders: build('IntrospectionDataProvider'),
    introspectionInterceptors: build('IntrospectionInterceptor'),
    metadataContributors: build('MetadataContributor'),
    resourceValidators: build('ProtectedResourceValidator'),
    tokenBinders: build('TokenBinder'),
    eventListeners: build('EventListener'),
    certificateValidators,
  };
}
