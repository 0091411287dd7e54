/** The qualified names plugin.json declares; `activate` provides a factory for each. */
export const COMPONENTS = {
  binder: 'tessera.dpop.DPoPTokenBinder',
  resourceValidator: 'tessera.dpop.DPoPBoundTokenValidator',
  introspection: 'tessera.dpop.DPoPBindingDataProvider',
  metadata: 'tessera.dpop.DPoPMetadata',
} as const;

/** RFC 9449 §6.1: the `cnf` member carrying the JWK SHA-256 thumbprint of the DPoP key. */
export const JKT = 'jkt';
