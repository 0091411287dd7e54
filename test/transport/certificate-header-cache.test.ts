/**
 * parseCertificateHeader remembers DERs it found to be exactly one certificate (by SHA-256, compared
 * byte for byte). A remembered certificate must never make a near copy acceptable: trailing bytes,
 * a changed byte, or the same bytes wrapped differently are judged on their own.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCertificateHeader } from '../../core/transport/certificate-header.ts';
import { type Issued, createCa, createLeaf } from '../support/pki.ts';

let leaf: Issued;
const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64');

beforeAll(async () => {
  leaf = await createLeaf({ issuer: await createCa(), subject: 'CN=cached' });
});

describe('certificate header: remembered certificates', () => {
  it('gives the same answer the second time, and copies of the answer, not the cache', () => {
    const first = parseCertificateHeader(b64(leaf.der));
    const second = parseCertificateHeader(b64(leaf.der));
    expect(first).toEqual(second);
    if ('problem' in second) throw new Error(second.problem);
    second.ders[0][10] ^= 0xff; // the caller owns what it got
    expect(parseCertificateHeader(b64(leaf.der))).toEqual(first);
  });

  it('still refuses trailing bytes or a changed byte after the certificate was accepted', () => {
    expect('ders' in parseCertificateHeader(b64(leaf.der))).toBe(true);
    const trailing = new Uint8Array([...leaf.der, 0x00]);
    expect(parseCertificateHeader(b64(trailing))).toEqual({ problem: 'not an X.509 certificate' });
    const changed = new Uint8Array(leaf.der);
    changed[changed.length - 5] ^= 0x01; // inside the signature: still parses, different bytes
    const result = parseCertificateHeader(b64(changed));
    if ('ders' in result) expect(Buffer.from(result.ders[0]).equals(Buffer.from(leaf.der))).toBe(false);
  });
});
