/**
 * The listeners: the main HTTPS port (client certificates per `clientAuth`), an optional mTLS
 * endpoint-alias port that always asks for a certificate (RFC 8705 §5, so browsers on the main port
 * never see a certificate prompt), and an optional plain-HTTP port for a TLS-terminating proxy.
 * With `want`, TLS accepts any certificate and the authenticator decides trust, so a bad one is an
 * RFC `invalid_client` rather than a dropped handshake.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { Server as NetServer, type AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createAdaptorServer } from '@hono/node-server';
import { socketCertificate } from './client-certificate-service.ts';

export type ClientAuthMode = 'none' | 'want' | 'need';

export interface ListenerSpec {
  name: 'https' | 'mtls' | 'http' | 'metrics';
  host: string;
  port: number;
  /** `ticketKeys`: TLS session ticket keys shared by the workers of one machine (48 bytes), else per process. */
  tls?: { cert: string; key: string; clientAuth: ClientAuthMode; ca?: string; ticketKeys?: Buffer };
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxHeaderBytes: number;
}

export interface RunningListener {
  name: ListenerSpec['name'];
  server: Server;
  port: number;
  url: string;
}

/** What a listener serves: any app with a fetch handler (the composed Hono app). */
export type ServedApp = { readonly fetch: Parameters<typeof createAdaptorServer>[0]['fetch'] };

export async function startListener(app: ServedApp, spec: ListenerSpec, urlHost: string): Promise<RunningListener> {
  const tls = spec.tls;
  const server = (
    tls
      ? createAdaptorServer({
          fetch: app.fetch,
          createServer: createHttpsServer,
          serverOptions: {
            cert: tls.cert,
            key: tls.key,
            requestCert: tls.clientAuth !== 'none',
            // Trust is the authenticator's decision (see above); "need" only demands presence.
            rejectUnauthorized: false,
            ...(tls.ca ? { ca: tls.ca } : {}),
            ...(tls.ticketKeys ? { ticketKeys: tls.ticketKeys } : {}),
            maxHeaderSize: spec.maxHeaderBytes,
            minVersion: 'TLSv1.2',
          },
        })
      : createAdaptorServer({ fetch: app.fetch, createServer: createHttpServer, serverOptions: { maxHeaderSize: spec.maxHeaderBytes } })
  ) as Server;
  // Once the server stops accepting, every answer ends its connection: the peer (nginx) retires it
  // after reading the response, and never finds it closed under a request it is writing.
  server.prependListener('request', (_req, res) => {
    if (!server.listening) res.shouldKeepAlive = false;
  });
  server.requestTimeout = spec.requestTimeoutMs;
  server.keepAliveTimeout = spec.keepAliveTimeoutMs;
  server.headersTimeout = Math.min(spec.requestTimeoutMs, 60_000);
  if (tls?.clientAuth === 'need') {
    // Read through the per-connection cache the requests use: one read of the leaf per connection.
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socketCertificate(socket).certificate === null) socket.destroy();
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(spec.port, spec.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return { name: spec.name, server, port, url: `${tls ? 'https' : 'http'}://${urlHost}:${port}` };
}

/**
 * Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes what is left.
 * Every response from then on says `Connection: close`.
 *
 * Idle keep-alive connections are closed at once — unless `keepIdle` (a drain delay is set: the
 * node sits behind a load balancer). Closing an idle connection races the proxy writing a request
 * on it, which the proxy must then resend or answer 502 (nginx resends a POST only with
 * `non_idempotent`). Kept, an idle connection ends when nginx closes it (its upstream
 * `keepalive_timeout`, shorter than ours), when its next answer closes it, or at our own
 * keep-alive timeout — all within `[transport.https] keep_alive_timeout_ms`.
 *
 * Closing the listener resets the connections still in the kernel's accept queue (and a cluster
 * primary's not yet handed to a worker): requests the proxy wrote and the node never read. No
 * order of these steps avoids that while a proxy still opens connections; docs/deploy/README.md
 * ("It stops accepting") says how nginx resends them.
 */
export async function drainListener(listener: RunningListener, graceMs: number, options: { keepIdle?: boolean } = {}): Promise<void> {
  const { server } = listener;
  const closed = new Promise<void>((resolve) => {
    // http.Server#close also closes idle connections (Node ≥ 19); net.Server#close only stops accepting.
    if (options.keepIdle) NetServer.prototype.close.call(server, () => resolve());
    else server.close(() => resolve());
  });
  if (!options.keepIdle) server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), Math.max(graceMs, options.keepIdle ? server.keepAliveTimeout : 0));
  await closed;
  clearTimeout(timer);
}
