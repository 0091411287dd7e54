import type { Context } from 'hono';
import type { RequestInfo } from '../api/extension-points.ts';
import type { ClientCertificateService } from '../transport/client-certificate-service.ts';
import type { TesseraEnv } from './hono-env.ts';

/** The framework-neutral view of a request that plugins see. */
export function requestInfo(c: Context<TesseraEnv>, certificates: ClientCertificateService): RequestInfo {
  const incoming = c.env.incoming;
  let certificate: RequestInfo['clientCertificate'] | undefined;
  return {
    method: c.req.method,
    path: c.req.path,
    header: (name) => c.req.header(name),
    remoteAddress: incoming.socket.remoteAddress ?? '',
    // Resolved on first use: most requests never look at the certificate.
    get clientCertificate() {
      return (certificate ??= certificates.resolve(incoming));
    },
  };
}
