/**
 * The core's X.509 service (`ctx.services.x509`), installed by activate(). The bundle carries no
 * X.509 code of its own: DER reading, RFC 4514 names, SANs and thumbprints come from the running
 * core, so a fix there reaches this bundle without a rebuild.
 */
import type { X509Service } from '../../../core/api/index.ts';

let service: X509Service | null = null;

export function installX509(x509Service: X509Service): void {
  service = x509Service;
}

export function x509(): X509Service {
  if (!service) throw new Error('the X.509 service is not installed: activate() installs ctx.services.x509');
  return service;
}
