/**
 * The listeners: the main HTTPS port (client certificates per `clientAuth`), an optional mTLS
 * endpoint-alias port that always asks for a certificate (RFC 8705 §5, so browsers on the main port
 * never see a certificate prompt), and an optional plain-HTTP port for a TLS-terminating proxy.
 * With `want`, TLS accepts any certificate and the authenticator decides trust, so a bad one is an
 * RFC `invalid_client` rather than a dropped handshake.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import type { TesseraEnv } from '../http/hono-env.ts';

export type ClientAuthMode = 'none' | 'want' | 'need';

export interface ListenerSpec {
  name: 'https' | 'mtls' | 'http' | 'metrics';
  host: string;
  port: number;
  tls?: { cert: string; key: string; clientAuth: ClientAuthMode; ca?: string };
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

export async function startListener(app: Hono<TesseraEnv>, spec: ListenerSpec, urlHost: string): Promise<RunningListener> {
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
            maxHeaderSize: spec.maxHeaderBytes,
            minVersion: 'TLSv1.2',
          },
        })
      : createAdaptorServer({ fetch: app.fetch, createServer: createHttpServer, serverOptions: { maxHeaderSize: spec.maxHeaderBytes } })
  ) as Server;
  server.requestTimeout = spec.requestTimeoutMs;
  server.keepAliveTimeout = spec.keepAliveTimeoutMs;
  server.headersTimeout = Math.min(spec.requestTimeoutMs, 60_000);
  if (tls?.clientAuth === 'need') {
    server.on('secureConnection', (socket: TLSSocket) => {
      if (!socket.getPeerCertificate()?.raw) socket.destroy();
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

/** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes what is left. */
export async function drainListener(listener: RunningListener, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => listener.server.close(() => resolve()));
  listener.server.closeIdleConnections();
  const timer = setTimeout(() => listener.server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}
