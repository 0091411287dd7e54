import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Issued, chainPem, createCa, createLeaf, createSelfSigned, x509 } from '../../../test/support/pki.ts';
import { type ChainValidationInput, validateChain } from '../src/chain-validation.ts';
import { TrustStore, TrustStoreError, createTrustStore, trustStoreFor } from '../src/trust-store.ts';
import { x509Service } from '../../../core/plugins/x509-service.ts';
import { installX509 } from '../src/x509.ts';

// Unit tests call the bundle's modules without activate(): hand them the core's service as it would.
installX509(x509Service);

const DAY = 86_400_000;
const now = new Date();

let root: Issued;
let intermediate: Issued;
let leaf: Issued; // root → intermediate → leaf
let direct: Issued; // root → direct

beforeAll(async () => {
  root = await createCa({ subject: 'CN=Test Root CA,O=Tessera' });
  intermediate = await createCa({ subject: 'CN=Issuing CA,O=Tessera', issuer: root });
  leaf = await createLeaf({ issuer: intermediate, subject: 'CN=client,O=Acme' });
  direct = await createLeaf({ issuer: root, subject: 'CN=direct,O=Acme' });
});

function check(input: Partial<ChainValidationInput> & Pick<ChainValidationInput, 'leaf'>) {
  return validateChain({ presented: [], trustAnchors: [root.der], now, ...input });
}

describe('validateChain: accepted paths', () => {
  it('a leaf issued directly by a root anchor', () => {
    expect(check({ leaf: direct.der })).toMatchObject({ ok: true });
  });

  it('reads what the client sent only when the leaf does not chain straight to an anchor', () => {
    let reads = 0;
    const presented = (ders: Uint8Array[]) => () => (reads++, ders);
    expect(check({ leaf: direct.der, presented: presented([intermediate.der]) })).toMatchObject({ ok: true });
    expect(reads).toBe(0);
    expect(check({ leaf: leaf.der, presented: presented([intermediate.der]) })).toMatchObject({ ok: true });
    expect(reads).toBe(1);
    expect(check({ leaf: leaf.der, presented: presented([]) })).toEqual({ ok: false, reason: 'untrusted' });
    expect(reads).toBe(2);
  });

  it('an intermediate sent by the client', () => {
    expect(check({ leaf: leaf.der, presented: [intermediate.der] })).toMatchObject({ ok: true });
  });

  it('returns the path it found, leaf first and the anchor last (what CertificateValidators get)', async () => {
    const stranger = await createCa({ subject: 'CN=Stranger' });
    const found = check({ leaf: leaf.der, presented: [stranger.der, root.der, intermediate.der] });
    expect(found.ok && found.path.map((c) => Buffer.from(c.der))).toEqual([leaf.der, intermediate.der, root.der].map((d) => Buffer.from(d)));
    const straight = check({ leaf: direct.der });
    expect(straight.ok && straight.path.map((c) => Buffer.from(c.der))).toEqual([direct.der, root.der].map((d) => Buffer.from(d)));
  });

  it('the client also sending the root, duplicates, or unrelated certificates', async () => {
    const stranger = await createCa({ subject: 'CN=Stranger' });
    expect(check({ leaf: leaf.der, presented: [intermediate.der, root.der] })).toMatchObject({ ok: true });
    expect(check({ leaf: leaf.der, presented: [root.der, intermediate.der, intermediate.der] })).toMatchObject({ ok: true });
    expect(check({ leaf: leaf.der, presented: [stranger.der, intermediate.der, direct.der] })).toMatchObject({ ok: true });
  });

  it('an intermediate configured as the anchor, with or without the client sending it', () => {
    expect(check({ leaf: leaf.der, trustAnchors: [intermediate.der] })).toMatchObject({ ok: true });
    expect(check({ leaf: leaf.der, presented: [intermediate.der], trustAnchors: [intermediate.der] })).toMatchObject({ ok: true });
    expect(check({ leaf: direct.der, trustAnchors: [intermediate.der] })).toEqual({ ok: false, reason: 'untrusted' });
  });

  it('RSA issuers and mixed key types', async () => {
    const rsaRoot = await createCa({ subject: 'CN=RSA Root', keyAlg: 'RSA' });
    const ecIssuing = await createCa({ subject: 'CN=EC Issuing', issuer: rsaRoot });
    const rsaLeaf = await createLeaf({ issuer: ecIssuing, subject: 'CN=rsa client', keyAlg: 'RSA' });
    expect(check({ leaf: rsaLeaf.der, presented: [ecIssuing.der], trustAnchors: [rsaRoot.der] })).toMatchObject({ ok: true });
  });

  it('any order and duplication of the presented certificates', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('root', 'intermediate', 'direct'), { maxLength: 6 }), (extra) => {
        const pool = { root, intermediate, direct };
        const presented = [...extra.map((k) => pool[k as keyof typeof pool].der), intermediate.der].reverse();
        expect(check({ leaf: leaf.der, presented })).toMatchObject({ ok: true });
      }),
      { numRuns: 50 },
    );
  });

  it('validity is inclusive of notBefore and notAfter', async () => {
    const notBefore = new Date('2030-01-01T00:00:00Z');
    const notAfter = new Date('2030-06-01T00:00:00Z');
    const dated = await createLeaf({ issuer: root, subject: 'CN=dated', notBefore, notAfter });
    expect(check({ leaf: dated.der, now: notBefore })).toMatchObject({ ok: true });
    expect(check({ leaf: dated.der, now: notAfter })).toMatchObject({ ok: true });
    expect(check({ leaf: dated.der, now: new Date(notBefore.getTime() - 1000) })).toEqual({ ok: false, reason: 'not_yet_valid' });
    expect(check({ leaf: dated.der, now: new Date(notAfter.getTime() + 1000) })).toEqual({ ok: false, reason: 'expired' });
  });
});

describe('validateChain: refusals', () => {
  it('untrusted: an unknown CA, even when the client sends it', async () => {
    const otherRoot = await createCa({ subject: 'CN=Other Root' });
    const stranger = await createLeaf({ issuer: otherRoot, subject: 'CN=client,O=Acme' });
    expect(check({ leaf: stranger.der })).toEqual({ ok: false, reason: 'untrusted' });
    expect(check({ leaf: stranger.der, presented: [otherRoot.der] })).toEqual({ ok: false, reason: 'untrusted' });
  });

  it('untrusted: the intermediate missing', () => {
    expect(check({ leaf: leaf.der })).toEqual({ ok: false, reason: 'untrusted' });
  });

  it('untrusted: a self-signed client certificate (that is the other RFC 8705 method)', async () => {
    const self = await createSelfSigned({ subject: 'CN=self', keyAlg: 'EC' });
    expect(check({ leaf: self.der })).toEqual({ ok: false, reason: 'untrusted' });
    expect(check({ leaf: self.der, presented: [self.der] })).toEqual({ ok: false, reason: 'untrusted' });
  });

  it('untrusted: an empty trust store', () => {
    expect(check({ leaf: direct.der, trustAnchors: [] })).toEqual({ ok: false, reason: 'untrusted' });
  });

  it('expired / not yet valid leaf', async () => {
    const expired = await createLeaf({ issuer: root, subject: 'CN=old', notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) });
    const future = await createLeaf({ issuer: root, subject: 'CN=new', notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 10 * DAY) });
    expect(check({ leaf: expired.der })).toEqual({ ok: false, reason: 'expired' });
    expect(check({ leaf: future.der })).toEqual({ ok: false, reason: 'not_yet_valid' });
    expect(check({ leaf: direct.der, now: new Date(Date.now() + 30 * DAY) })).toEqual({ ok: false, reason: 'expired' });
  });

  it('expired intermediate, expired anchor', async () => {
    const oldIssuing = await createCa({ subject: 'CN=Old Issuing', issuer: root, notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) });
    const fresh = await createLeaf({ issuer: oldIssuing, subject: 'CN=fresh' });
    expect(check({ leaf: fresh.der, presented: [oldIssuing.der] })).toEqual({ ok: false, reason: 'expired' });

    const oldRoot = await createCa({ subject: 'CN=Old Root', notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) });
    const underOldRoot = await createLeaf({ issuer: oldRoot, subject: 'CN=fresh' });
    expect(check({ leaf: underOldRoot.der, trustAnchors: [oldRoot.der] })).toEqual({ ok: false, reason: 'expired' });
  });

  it('leaf_is_ca: a CA certificate presented as the client certificate', async () => {
    const caLeaf = await createLeaf({ issuer: root, subject: 'CN=sneaky', isCa: true });
    expect(check({ leaf: caLeaf.der })).toEqual({ ok: false, reason: 'leaf_is_ca' });
    expect(check({ leaf: intermediate.der })).toEqual({ ok: false, reason: 'leaf_is_ca' });
    expect(check({ leaf: root.der })).toEqual({ ok: false, reason: 'leaf_is_ca' });
  });

  it('bad_signature: an anchor with the issuer’s name but another key', async () => {
    const impostor = await createCa({ subject: 'CN=Test Root CA,O=Tessera' });
    expect(check({ leaf: direct.der, trustAnchors: [impostor.der] })).toEqual({ ok: false, reason: 'bad_signature' });
    // With the real one also configured, the search moves past the impostor.
    expect(check({ leaf: direct.der, trustAnchors: [impostor.der, root.der] })).toMatchObject({ ok: true });
  });

  it('bad_signature: an intermediate with the right name but another key', async () => {
    const fakeIssuing = await createCa({ subject: 'CN=Issuing CA,O=Tessera', issuer: root });
    expect(check({ leaf: leaf.der, presented: [fakeIssuing.der] })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(check({ leaf: leaf.der, presented: [fakeIssuing.der, intermediate.der] })).toMatchObject({ ok: true });
  });

  it('bad_signature: a tampered leaf', () => {
    const tampered = Uint8Array.from(direct.der);
    // Flip one bit of the last signature octet: the structure stays valid, the signature does not.
    tampered[tampered.length - 1] ^= 0x01;
    expect(check({ leaf: tampered })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('too_deep: more certificates above the leaf than maxDepth', async () => {
    const chain: Issued[] = [];
    let issuer = root;
    for (let i = 1; i <= 5; i++) {
      issuer = await createCa({ subject: `CN=Level ${i}`, issuer });
      chain.push(issuer);
    }
    const deep = await createLeaf({ issuer, subject: 'CN=deep' });
    const presented = chain.map((c) => c.der);
    // Five intermediates and the root: six above the leaf.
    expect(check({ leaf: deep.der, presented })).toEqual({ ok: false, reason: 'too_deep' });
    expect(check({ leaf: deep.der, presented, maxDepth: 6 })).toMatchObject({ ok: true });
    // Anchoring at level 2 shortens the path to four.
    expect(check({ leaf: deep.der, presented, trustAnchors: [chain[1].der] })).toMatchObject({ ok: true });
  });

  it('too_deep: an issuer’s pathLenConstraint exceeded', async () => {
    const constrained = await createCa({ subject: 'CN=Constrained', issuer: root, pathLength: 0 });
    const below = await createCa({ subject: 'CN=Below', issuer: constrained });
    const user = await createLeaf({ issuer: below, subject: 'CN=user' });
    expect(check({ leaf: user.der, presented: [below.der, constrained.der] })).toEqual({ ok: false, reason: 'too_deep' });
    const allowed = await createLeaf({ issuer: constrained, subject: 'CN=user' });
    expect(check({ leaf: allowed.der, presented: [constrained.der] })).toMatchObject({ ok: true });
  });

  it('terminates on a loop of cross-certificates, and still finds a real path through one', async () => {
    const a = await createCa({ subject: 'CN=A' });
    const b = await createCa({ subject: 'CN=B' });
    const aByB = await createCa({ subject: 'CN=A', issuer: b, keys: a.keys });
    const bByA = await createCa({ subject: 'CN=B', issuer: aByB, keys: b.keys });
    const user = await createLeaf({ issuer: aByB, subject: 'CN=user' });
    // A ← B ← A ← … never reaches the configured root.
    expect(check({ leaf: user.der, presented: [aByB.der, bByA.der] })).toEqual({ ok: false, reason: 'untrusted' });
    expect(check({ leaf: user.der, presented: [aByB.der, bByA.der, a.der, b.der] })).toEqual({ ok: false, reason: 'untrusted' });
    // With B as anchor, user ← A (cross-signed by B) ← B is a path.
    expect(check({ leaf: user.der, presented: [bByA.der, aByB.der], trustAnchors: [b.der] })).toMatchObject({ ok: true });
  });

  it('bounds the work on many same-named certificates', async () => {
    const lookalikes: Uint8Array[] = [];
    for (let i = 0; i < 16; i++) lookalikes.push((await createCa({ subject: 'CN=Issuing CA,O=Tessera', issuer: root })).der);
    const started = performance.now();
    expect(check({ leaf: leaf.der, presented: lookalikes })).toEqual({ ok: false, reason: 'bad_signature' });
    // More than 16 presented certificates is refused outright.
    expect(check({ leaf: leaf.der, presented: [...lookalikes, intermediate.der] })).toEqual({ ok: false, reason: 'too_deep' });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('bounds backtracking when many same-named, same-key certificates all verify each other', async () => {
    // Sixteen self-issued certificates for one key: every one verifies every other, so an unbounded
    // search would walk 16^5 paths before giving up.
    const x = await createCa({ subject: 'CN=X' });
    const reissued = [x.der];
    for (let i = 0; i < 15; i++) reissued.push((await createCa({ subject: 'CN=X', keys: x.keys })).der);
    const user = await createLeaf({ issuer: x, subject: 'CN=user' });
    const started = performance.now();
    expect(check({ leaf: user.der, presented: reissued })).toEqual({ ok: false, reason: 'too_deep' });
    expect(performance.now() - started).toBeLessThan(2000);
    // The same certificates with one of them anchored: found at once.
    expect(check({ leaf: user.der, presented: reissued, trustAnchors: [reissued[7]] })).toMatchObject({ ok: true });
  });

  it('untrusted: an issuer that is not a CA, or whose keyUsage forbids certificate signing', async () => {
    const notCa = await createLeaf({ issuer: root, subject: 'CN=Not A CA' });
    const underNotCa = await createLeaf({ issuer: notCa, subject: 'CN=user' });
    expect(check({ leaf: underNotCa.der, presented: [notCa.der] })).toEqual({ ok: false, reason: 'untrusted' });

    const noCertSign = await createCa({ subject: 'CN=No CertSign', issuer: root, keyUsages: x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.cRLSign });
    const underNoCertSign = await createLeaf({ issuer: noCertSign, subject: 'CN=user' });
    expect(check({ leaf: underNoCertSign.der, presented: [noCertSign.der] })).toEqual({ ok: false, reason: 'untrusted' });
  });

  it('malformed: a leaf or an intermediate that is not a certificate', () => {
    expect(check({ leaf: new Uint8Array([1, 2, 3]) })).toEqual({ ok: false, reason: 'malformed' });
    expect(check({ leaf: direct.der.slice(0, -1) })).toEqual({ ok: false, reason: 'malformed' });
    expect(check({ leaf: new Uint8Array([...direct.der, 0]) })).toEqual({ ok: false, reason: 'malformed' });
    expect(check({ leaf: new Uint8Array(Buffer.from(direct.certPem)) })).toEqual({ ok: false, reason: 'malformed' });
    expect(check({ leaf: leaf.der, presented: [intermediate.der, new Uint8Array([0x30, 0])] })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('never throws on arbitrary bytes or mutated certificates', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => {
        expect(check({ leaf: bytes }).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.nat({ max: direct.der.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, flip) => {
        const der = Uint8Array.from(direct.der);
        der[index] ^= flip;
        const result = check({ leaf: der });
        // A flip inside an unused field may leave a valid certificate; it must never be an exception.
        expect(typeof result.ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('rejects programming errors loudly', () => {
    expect(() => check({ leaf: direct.der, now: new Date(Number.NaN) })).toThrow(RangeError);
    expect(() => check({ leaf: direct.der, maxDepth: 0 })).toThrow(RangeError);
  });
});

describe('validateChain: critical extensions (RFC 5280 §6.1.4 (o))', () => {
  // NameConstraints ::= SEQUENCE { permittedSubtrees [0] ... } — an empty one is enough to be present.
  const nameConstraints = () => new x509.Extension('2.5.29.30', true, new Uint8Array([0x30, 0x00]));
  const unknownCritical = () => new x509.Extension('1.3.6.1.4.1.99999.1', true, new Uint8Array([0x05, 0x00]));

  it('refuses a chain through a name-constrained intermediate (constraints are not enforced, so they must not be ignored)', async () => {
    const constrained = await createCa({ subject: 'CN=Constrained CA', issuer: root, extraExtensions: [nameConstraints()] });
    const client = await createLeaf({ issuer: constrained, subject: 'CN=outside' });
    expect(check({ leaf: client.der, presented: [constrained.der] })).toEqual({ ok: false, reason: 'unhandled_critical_extension' });
  });

  it('refuses a leaf with a critical extension nobody here processes', async () => {
    const client = await createLeaf({ issuer: root, subject: 'CN=odd', extraExtensions: [unknownCritical()] });
    expect(check({ leaf: client.der })).toEqual({ ok: false, reason: 'unhandled_critical_extension' });
  });

  it('accepts the same extension when it is not critical, and a constrained anchor (trusted as configured)', async () => {
    const relaxed = await createLeaf({ issuer: root, subject: 'CN=relaxed', extraExtensions: [new x509.Extension('1.3.6.1.4.1.99999.1', false, new Uint8Array([0x05, 0x00]))] });
    expect(check({ leaf: relaxed.der })).toMatchObject({ ok: true });
    const anchor = await createCa({ subject: 'CN=Constrained Root', extraExtensions: [nameConstraints()] });
    const client = await createLeaf({ issuer: anchor, subject: 'CN=under-anchor' });
    expect(check({ leaf: client.der, trustAnchors: [anchor.der] })).toMatchObject({ ok: true });
  });
});

describe('trust store', () => {
  it('is built from a PEM bundle or DERs, and used as a prepared store', () => {
    const fromPem = createTrustStore(chainPem(root, intermediate));
    const fromDer = createTrustStore([root.der, intermediate.der, root.der]);
    expect(fromPem).toBeInstanceOf(TrustStore);
    expect(fromPem.size).toBe(2);
    expect(fromDer.size).toBe(2);
    expect(validateChain({ leaf: leaf.der, presented: [], trustAnchors: fromPem, now })).toMatchObject({ ok: true });
    expect(validateChain({ leaf: direct.der, presented: [], trustAnchors: fromDer, now })).toMatchObject({ ok: true });
  });

  it('refuses bad configuration with TrustStoreError', () => {
    for (const bad of ['', 'hello', `${root.certPem}junk`, root.keyPem, root.certPem.replace(/M/, '!'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n']) {
      expect(() => createTrustStore(bad), bad).toThrow(TrustStoreError);
    }
    expect(() => createTrustStore([root.der, new Uint8Array([1])])).toThrow('trust anchor 2');
  });

  it('caches the store for a DER array until its contents change', () => {
    const anchors = [root.der];
    const first = trustStoreFor(anchors);
    expect(trustStoreFor(anchors)).toBe(first);
    anchors.push(intermediate.der);
    const second = trustStoreFor(anchors);
    expect(second).not.toBe(first);
    expect(second.size).toBe(2);
    expect(trustStoreFor([root.der])).not.toBe(first); // another array, another store
  });

  it('skips unparseable anchors in a DER array rather than failing the client', () => {
    expect(check({ leaf: direct.der, trustAnchors: [new Uint8Array([1, 2]), root.der] })).toMatchObject({ ok: true });
  });
});
