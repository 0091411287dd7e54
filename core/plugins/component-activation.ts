/**
 * Which components are on, in what order and with which properties — decided from deployment.toml
 * before any bundle code runs: `[[event_listener]]` entries (a later entry with the same type and
 * name overrides an earlier one), `[oauth.grant_type.<grant>] grant_handler`, and `enabledWith`.
 */
import { closestName } from '../config/closest-name.ts';
import { formatKeyPath, type KeySegment } from '../config/toml-locations.ts';
import type { ComponentDeclaration } from './manifest.ts';
import { PluginError } from './plugin-errors.ts';

export interface DeclaredComponent {
  readonly decl: ComponentDeclaration;
  /** `core` for the core's own components. */
  readonly bundle: string;
}

export interface ComponentSetting {
  enabled: boolean;
  order: number;
  properties: Record<string, unknown>;
  /** Where the decision came from, for `tessera plugins`. */
  source: string;
}

export interface EventListenerEntry {
  id?: string;
  type?: string;
  name: string;
  order?: number;
  enable?: boolean;
  properties?: Record<string, unknown>;
}

export interface GrantTypeEntry {
  grant_handler?: string;
  enable?: boolean;
}

export interface ActivationInput {
  eventListeners: readonly EventListenerEntry[];
  grantTypes: Readonly<Record<string, GrantTypeEntry>>;
  /**
   * `deployment.toml:12` for a key path (LoadedConfig.where): messages about an entry say where it
   * is written, as configuration errors do. Omitted or `''`: the key path alone.
   */
  where?: (path: readonly KeySegment[]) => string;
}

export interface Activation {
  /** By qualified component name. */
  settings: Map<string, ComponentSetting>;
  warnings: string[];
}

export class ComponentIndex {
  private readonly byName = new Map<string, DeclaredComponent>();

  constructor(components: readonly DeclaredComponent[]) {
    for (const component of components) {
      for (const name of [component.decl.name, ...component.decl.aliases]) {
        const taken = this.byName.get(name);
        if (taken) {
          throw new PluginError(
            'TESSERA_ERR_PLUGIN_DUPLICATE_NAME',
            `"${name}" is declared by bundle "${taken.bundle}" and by bundle "${component.bundle}"`,
            component.bundle,
          );
        }
        this.byName.set(name, component);
      }
    }
  }

  /** Resolves a qualified name or an alias. */
  find(name: string): DeclaredComponent | undefined {
    return this.byName.get(name);
  }

  /** Every qualified name and alias. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  all(): DeclaredComponent[] {
    return [...new Set(this.byName.values())];
  }
}

export function resolveActivation(
  index: ComponentIndex,
  input: ActivationInput,
  brokenBundles: readonly { bundle: string; error: string }[] = [],
): Activation {
  const settings = new Map<string, ComponentSetting>();
  const warnings: string[] = [];
  const unknown = (name: string) => {
    const broken = brokenBundles.map((b) => `${b.bundle} (${b.error})`).join('; ');
    const known = index.names();
    // A class name without its package (WSO2 habit) or a typo in the qualified one.
    const suggestion = known.find((k) => k.split('.').at(-1) === name) ?? closestName(name, known);
    return `no bundle in dropins/ provides "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}${broken ? `; bundles that failed to load: ${broken}` : ''}`;
  };
  // Same form as configuration errors: `deployment.toml:12: event_listener[0].name: ...` (array
  // indexes from 0, as in every configuration message).
  const at = (path: readonly KeySegment[]) => {
    const file = input.where?.(path) ?? '';
    return file ? `${file}: ${formatKeyPath(path)}` : formatKeyPath(path);
  };

  for (const component of index.all()) {
    if (component.decl.enabledByDefault) {
      settings.set(component.decl.name, { enabled: true, order: component.decl.order, properties: {}, source: 'default' });
    }
  }

  // A later entry with the same type and name overrides an earlier one.
  const entries = new Map<string, EventListenerEntry & { position: number }>();
  input.eventListeners.forEach((entry, position) => {
    const key = `${entry.type ?? ''}\u0000${entry.name}`;
    entries.delete(key);
    entries.set(key, { ...entry, position });
  });

  for (const entry of entries.values()) {
    const component = index.find(entry.name);
    const enabled = entry.enable ?? true;
    if (!component) {
      // Fail closed: an authenticator or binding handler the operator switched on must exist.
      const name = at(['event_listener', entry.position, 'name']);
      if (enabled) throw new PluginError('TESSERA_ERR_PLUGIN_UNKNOWN_COMPONENT', `${name}: ${unknown(entry.name)}`);
      warnings.push(`${name}: "${entry.name}" is disabled and no bundle provides it`);
      continue;
    }
    settings.set(component.decl.name, {
      enabled,
      order: entry.order ?? component.decl.order,
      properties: entry.properties ?? {},
      source: formatKeyPath(['event_listener', entry.position]),
    });
  }

  // `grant_handler` (the WSO2 form) is one more way to enable a member of that grant's chain.
  for (const [grantType, entry] of Object.entries(input.grantTypes)) {
    if (!entry.grant_handler) continue;
    const component = index.find(entry.grant_handler);
    const handlerKey = at(['oauth', 'grant_type', grantType, 'grant_handler']);
    if (!component) throw new PluginError('TESSERA_ERR_PLUGIN_UNKNOWN_COMPONENT', `${handlerKey}: ${unknown(entry.grant_handler)}`);
    const { decl } = component;
    if (decl.kind !== 'GrantHandler' || decl.grantType !== grantType) {
      throw new PluginError(
        'TESSERA_ERR_PLUGIN_WRONG_KIND',
        `${handlerKey}: "${entry.grant_handler}" is a ${decl.kind}${decl.grantType ? ` for "${decl.grantType}"` : ''}, not a GrantHandler for "${grantType}"`,
        component.bundle,
      );
    }
    const explicit = settings.get(decl.name);
    // An `[[event_listener]]` entry with enable = false still switches the override off.
    if (explicit && !explicit.enabled) continue;
    settings.set(decl.name, explicit ?? { enabled: true, order: decl.order, properties: {}, source: `oauth.grant_type.${grantType}` });
  }

  for (const { decl } of index.all()) {
    if (settings.has(decl.name) || decl.enabledWith.length === 0) continue;
    const leader = decl.enabledWith.find((name) => {
      const target = index.find(name);
      return target ? settings.get(target.decl.name)?.enabled === true : false;
    });
    settings.set(decl.name, {
      enabled: leader !== undefined,
      order: decl.order,
      properties: {},
      source: leader ? `with ${leader}` : 'not enabled',
    });
  }

  return { settings, warnings };
}
