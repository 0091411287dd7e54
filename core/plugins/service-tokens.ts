/**
 * Names of the host services in the core's tsyringe container. Bundles never see the container: they
 * get the typed, read-only facades of core/plugins/plugin-services.ts built from it.
 */
export const SERVICE_TOKENS = {
  Config: 'tessera.Config',
  Logger: 'tessera.Logger',
  Store: 'tessera.Store',
  Tokens: 'tessera.TokenService',
  Users: 'tessera.UserService',
  Events: 'tessera.EventBus',
  Certificates: 'tessera.ClientCertificateService',
  Clock: 'tessera.Clock',
} as const;
