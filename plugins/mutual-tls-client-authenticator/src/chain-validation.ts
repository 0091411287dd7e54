/**
 * RFC 8705 §2.1 (PKI method) path validation: from the client's certificate, through the
 * intermediates it sent, to one configured trust anchor. A subset of RFC 5280 §6 sized for client
 * authentication: names chain by encoding, signatures verify, every certificate is within its
 * validity, issuers are CAs allowed to sign certificates and within their path length, and no
 * certificate below the anchor carries a critical extension this code does not process (RFC 5280
 * §6.1.4 (o)) — so a name-constrained intermediate fails closed rather than having its constraints
 * ignored. Not done here: revocation (CertificateValidator components, e.g. the
 * certificate-revocation bundle, run on the path this returns), policy processing (a critical certificatePolicies is accepted as
 * under any-policy), name constraints, EKU (the caller's).
 */
import { type PreparedCertificate, prepareCertificate } from './prepared-certificate.ts';
import { TrustStore, trustStoreFor } from './trust-store.ts';

export type ChainFailureReason =
  | 'untrusted'
  | 'expired'
  | 'not_yet_valid'
  | 'leaf_is_ca'
  | 'bad_signature'
  | 'too_deep'
  | 'unhandled_critical_extension'
  | 'malformed';

export type ChainValidationResult =
  /** `path`: the certificates of the path found, leaf first, the anchor last. */
  | { readonly ok: true; readonly path: readonly PreparedCertificate[] }
  | { readonly ok: false; readonly reason: ChainFailureReason };

export interface ChainValidationInput {
  /** DER of the client's (end-entity) certificate. */
  readonly leaf: Uint8Array;
  /**
   * DERs of the other certificates the client sent, in any order; extra or duplicate ones are
   * harmless. A function is called only when the leaf does not chain straight to an anchor.
   */
  readonly presented: readonly Uint8Array[] | (() => readonly Uint8Array[]);
  /** A prepared store, or DERs (prepared once per array and cached). */
  readonly trustAnchors: TrustStore | readonly Uint8Array[];
  readonly now: Date;
  /** Most certificates above the leaf: intermediates plus the anchor. Default 5. */
  readonly maxDepth?: number;
}

/** More than this many presented certificates is not a chain but an attempt to make us work. */
const MAX_PRESENTED = 16;
/** Candidate issuers examined per validation, bounding backtracking among same-named certificates. */
const MAX_STEPS = 64;

/** When several paths fail, the reason reported is the first of these found (most specific first). */
const PRECEDENCE: readonly ChainFailureReason[] = ['expired', 'not_yet_valid', 'unhandled_critical_extension', 'too_deep', 'bad_signature', 'untrusted'];

/**
 * Critical extensions this validation (or the caller, for EKU and SANs) acts on. Name constraints
 * (2.5.29.30) are deliberately absent: they are not enforced, so a certificate that has them fails.
 */
const PROCESSED_EXTENSIONS = new Set([
  '2.5.29.14', // subjectKeyIdentifier
  '2.5.29.15', // keyUsage
  '2.5.29.17', // subjectAltName (matched by the caller)
  '2.5.29.19', // basicConstraints
  '2.5.29.32', // certificatePolicies (any-policy)
  '2.5.29.35', // authorityKeyIdentifier
  '2.5.29.37', // extKeyUsage (checked by the caller)
]);

/**
 * Never throws on the certificates (bad ones are `malformed`); throws `RangeError` for an invalid
 * `now` or `maxDepth`, which are programming errors.
 */
export function validateChain(input: ChainValidationInput): ChainValidationResult {
  const maxDepth = input.maxDepth ?? 5;
  if (Number.isNaN(input.now.getTime())) throw new RangeError('validateChain: invalid now');
  if (!Number.isInteger(maxDepth) || maxDepth < 1) throw new RangeError('validateChain: maxDepth must be a positive integer');

  const store = input.trustAnchors instanceof TrustStore ? input.trustAnchors : trustStoreFor(input.trustAnchors);

  let leaf: PreparedCertificate;
  try {
    leaf = prepareCertificate(input.leaf);
  } catch {
    return fail('malformed');
  }
  if (leaf.basicConstraints?.ca) return fail('leaf_is_ca');
  if (hasUnhandledCriticalExtension(leaf)) return fail('unhandled_critical_extension');
  const leafValidity = validityProblem(leaf, input.now);
  if (leafValidity) return fail(leafValidity);

  // Most clients are issued straight by an anchor: that path needs none of what they sent.
  if (store.anchorsNamed(leaf.issuerName).length > 0) {
    const direct = new PathSearch(store, [], input.now, maxDepth);
    if (direct.from(leaf, 0, new Set([leaf.id]))) return { ok: true, path: [leaf, ...direct.above] };
  }

  const sent = typeof input.presented === 'function' ? input.presented() : input.presented;
  if (sent.length > MAX_PRESENTED) return fail('too_deep');
  const presented: PreparedCertificate[] = [];
  try {
    for (const der of sent) {
      const cert = prepareCertificate(der);
      // A copy of an anchor (clients often send the root) adds nothing: the anchor itself is tried.
      if (!store.contains(cert)) presented.push(cert);
    }
  } catch {
    return fail('malformed');
  }

  const search = new PathSearch(store, presented, input.now, maxDepth);
  return search.from(leaf, 0, new Set([leaf.id])) ? { ok: true, path: [leaf, ...search.above] } : fail(search.reason());
}

class PathSearch {
  private steps = 0;
  /** After `from` answered true: the issuers of the path found, nearest first, the anchor last. */
  readonly above: PreparedCertificate[] = [];
  private readonly failures = new Set<ChainFailureReason>();

  constructor(
    private readonly store: TrustStore,
    private readonly presented: readonly PreparedCertificate[],
    private readonly now: Date,
    private readonly maxDepth: number,
  ) {}

  /** Whether `cert` (with `depth` certificates between it and the leaf) chains to an anchor. */
  from(cert: PreparedCertificate, depth: number, onPath: ReadonlySet<string>): boolean {
    // Anchors first: a path ends at the first anchor that issued the certificate.
    const candidates = [
      ...this.byKeyIdFirst(cert, this.store.anchorsNamed(cert.issuerName)).map((c) => ({ cert: c, anchor: true })),
      ...this.byKeyIdFirst(cert, this.presented.filter((c) => c.subjectName === cert.issuerName && !onPath.has(c.id))).map((c) => ({
        cert: c,
        anchor: false,
      })),
    ];
    if (candidates.length === 0) this.failures.add('untrusted');

    for (const { cert: issuer, anchor } of candidates) {
      if (++this.steps > MAX_STEPS || depth + 1 > this.maxDepth) {
        this.failures.add('too_deep');
        return false;
      }
      const problem = this.issuerProblem(cert, issuer, anchor, depth);
      if (problem) {
        this.failures.add(problem);
        continue;
      }
      if (anchor || this.from(issuer, depth + 1, new Set([...onPath, issuer.id]))) {
        this.above.unshift(issuer);
        return true;
      }
    }
    return false;
  }

  reason(): ChainFailureReason {
    return PRECEDENCE.find((r) => this.failures.has(r)) ?? 'untrusted';
  }

  private issuerProblem(
    cert: PreparedCertificate,
    issuer: PreparedCertificate,
    anchor: boolean,
    intermediatesBelow: number,
  ): ChainFailureReason | null {
    // Same name, wrong key: not this certificate's issuer, whatever the names say.
    if (!cert.verifiedBy(issuer)) return 'bad_signature';
    // An anchor without basicConstraints is a v1 root, trusted by configuration; anyone else must be a CA.
    const bc = issuer.basicConstraints;
    if (bc ? !bc.ca : !anchor) return 'untrusted';
    if (issuer.canSignCertificates === false) return 'untrusted';
    if (bc?.pathLength != null && intermediatesBelow > bc.pathLength) return 'too_deep';
    // An anchor is trusted by configuration, as it is; a certificate below it must be fully understood.
    if (!anchor && hasUnhandledCriticalExtension(issuer)) return 'unhandled_critical_extension';
    return validityProblem(issuer, this.now);
  }

  /** Candidates whose subjectKeyIdentifier matches the authorityKeyIdentifier go first (a hint only). */
  private byKeyIdFirst(cert: PreparedCertificate, list: readonly PreparedCertificate[]): PreparedCertificate[] {
    const akid = cert.authorityKeyId;
    if (akid === null) return [...list];
    return [...list.filter((c) => c.subjectKeyId === akid), ...list.filter((c) => c.subjectKeyId !== akid)];
  }
}

function hasUnhandledCriticalExtension(cert: PreparedCertificate): boolean {
  for (const [oid, extension] of cert.fields.extensions) if (extension.critical && !PROCESSED_EXTENSIONS.has(oid)) return true;
  return false;
}

function validityProblem(cert: PreparedCertificate, now: Date): 'expired' | 'not_yet_valid' | null {
  const t = now.getTime();
  if (t < cert.fields.notBefore.getTime()) return 'not_yet_valid';
  if (t > cert.fields.notAfter.getTime()) return 'expired';
  return null;
}

function fail(reason: ChainFailureReason): ChainValidationResult {
  return { ok: false, reason };
}
