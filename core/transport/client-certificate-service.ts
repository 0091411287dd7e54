/**
 * The one place a client certificate comes from: the TLS socket of an HTTPS listener, or the
 * configured header — but only when the peer is a trusted proxy; from anyone else the header is
 * ignored and logged. Malformed or oversized input is "no usable certificate" with a reason.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { CertificateResult, ClientCertificate } from '../api/extension-points.ts';
import type { Logger } from '../api/plugin-context.ts';
import { certificateThumbprint } from '../crypto/thumbprint.ts';
import { parseCertificateHeader } from './certificate-header.ts';
import type { TrustedProxies } from './trusted-proxies.ts';

const NONE: CertificateResult = Object.freeze({ certificate: null, problem: null });
const MAX_PRESENTED_CHAIN = 10;

export interface CertificateServiceOptions {
  /** Lower-case header name, or '' when header mode is off. */
  header: string;
  maxBytes: number;
  trustedProxies: TrustedProxies;
  logger: Logger;
}

export class ClientCertificateService {
  /** Keep-alive connections present one certificate for their life: read it once. */
  private readonly bySocket = new WeakMap<TLSSocket, CertificateResult>();

  constructor(private readonly options: CertificateServiceOptions) {}

  resolve(incoming: IncomingMessage): CertificateResult {
    const { header } = this.options;
    const remote = incoming.socket.remoteAddress;
    const forwarded = header ? incoming.headers[header] : undefined;
    if (forwarded !== undefined) {
      if (this.options.trustedProxies.has(remote)) return this.fromHeader(forwarded);
      this.options.logger.warn({ header, remoteAddress: remote }, 'certificate header from an untrusted address ignored');
    }
    const socket = incoming.socket as TLSSocket;
    if (typeof socket.getPeerX509Certificate !== 'function') return NONE;
    let result = this.bySocket.get(socket);
    if (!result) {
      result = fromSocket(socket);
      this.bySocket.set(socket, result);
    }
    return result;
  }

  private fromHeader(value: string | string[]): CertificateResult {
    if (Array.isArray(value)) return { certificate: null, problem: 'the certificate header was sent more than once' };
    if (value.trim() === '') return NONE;
    const parsed = parseCertificateHeader(value, this.options.maxBytes);
    if ('problem' in parsed) return { certificate: null, problem: `certificate header: ${parsed.problem}` };
    const [leaf, ...chain] = parsed.ders;
    return { certificate: certificate(leaf, chain.slice(0, MAX_PRESENTED_CHAIN), 'header') };
  }
}

/**
 * The leaf and the certificates the client sent after it, from getPeerX509Certificate and its
 * `issuerCertificate` links. getPeerCertificate(true) turned every certificate — and the CA it
 * looked up in the trust store — into a detailed object (fingerprints, key details): about 0.3 ms
 * more per new connection with OpenSSL 3. The trust decision never used those objects.
 */
function fromSocket(socket: TLSSocket): CertificateResult {
  const peer = socket.getPeerX509Certificate();
  if (!peer) return NONE;
  const chain: Uint8Array[] = [];
  let previous = peer;
  let current = peer.issuerCertificate;
  // The chain ends where a certificate is its own issuer.
  while (current && current !== previous && chain.length < MAX_PRESENTED_CHAIN) {
    if (current.raw.equals(previous.raw)) break;
    chain.push(new Uint8Array(current.raw));
    previous = current;
    current = current.issuerCertificate;
  }
  return { certificate: certificate(new Uint8Array(peer.raw), chain, 'tls') };
}

function certificate(der: Uint8Array, chain: Uint8Array[], source: 'tls' | 'header'): ClientCertificate {
  return Object.freeze({ der, chain, source, thumbprint: certificateThumbprint(der) });
}
