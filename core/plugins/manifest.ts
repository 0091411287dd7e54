/**
 * `plugin.json`: what a bundle is and what it provides, validated before any of its code runs.
 */
import { z } from 'zod';
import { COMPONENT_KINDS } from '../api/extension-points.ts';

const componentName = z.string().regex(/^[A-Za-z_][\w$-]*(\.[A-Za-z_][\w$-]*)*$/, 'a dotted qualified name');

export const componentDeclarationSchema = z.object({
  kind: z.enum(COMPONENT_KINDS as [string, ...string[]]),
  name: componentName,
  description: z.string().optional(),
  /** Other names that resolve to this component (e.g. WSO2 class names pasted from its guide). */
  aliases: z.array(componentName).default([]),
  /** Default `order` when deployment.toml gives none; lower runs first. */
  order: z.number().int().default(100),
  /** For a GrantHandler: the grant type it handles. */
  grantType: z.string().optional(),
  /**
   * Enabled whenever any of these components is (e.g. a resource validator that comes with the
   * binding grant handlers), unless deployment.toml names this one itself.
   */
  enabledWith: z.array(componentName).default([]),
  /** On unless deployment.toml switches it off; only the core's own components use this. */
  enabledByDefault: z.boolean().default(false),
}).refine((c) => c.kind !== 'GrantHandler' || c.grantType, { message: 'a GrantHandler needs "grantType"' });

export const manifestSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-"'),
  version: z.string(),
  description: z.string().optional(),
  /** A semver range of the core plugin API this bundle works with. */
  apiVersion: z.string(),
  /** The compiled ESM entry, relative to the bundle folder. */
  entry: z.string().default('index.js'),
  components: z.array(componentDeclarationSchema).min(1),
});

export type ComponentDeclaration = z.infer<typeof componentDeclarationSchema>;
export type PluginManifest = z.infer<typeof manifestSchema>;
