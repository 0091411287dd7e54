/**
 * The CA certificates client certificates must chain to, parsed and indexed once: the
 * authenticator validates every mTLS request against the same anchors.
 */
import { x509 } from './x509.ts';
import { type PreparedCertificate, prepareCertificate } from './prepared-certificate.ts';

export class TrustStoreError extends Error {
  override readonly name = 'TrustStoreError';
}

export class TrustStore {
  private readonly bySubject = new Map<string, PreparedCertificate[]>();
  private readonly ids = new Set<string>();

  /** Use `createTrustStore`. */
  constructor(anchors: readonly PreparedCertificate[]) {
    for (const anchor of anchors) {
      if (this.ids.has(anchor.id)) continue;
      this.ids.add(anchor.id);
      const list = this.bySubject.get(anchor.subjectName) ?? [];
      list.push(anchor);
      this.bySubject.set(anchor.subjectName, list);
    }
  }

  get size(): number {
    return this.ids.size;
  }

  /** Anchors whose subject Name is exactly this encoding (hex). */
  anchorsNamed(subjectName: string): readonly PreparedCertificate[] {
    return this.bySubject.get(subjectName) ?? [];
  }

  contains(certificate: PreparedCertificate): boolean {
    return this.ids.has(certificate.id);
  }
}

/**
 * A trust store from a PEM bundle (certificates only, anything else refused) or a list of DERs.
 * Anchors may be roots or intermediates. Throws `TrustStoreError` naming the first bad entry:
 * this is configuration, better refused at start-up than silently trusting less.
 */
export function createTrustStore(input: string | readonly Uint8Array[]): TrustStore {
  const ders = typeof input === 'string' ? pemCertificates(input) : input;
  return new TrustStore(
    ders.map((der, i) => {
      try {
        return prepareCertificate(der);
      } catch (e) {
        if (e instanceof x509().DerError) throw new TrustStoreError(`trust anchor ${i + 1}: ${e.message}`);
        throw e;
      }
    }),
  );
}

/**
 * For callers passing the same DER array again and again: the store is built once per array and
 * rebuilt only if its contents (element identities) change. Unparseable anchors are skipped, which
 * can only make validation stricter.
 */
const cache = new WeakMap<readonly Uint8Array[], { elements: Uint8Array[]; store: TrustStore }>();

export function trustStoreFor(anchors: readonly Uint8Array[]): TrustStore {
  const hit = cache.get(anchors);
  if (hit && hit.elements.length === anchors.length && hit.elements.every((der, i) => der === anchors[i])) return hit.store;
  const prepared: PreparedCertificate[] = [];
  for (const der of anchors) {
    try {
      prepared.push(prepareCertificate(der));
    } catch (e) {
      if (!(e instanceof x509().DerError)) throw e;
    }
  }
  const store = new TrustStore(prepared);
  cache.set(anchors, { elements: [...anchors], store });
  return store;
}

// The bundle receives nothing from the core at run time but what `activate` hands it, so it reads
// PEM itself rather than importing core/crypto/pem.ts.
function pemCertificates(text: string): Uint8Array[] {
  const decoded = x509().decodePem(text);
  if ('problem' in decoded) throw new TrustStoreError(`trust bundle: ${decoded.problem}`);
  return decoded.ders;
}
