/**
 * The public plugin API of Tessera. Bundles import types from here (`import type`), and receive
 * everything at run time through `activate(ctx)`; the error classes are the one runtime export,
 * re-exported so a bundle throws the same RFC errors the core renders.
 *
 * Versioned: a manifest's `apiVersion` is a semver range checked against `API_VERSION`.
 */
// 1.1.0: the TokenBinder and CertificateValidator kinds, ComponentDeps.certificateValidators.
// 1.2.0: TokenBindingContext.endpoint — binders also run at the PAR endpoint (RFC 9449 §10.1).
export const API_VERSION = '1.2.0';

export type * from './model.ts';
export type * from './extension-points.ts';
export type * from './plugin-context.ts';
export type * from './x509.ts';
export { COMPONENT_KINDS, EVENT_TYPES } from './extension-points.ts';
export * from '../errors/oauth-errors.ts';
