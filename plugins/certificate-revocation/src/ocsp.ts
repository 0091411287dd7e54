/**
 * RFC 6960 OCSP for one certificate: a request naming it by SHA-1 of its issuer's name and key and
 * its serial, with a fresh nonce (RFC 8954), POSTed to the responder; the answer counts only if it
 * is signed by the issuer itself or by a delegated responder certificate the issuer signed with
 * id-kp-OCSPSigning (§4.2.2.2), echoes our nonce when it carries one, and is within
 * thisUpdate/nextUpdate. A response without a nonce (RFC 5019 pre-signed responses) is accepted on
 * its validity window alone. Answers are cached until their nextUpdate, at most cache_seconds.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  BasicOCSPResponse,
  CertID,
  id_kp_OCSPSigning,
  id_pkix_ocsp_basic,
  id_pkix_ocsp_nonce,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  Request,
  TBSRequest,
} from '@peculiar/asn1-ocsp';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, CRLReasons, Extension } from '@peculiar/asn1-x509';
import { LRUCache } from 'lru-cache';
import type { Fetcher } from './bounded-fetch.ts';
import { type CertificateFacts, certificateFacts } from './certificate-facts.ts';
import { bytes, verifySignature } from './signature.ts';
import { RETRY_MS, SKEW_MS, type Verdict } from './verdict.ts';

const SHA1 = '1.3.14.3.2.26';

export interface OcspOptions {
  readonly fetcher: Fetcher;
  /** Overrides the certificate's AIA responder when set. */
  readonly responderUrl: string | null;
  readonly cacheMs: number;
  readonly now: () => number;
}

export class OcspClient {
  /** By issuer key hash and serial; bounded by the number of distinct certificates asked about. */
  private readonly cache = new LRUCache<string, Verdict>({ max: 4096 });
  private readonly inFlight = new Map<string, Promise<Verdict>>();

  constructor(private readonly options: OcspOptions) {}

  /** The responder to ask about `cert`, or null when there is none. */
  responderFor(cert: CertificateFacts): string | null {
    return this.options.responderUrl ?? cert.ocspUrls[0] ?? null;
  }

  cached(cert: CertificateFacts, issuer: CertificateFacts): Verdict | null {
    const hit = this.cache.get(keyOf(cert, issuer));
    return hit && this.options.now() < hit.until ? hit : null;
  }

  async status(cert: CertificateFacts, issuer: CertificateFacts): Promise<Verdict | null> {
    const url = this.responderFor(cert);
    if (url === null) return null;
    const hit = this.cached(cert, issuer);
    if (hit) return hit;
    const key = keyOf(cert, issuer);
    let pending = this.inFlight.get(key);
    if (!pending) {
      pending = this.ask(url, cert, issuer)
        .then((verdict) => (this.cache.set(key, verdict), verdict))
        .finally(() => this.inFlight.delete(key));
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async ask(url: string, cert: CertificateFacts, issuer: CertificateFacts): Promise<Verdict> {
    const source = `OCSP ${url}`;
    const certId = new CertID({
      hashAlgorithm: new AlgorithmIdentifier({ algorithm: SHA1, parameters: null }),
      issuerNameHash: new OctetString(sha1(issuer.subjectNameDer)),
      issuerKeyHash: new OctetString(sha1(issuer.publicKeyBits)),
      serialNumber: new Uint8Array(Buffer.from(cert.serial, 'hex')).buffer,
    });
    const nonce = new Uint8Array(AsnConvert.serialize(new OctetString(randomBytes(16))));
    const request = new OCSPRequest({
      tbsRequest: new TBSRequest({
        requestList: [new Request({ reqCert: certId })],
        requestExtensions: [new Extension({ extnID: id_pkix_ocsp_nonce, critical: false, extnValue: new OctetString(nonce) })],
      }),
    });
    const fetched = await this.options.fetcher(url, {
      method: 'POST',
      contentType: 'application/ocsp-request',
      accept: 'application/ocsp-response',
      body: new Uint8Array(AsnConvert.serialize(request)),
    });
    const now = this.options.now();
    const retry = now + Math.min(RETRY_MS, this.options.cacheMs);
    if (fetched.problem !== undefined) return { status: 'unknown', source, why: `responder unreachable: ${fetched.problem}`, until: retry };
    try {
      return readResponse(fetched.body, cert, issuer, nonce, now, this.options.cacheMs, source);
    } catch (e) {
      return { status: 'unknown', source, why: `unreadable response: ${(e as Error).message}`, until: retry };
    }
  }
}

function readResponse(
  body: Uint8Array,
  cert: CertificateFacts,
  issuer: CertificateFacts,
  nonce: Uint8Array,
  now: number,
  cacheMs: number,
  source: string,
): Verdict {
  const retry = now + Math.min(RETRY_MS, cacheMs);
  const unknown = (why: string): Verdict => ({ status: 'unknown', source, why, until: retry });
  const response = AsnConvert.parse(body, OCSPResponse);
  if (response.responseStatus !== OCSPResponseStatus.successful) return unknown(`responder answered ${OCSPResponseStatus[response.responseStatus] ?? response.responseStatus}`);
  if (!response.responseBytes || response.responseBytes.responseType !== id_pkix_ocsp_basic) return unknown('not a basic OCSP response');
  const basic = AsnConvert.parse(response.responseBytes.response.buffer, BasicOCSPResponse);
  if (!basic.tbsResponseDataRaw) return unknown('no signed response data');

  const signer = authorisedSigner(basic, issuer, now);
  if (!signer) return unknown('the response is not signed by the issuer nor by a responder the issuer authorised (id-kp-OCSPSigning)');
  if (!verifySignature(basic.signatureAlgorithm.algorithm, basic.tbsResponseDataRaw, basic.signature, signer.publicKey)) {
    return unknown('the response signature does not verify');
  }

  const data = basic.tbsResponseData;
  const echoed = data.responseExtensions?.find((e) => e.extnID === id_pkix_ocsp_nonce);
  if (echoed && !Buffer.from(bytes(echoed.extnValue.buffer)).equals(nonce)) return unknown('the response nonce is not the one sent (replayed response?)');

  const nameHash = sha1(issuer.subjectNameDer);
  const keyHash = sha1(issuer.publicKeyBits);
  const single = data.responses.find(
    (r) =>
      r.certID.hashAlgorithm.algorithm === SHA1 &&
      Buffer.from(r.certID.serialNumber).toString('hex') === cert.serial &&
      Buffer.from(bytes(r.certID.issuerNameHash.buffer)).equals(nameHash) &&
      Buffer.from(bytes(r.certID.issuerKeyHash.buffer)).equals(keyHash),
  );
  if (!single) return unknown('the response does not answer for this certificate');
  const thisUpdate = single.thisUpdate.getTime();
  const nextUpdate = single.nextUpdate?.getTime() ?? null;
  if (thisUpdate > now + SKEW_MS) return unknown('the response is not valid yet (thisUpdate in the future)');
  if (nextUpdate !== null && nextUpdate < now) return unknown('the response is stale (nextUpdate has passed)');
  const until = Math.min(now + cacheMs, nextUpdate ?? Infinity);

  const status = single.certStatus;
  if (status.revoked) {
    const code = status.revoked.revocationReason?.reason;
    return { status: 'revoked', source, reason: code === undefined ? null : (CRLReasons[code] ?? `reason ${code}`), until };
  }
  if (status.good !== undefined) return { status: 'good', source, until };
  return { status: 'unknown', source, why: 'the responder does not know the certificate', until: Math.min(until, retry) };
}

/** The issuer, or a certificate in the response that the issuer signed for OCSP signing and that names the responder. */
function authorisedSigner(basic: BasicOCSPResponse, issuer: CertificateFacts, now: number): CertificateFacts | null {
  const responder = basic.tbsResponseData.responderID;
  const names = (c: CertificateFacts) =>
    responder.byName
      ? Buffer.from(AsnConvert.serialize(responder.byName)).toString('hex') === c.subjectName
      : responder.byKey
        ? Buffer.from(bytes(responder.byKey.buffer)).equals(sha1(c.publicKeyBits))
        : false;
  if (names(issuer)) return issuer;
  for (const included of basic.certs ?? []) {
    let candidate: CertificateFacts;
    try {
      candidate = certificateFacts(new Uint8Array(AsnConvert.serialize(included)));
    } catch {
      continue;
    }
    if (!names(candidate)) continue;
    if (candidate.issuerName !== issuer.subjectName || !candidate.signedBy(issuer)) continue;
    if (!candidate.extendedKeyUsage?.includes(id_kp_OCSPSigning)) continue;
    if (now < candidate.notBefore || now > candidate.notAfter) continue;
    return candidate;
  }
  return null;
}

function keyOf(cert: CertificateFacts, issuer: CertificateFacts): string {
  return `${issuer.id}:${cert.serial}`;
}

function sha1(data: Uint8Array): Buffer {
  return createHash('sha1').update(data).digest();
}
