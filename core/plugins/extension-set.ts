/**
 * The running set of components: every enabled component built once, ordered by `order`, and one
 * grant handler chain per grant type — every enabled GrantHandler for that grant, lower order
 * outermost, each wrapping the next as `next`, ending at the core's built-in handler.
 */
import { COMPONENT_KINDS, type CertificateValidator, type ComponentKind, type ComponentKinds, type GrantHandler } from '../api/extension-points.ts';
import type { Logger } from '../api/plugin-context.ts';
import type { LoadedPlugins } from './plugin-loader.ts';

export interface Named<T> {
  readonly name: string;
  readonly order: number;
  readonly instance: T;
}

/** One grant's chain: the outermost handler, and the names of its members outermost first. */
export interface GrantChain {
  readonly handler: GrantHandler;
  /** Component names, outermost first; the last is the core's handler when the grant has one. */
  readonly members: readonly string[];
}

/** Every kind except GrantHandler is a list ordered by `order`; a new kind needs no change here. */
export type ExtensionLists = { readonly [K in Exclude<ComponentKind, 'GrantHandler'>]: Named<ComponentKinds[K]>[] };

export interface ExtensionSet {
  /** Every non-grant kind, enabled components only, lower order first. */
  readonly byKind: ExtensionLists;
  /** By grant type; a grant switched off by `enable = false` is absent. */
  readonly grantChains: Map<string, GrantChain>;
  /** Shorthands of `byKind` for the kinds the core calls. */
  readonly clientAuthenticators: ExtensionLists['ClientAuthenticator'];
  readonly introspectionDataProviders: ExtensionLists['IntrospectionDataProvider'];
  readonly introspectionInterceptors: ExtensionLists['IntrospectionInterceptor'];
  readonly metadataContributors: ExtensionLists['MetadataContributor'];
  readonly resourceValidators: ExtensionLists['ProtectedResourceValidator'];
  readonly eventListeners: ExtensionLists['EventListener'];
  /** Sender constraints proved at the token endpoint (RFC 9449 DPoP), run before the grant chain. */
  readonly tokenBinders: ExtensionLists['TokenBinder'];
  /** Handed to the other components as `deps.certificateValidators` (the mTLS authenticator runs them). */
  readonly certificateValidators: ExtensionLists['CertificateValidator'];
}

export function buildExtensionSet(
  loaded: LoadedPlugins,
  grantTypes: Readonly<Record<string, { enable?: boolean }>>,
  logger: Logger,
): ExtensionSet {
  const { index, activation, factories } = loaded;
  const enabled = index.all().filter(({ decl }) => activation.settings.get(decl.name)?.enabled);

  const byKind = Object.fromEntries(COMPONENT_KINDS.filter((k) => k !== 'GrantHandler').map((k) => [k, []])) as unknown as Record<string, Named<unknown>[]>;
  const build = (kinds: (decl: { kind: string }) => boolean, certificateValidators: Named<CertificateValidator>[]) => {
    for (const { decl } of enabled) {
      if (decl.kind === 'GrantHandler' || !kinds(decl)) continue;
      const setting = activation.settings.get(decl.name)!;
      const instance = factories.get(decl.name)!({ properties: setting.properties, order: setting.order, logger, certificateValidators });
      byKind[decl.kind].push({ name: decl.name, order: setting.order, instance });
    }
  };
  // CertificateValidators first: the other components (the mTLS authenticator) are handed them.
  build((d) => d.kind === 'CertificateValidator', []);
  byKind.CertificateValidator.sort((a, b) => a.order - b.order);
  build((d) => d.kind !== 'CertificateValidator', byKind.CertificateValidator as Named<CertificateValidator>[]);
  // Stable: equal orders keep declaration order.
  for (const list of Object.values(byKind)) list.sort((a, b) => a.order - b.order);
  const lists = byKind as unknown as ExtensionLists;

  return {
    byKind: lists,
    grantChains: buildGrantChains(loaded, grantTypes, logger),
    clientAuthenticators: lists.ClientAuthenticator,
    introspectionDataProviders: lists.IntrospectionDataProvider,
    introspectionInterceptors: lists.IntrospectionInterceptor,
    metadataContributors: lists.MetadataContributor,
    resourceValidators: lists.ProtectedResourceValidator,
    eventListeners: lists.EventListener,
    tokenBinders: lists.TokenBinder,
    certificateValidators: lists.CertificateValidator,
  };
}

/** The chain members of each grant, outermost first, as names: what `tessera plugins` prints. */
export function grantChainNames(
  loaded: Pick<LoadedPlugins, 'index' | 'activation'>,
  grantTypes: Readonly<Record<string, { enable?: boolean }>>,
): Map<string, { name: string; order: number }[]> {
  const { index, activation } = loaded;
  const chains = new Map<string, { name: string; order: number }[]>();
  const grants = new Set(index.all().flatMap(({ decl }) => (decl.kind === 'GrantHandler' && decl.grantType ? [decl.grantType] : [])));
  for (const grantType of [...grants].sort()) {
    if (grantTypes[grantType]?.enable === false) continue;
    const handlers = index.all().filter(({ decl }) => decl.kind === 'GrantHandler' && decl.grantType === grantType);
    const wrappers = handlers
      .filter(({ bundle, decl }) => bundle !== 'core' && activation.settings.get(decl.name)?.enabled)
      .map(({ decl }) => ({ name: decl.name, order: activation.settings.get(decl.name)!.order }))
      .sort((a, b) => a.order - b.order);
    const builtin = handlers.find(({ bundle }) => bundle === 'core');
    const members = builtin ? [...wrappers, { name: builtin.decl.name, order: Number.POSITIVE_INFINITY }] : wrappers;
    if (members.length > 0) chains.set(grantType, members);
  }
  return chains;
}

function buildGrantChains(
  loaded: LoadedPlugins,
  grantTypes: Readonly<Record<string, { enable?: boolean }>>,
  logger: Logger,
): Map<string, GrantChain> {
  const { activation, factories } = loaded;
  const chains = new Map<string, GrantChain>();
  for (const [grantType, members] of grantChainNames(loaded, grantTypes)) {
    // Built from the inside out: each member gets the one after it as `next`.
    let next: GrantHandler | undefined;
    for (const member of [...members].reverse()) {
      const setting = activation.settings.get(member.name);
      next = factories.get(member.name)!({
        properties: setting?.properties ?? {},
        order: setting?.order ?? member.order,
        logger,
        next,
        grantType,
      }) as GrantHandler;
    }
    chains.set(grantType, { handler: next!, members: members.map((m) => m.name) });
  }
  return chains;
}
