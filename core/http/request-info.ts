import type { Context } from 'hono';
import type { RequestInfo } from '../api/extension-points.ts';
import type { ClientCertificateService } from '../transport/client-certificate-service.ts';
import { forwardedClientAddress } from '../transport/forwarded-for.ts';
import type { TrustedProxies } from '../transport/trusted-proxies.ts';
import type { TesseraEnv } from './hono-env.ts';

/** The framework-neutral view of a request that plugins see. */
export function requestInfo(c: Context<TesseraEnv>, certificates: ClientCertificateService, proxies: TrustedProxies): RequestInfo {
  const incoming = c.env.incoming;
  const remoteAddress = incoming.socket.remoteAddress ?? '';
  let certificate: RequestInfo['clientCertificate'] | undefined;
  let clientAddress: string | undefined;
  return {
    method: c.req.method,
    path: c.req.path,
    // Bound, not an arrow: the TypeScript runner names every arrow it assigns (a call per request).
    header: c.req.header.bind(c.req) as RequestInfo['header'],
    remoteAddress,
    // Both resolved on first use: most requests never look at them.
    get clientAddress() {
      return (clientAddress ??= forwardedClientAddress(remoteAddress, incoming.headers['x-forwarded-for'], proxies));
    },
    get clientCertificate() {
      return (certificate ??= certificates.resolve(incoming));
    },
  };
}
