/** The qualified names plugin.json declares; deployment.toml enables the validator by this name. */
export const COMPONENTS = {
  validator: 'tessera.revocation.CertificateRevocationValidator',
  introspection: 'tessera.revocation.BoundTokenRevocationInterceptor',
  resource: 'tessera.revocation.BoundTokenRevocationResourceValidator',
} as const;
