/**
 * The one place a client certificate comes from: the TLS socket of an HTTPS listener, or the
 * configured header — but only when the peer is a trusted proxy; from anyone else the header is
 * ignored and logged. Malformed or oversized input is "no usable certificate" with a reason.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { LRUCache } from 'lru-cache';
import type { CertificateResult, ClientCertificate } from '../api/extension-points.ts';
import type { Logger } from '../api/plugin-context.ts';
import { certificateThumbprint } from '../crypto/thumbprint.ts';
import { parseCertificateHeader } from './certificate-header.ts';
import type { TrustedProxies } from './trusted-proxies.ts';

const NONE: CertificateResult = Object.freeze({ certificate: null, problem: null });
const MAX_PRESENTED_CHAIN = 10;

/**
 * A resumed TLS session carries the client's certificate but not the certificates it sent after it
 * (OpenSSL keeps only the peer's leaf in a session), so a client whose intermediate came in the full
 * handshake would fail tls_client_auth on every resumed connection. The chain a leaf last presented
 * in a full handshake is kept here, by the leaf's thumbprint, for its resumed sessions; it is still
 * validated like any presented chain. Bounded: the least recently used leaf goes first.
 */
const chainsOfResumedSessions = new LRUCache<string, readonly Uint8Array[]>({ max: 1024 });

export interface CertificateServiceOptions {
  /** Lower-case header name, or '' when header mode is off. */
  header: string;
  maxBytes: number;
  trustedProxies: TrustedProxies;
  logger: Logger;
}

/** A connection presents one certificate for its life: read once, by the `need` check and every request on it. */
const bySocket = new WeakMap<TLSSocket, CertificateResult>();

/** The client certificate of a TLS connection (NONE when it sent none). */
export function socketCertificate(socket: TLSSocket): CertificateResult {
  let result = bySocket.get(socket);
  if (!result) {
    result = fromSocket(socket);
    bySocket.set(socket, result);
  }
  return result;
}

export class ClientCertificateService {
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
    if (typeof socket.getPeerCertificate !== 'function') return NONE;
    return socketCertificate(socket);
  }

  private fromHeader(value: string | string[]): CertificateResult {
    if (Array.isArray(value)) return { certificate: null, problem: 'the certificate header was sent more than once' };
    if (value.trim() === '') return NONE;
    const parsed = parseCertificateHeader(value, this.options.maxBytes);
    if ('problem' in parsed) return { certificate: null, problem: `certificate header: ${parsed.problem}` };
    const [leaf, ...chain] = parsed.ders;
    const presented = chain.slice(0, MAX_PRESENTED_CHAIN);
    return { certificate: certificate(leaf, () => presented, 'header') };
  }
}

/**
 * The leaf, and the certificates the client sent after it only when someone reads `chain` (a leaf
 * issued straight by a trust anchor never needs them). The leaf's bytes come from whichever call is
 * cheaper for the connection, measured per call on the bench's new-connection scenarios (issue #20):
 * - after a full handshake, getPeerCertificate(false): ~68 µs, where getPeerX509Certificate() took
 *   ~174 µs (it copies every certificate the client sent, and OpenSSL 3 decodes each copy again);
 * - on a resumed session, getPeerX509Certificate(): ~9 µs, where getPeerCertificate(false) took
 *   ~77 µs building its detailed object (names, SANs, key, three fingerprints) for one `raw`.
 * getPeerCertificate(true) was worse still: detailed objects for the chain and the CA.
 */
function fromSocket(socket: TLSSocket): CertificateResult {
  const raw = socket.isSessionReused() ? socket.getPeerX509Certificate()?.raw : socket.getPeerCertificate(false)?.raw;
  if (!raw || raw.length === 0) return NONE;
  let chain: readonly Uint8Array[] | undefined;
  const leaf = certificate(new Uint8Array(raw), () => (chain ??= chainOf(socket, leaf.thumbprint)), 'tls');
  return { certificate: leaf };
}

function chainOf(socket: TLSSocket, thumbprint: string): readonly Uint8Array[] {
  if (socket.isSessionReused()) return chainsOfResumedSessions.get(thumbprint) ?? [];
  const chain = presentedChain(socket);
  if (chain.length > 0) chainsOfResumedSessions.set(thumbprint, chain);
  return chain;
}

/** The certificates after the leaf, following getPeerX509Certificate's `issuerCertificate` links. */
function presentedChain(socket: TLSSocket): Uint8Array[] {
  const chain: Uint8Array[] = [];
  let previous = socket.getPeerX509Certificate();
  let current = previous?.issuerCertificate;
  // The chain ends where a certificate is its own issuer.
  while (previous && current && current !== previous && chain.length < MAX_PRESENTED_CHAIN) {
    if (current.raw.equals(previous.raw)) break;
    chain.push(new Uint8Array(current.raw));
    previous = current;
    current = current.issuerCertificate;
  }
  return chain;
}

function certificate(der: Uint8Array, chain: () => readonly Uint8Array[], source: 'tls' | 'header'): ClientCertificate {
  const thumbprint = certificateThumbprint(der);
  return Object.freeze({
    der,
    get chain() {
      return chain();
    },
    source,
    thumbprint,
  });
}
