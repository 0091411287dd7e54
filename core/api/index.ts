/**
 * The public plugin API of Tessera. Bundles import types from here (`import type`), and receive
 * everything at run time through `activate(ctx)`; the runtime exports are the error classes,
 * re-exported so a bundle throws the same RFC errors the core renders, and the Authorization header
 * parser and the certificate thumbprint, so a bundle reads bearer tokens and computes `x5t#S256` as
 * the core does.
 *
 * Versioned: a manifest's `apiVersion` is a semver range checked against `API_VERSION`.
 */
// 1.1.0: the TokenBinder and CertificateValidator kinds, ComponentDeps.certificateValidators.
// 1.2.0: TokenBindingContext.endpoint — binders also run at the PAR endpoint (RFC 9449 §10.1).
// 1.3.0: parseAuthorizationHeader, the core's reader of `Authorization: Bearer|DPoP <token>`, and
//        certificateThumbprint (RFC 8705 x5t#S256), as runtime imports.
export const API_VERSION = '1.3.0';

export type * from './model.ts';
export type * from './extension-points.ts';
export type * from './plugin-context.ts';
export type * from './x509.ts';
export { COMPONENT_KINDS, EVENT_TYPES } from './extension-points.ts';
export * from '../errors/oauth-errors.ts';
export * from './authorization-header.ts';
export * from './certificate-thumbprint.ts';
