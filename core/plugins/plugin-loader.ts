/**
 * Loads bundles the OSGi way: validate every manifest, decide what deployment.toml enables, check
 * API compatibility, import, activate inside try/catch. A bundle that an enabled component needs
 * and that fails stops start-up (an authenticator that silently vanished changes who gets in); an
 * unused bundle that fails is reported and skipped.
 */
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import semver from 'semver';
import { API_VERSION } from '../api/index.ts';
import type { ComponentKind } from '../api/extension-points.ts';
import type { ComponentFactory, CoreServices, Logger, PluginContext, PluginModule } from '../api/plugin-context.ts';
import { scanDropins } from './bundle-scanner.ts';
import {
  ComponentIndex,
  resolveActivation,
  type Activation,
  type ActivationInput,
  type DeclaredComponent,
} from './component-activation.ts';
import type { ComponentDeclaration, PluginManifest } from './manifest.ts';
import { PluginError } from './plugin-errors.ts';
import { deepFreeze } from '../store/frozen-client.ts';

/**
 * `active`: at least one component enabled, so the entry is imported; `inactive`: nothing enabled,
 * never imported; `skipped`: unused and built for another plugin API; `broken`: plugin.json unusable.
 */
export type BundleStatus = 'active' | 'inactive' | 'skipped' | 'broken';

export interface BundleReport {
  name: string;
  folder: string;
  version: string | null;
  apiVersion: string | null;
  status: BundleStatus;
  error?: string;
  components: ComponentReport[];
}

export interface ComponentReport {
  kind: string;
  name: string;
  aliases: string[];
  grantType?: string;
  enabled: boolean;
  order: number;
  source: string;
}

/** A component the core ships itself, registered through the same path as a bundle's. */
export interface BuiltinComponent<K extends ComponentKind = ComponentKind> {
  decl: Omit<ComponentDeclaration, 'aliases' | 'enabledWith' | 'enabledByDefault' | 'order'> &
    Partial<Pick<ComponentDeclaration, 'aliases' | 'enabledWith' | 'enabledByDefault' | 'order'>> & { kind: K };
  factory: ComponentFactory<K>;
}

export interface LoadPluginsOptions {
  dropinsDir: string;
  activation: ActivationInput;
  builtins: readonly BuiltinComponent[];
  logger: Logger;
  services: CoreServices;
  config: Readonly<Record<string, unknown>>;
  pluginSettings: Readonly<Record<string, Record<string, unknown>>>;
}

export interface LoadedPlugins {
  bundles: BundleReport[];
  activation: Activation;
  index: ComponentIndex;
  /** Factories by qualified component name, for active bundles and the core. */
  factories: Map<string, ComponentFactory<ComponentKind>>;
  deactivate(): Promise<void>;
}

/** What deployment.toml and the manifests decide, before (and without) importing any bundle code. */
export interface PluginPlan {
  bundles: BundleReport[];
  activation: Activation;
  index: ComponentIndex;
  /** Bundles with at least one enabled component and a compatible API range: the ones to import. */
  toLoad: { dir: string; folder: string; manifest: PluginManifest }[];
}

/**
 * Reads every manifest and decides what is enabled. Runs no bundle code: `tessera plugins` stops
 * here, and `loadPlugins` imports only the bundles this plan says are needed.
 */
export function planPlugins(options: Pick<LoadPluginsOptions, 'dropinsDir' | 'activation' | 'builtins' | 'logger'>): PluginPlan {
  const { logger } = options;
  const scanned = scanDropins(options.dropinsDir);
  const broken = scanned.filter((b) => b.error).map((b) => ({ bundle: b.folder, error: b.error as string }));
  for (const b of broken) logger.warn({ bundle: b.bundle }, `plugin bundle "${b.bundle}" skipped: ${b.error}`);

  const loadable = scanned.filter((b): b is typeof b & { manifest: PluginManifest } => !!b.manifest);
  const declared: DeclaredComponent[] = [
    ...options.builtins.map((b) => ({ bundle: 'core', decl: normaliseBuiltin(b.decl) })),
    ...loadable.flatMap((b) => b.manifest.components.map((decl) => ({ bundle: b.manifest.name, decl }))),
  ];
  const index = new ComponentIndex(declared);
  const activation = resolveActivation(index, options.activation, broken);
  for (const warning of activation.warnings) logger.warn(warning);

  const bundles: BundleReport[] = broken.map((b) => ({
    name: b.bundle, folder: b.bundle, version: null, apiVersion: null, status: 'broken', error: b.error, components: [],
  }));
  const toLoad: PluginPlan['toLoad'] = [];
  for (const bundle of loadable) {
    const { manifest } = bundle;
    const needed = manifest.components.some((c) => activation.settings.get(c.name)?.enabled);
    const mismatch = apiMismatch(manifest);
    const incompatible = mismatch ?? entryProblem(bundle.dir, manifest);
    if (incompatible && needed) {
      const code = mismatch ? 'TESSERA_ERR_PLUGIN_API_VERSION' : 'TESSERA_ERR_PLUGIN_MANIFEST';
      throw new PluginError(code, `bundle "${manifest.name}" (${bundle.dir}) is enabled in deployment.toml but ${incompatible}`, manifest.name);
    }
    if (incompatible) {
      logger.warn({ bundle: manifest.name }, `unused plugin bundle "${manifest.name}" is skipped: ${incompatible}`);
      bundles.push({ ...report(manifest, bundle.folder, 'skipped', activation), error: incompatible });
      continue;
    }
    if (needed) toLoad.push(bundle);
    bundles.push(report(manifest, bundle.folder, needed ? 'active' : 'inactive', activation));
  }
  return { bundles, activation, index, toLoad };
}

export async function loadPlugins(options: LoadPluginsOptions): Promise<LoadedPlugins> {
  const plan = planPlugins(options);
  const { activation, index } = plan;

  const factories = new Map<string, ComponentFactory<ComponentKind>>();
  for (const builtin of options.builtins) factories.set(builtin.decl.name, builtin.factory as ComponentFactory<ComponentKind>);
  const deactivators: (() => void | Promise<void>)[] = [];

  // Only bundles with an enabled component are imported: nothing else of theirs ever runs.
  for (const bundle of plan.toLoad) {
    const { manifest } = bundle;
    try {
      const provided = await activateBundle(bundle.dir, manifest, options);
      for (const decl of manifest.components) {
        const factory = provided.factories.get(decl.name);
        if (!factory) throw new PluginError('TESSERA_ERR_PLUGIN_MISSING_COMPONENT', `activate() did not provide the declared ${decl.kind} "${decl.name}"`, manifest.name);
        factories.set(decl.name, factory);
      }
      if (provided.module.deactivate) deactivators.push(provided.module.deactivate.bind(provided.module));
    } catch (err) {
      // Fail closed: an enabled authenticator or binding handler that silently vanished changes who gets in.
      const message = err instanceof Error ? err.message : String(err);
      throw new PluginError(
        err instanceof PluginError ? err.code : 'TESSERA_ERR_PLUGIN_ACTIVATE',
        `bundle "${manifest.name}" (${bundle.dir}) is enabled in deployment.toml but failed to load: ${message}`,
        manifest.name,
        { cause: err },
      );
    }
  }

  return {
    bundles: plan.bundles,
    activation,
    index,
    factories,
    async deactivate() {
      for (const deactivate of deactivators.reverse()) await deactivate();
    },
  };
}

/** Why the entry cannot be imported (outside the bundle folder, missing), checked without importing it. */
function entryProblem(dir: string, manifest: PluginManifest): string | null {
  try {
    resolveEntry(dir, manifest);
    return null;
  } catch (err) {
    return (err as Error).message.replace(/^TESSERA_ERR_PLUGIN_\w+: /, '');
  }
}

function apiMismatch(manifest: PluginManifest): string | null {
  if (semver.validRange(manifest.apiVersion) && semver.satisfies(API_VERSION, manifest.apiVersion)) return null;
  return `it needs plugin API ${manifest.apiVersion}; this Tessera provides ${API_VERSION}`;
}

/**
 * The entry file, resolved through symlinks: it must be a file inside the bundle folder (itself
 * resolved), so an entry that links to a file elsewhere is never imported.
 */
export function resolveEntry(dir: string, manifest: PluginManifest): string {
  const outside = () => new PluginError('TESSERA_ERR_PLUGIN_MANIFEST', `entry "${manifest.entry}" points outside the bundle folder`, manifest.name);
  if (isAbsolute(manifest.entry)) throw outside();
  let realDir: string;
  let entry: string;
  try {
    realDir = realpathSync(dir);
    entry = realpathSync(resolve(dir, manifest.entry));
  } catch (err) {
    throw new PluginError('TESSERA_ERR_PLUGIN_IMPORT', `entry "${manifest.entry}" cannot be read: ${(err as Error).message}`, manifest.name);
  }
  if (!entry.startsWith(realDir + sep)) throw outside();
  if (!statSync(entry).isFile()) throw new PluginError('TESSERA_ERR_PLUGIN_IMPORT', `entry "${manifest.entry}" is not a file`, manifest.name);
  return entry;
}

function normaliseBuiltin(decl: BuiltinComponent['decl']): ComponentDeclaration {
  return { aliases: [], enabledWith: [], enabledByDefault: true, order: 100, ...decl };
}

async function activateBundle(dir: string, manifest: PluginManifest, options: LoadPluginsOptions) {
  const entry = resolveEntry(dir, manifest);
  let module: PluginModule;
  try {
    module = (await import(pathToFileURL(entry).href)) as PluginModule;
  } catch (err) {
    throw new PluginError('TESSERA_ERR_PLUGIN_IMPORT', `cannot import ${join(dir, manifest.entry)}: ${(err as Error).message}`, manifest.name, { cause: err });
  }
  if (typeof module.activate !== 'function') {
    throw new PluginError('TESSERA_ERR_PLUGIN_IMPORT', `${manifest.entry} does not export activate(ctx)`, manifest.name);
  }

  const declared = new Map(manifest.components.map((c) => [c.name, c]));
  const factories = new Map<string, ComponentFactory<ComponentKind>>();
  const ctx: PluginContext = {
    apiVersion: API_VERSION,
    bundle: { name: manifest.name, version: manifest.version, dir },
    logger: options.logger,
    config: bundleConfig(options.config),
    settings: options.pluginSettings[manifest.name] ?? {},
    services: options.services,
    provide(kind, name, factory) {
      const decl = declared.get(name);
      if (!decl) throw new PluginError('TESSERA_ERR_PLUGIN_MISSING_COMPONENT', `provide("${name}"): plugin.json declares no such component`, manifest.name);
      if (decl.kind !== kind) throw new PluginError('TESSERA_ERR_PLUGIN_WRONG_KIND', `provide("${name}"): declared as ${decl.kind}, provided as ${kind}`, manifest.name);
      factories.set(name, factory as ComponentFactory<ComponentKind>);
    },
  };
  try {
    await module.activate(ctx);
  } catch (err) {
    throw new PluginError('TESSERA_ERR_PLUGIN_ACTIVATE', `activate() threw: ${(err as Error).message}`, manifest.name, { cause: err });
  }
  return { module, factories };
}

function report(manifest: PluginManifest, folder: string, status: BundleStatus, activation: Activation): BundleReport {
  return {
    name: manifest.name,
    folder,
    version: manifest.version,
    apiVersion: manifest.apiVersion,
    status,
    components: manifest.components.map((decl) => {
      const setting = activation.settings.get(decl.name);
      return {
        kind: decl.kind,
        name: decl.name,
        aliases: decl.aliases,
        ...(decl.grantType ? { grantType: decl.grantType } : {}),
        enabled: setting?.enabled ?? false,
        order: setting?.order ?? decl.order,
        source: setting?.source ?? 'not enabled',
      };
    }),
  };
}

/** What ctx.config shows: the configuration deep-frozen, secrets a bundle has no business reading removed. */
function bundleConfig(config: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  const copy = structuredClone(config) as Record<string, Record<string, unknown>>;
  if (copy.super_admin) delete copy.super_admin.password;
  if (copy.database) delete copy.database.url;
  return deepFreeze(copy);
}
