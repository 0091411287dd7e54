import { describe, expect, it } from 'vitest';
import { createCa, createLeaf } from '../support/pki.ts';
import { basicConstraints, readCertificateFields } from '../../core/x509/certificate-fields.ts';
import { DerError, Tag, childrenOf, decodeOid, decodeString, readSingle, readTlv } from '../../core/x509/der.ts';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('DER reader', () => {
  it('reads short and long lengths', () => {
    expect(readTlv(bytes(0x04, 0x02, 0xaa, 0xbb)).tlv.content).toEqual(bytes(0xaa, 0xbb));
    const long = new Uint8Array([0x04, 0x81, 0x80, ...new Array(0x80).fill(7)]);
    expect(readSingle(long).content.length).toBe(0x80);
  });

  it('refuses indefinite, non-minimal, oversized and truncated encodings', () => {
    for (const bad of [
      bytes(0x30, 0x80, 0x00, 0x00), // indefinite length
      bytes(0x04, 0x81, 0x01, 0x00), // long form for a short length
      bytes(0x04, 0x82, 0x00, 0x80, ...new Array(0x80).fill(0)), // leading zero length octet
      bytes(0x04, 0x85, 1, 0, 0, 0, 0), // five length octets
      bytes(0x04, 0x03, 0x00), // content runs past the end
      bytes(0x04),
      bytes(0x1f, 0x01, 0x00), // high tag number
    ]) {
      expect(() => readSingle(bad)).toThrow(DerError);
    }
    expect(() => readSingle(bytes(0x05, 0x00, 0x00))).toThrow('trailing data');
    expect(() => childrenOf(readSingle(bytes(0x04, 0x00)))).toThrow(DerError);
  });

  it('decodes OIDs', () => {
    expect(decodeOid(bytes(0x55, 0x04, 0x03))).toBe('2.5.4.3');
    expect(decodeOid(bytes(0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19))).toBe('0.9.2342.19200300.100.1.25');
    expect(decodeOid(bytes(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01))).toBe('1.2.840.113549.1.9.1');
    expect(() => decodeOid(bytes(0x55, 0x84))).toThrow(DerError);
    expect(() => decodeOid(bytes(0x55, 0x80, 0x01))).toThrow(DerError);
  });

  it('decodes the X.520 string types, strictly', () => {
    const s = (tag: number, ...content: number[]) => decodeString(readSingle(bytes(tag, content.length, ...content)));
    expect(s(Tag.UTF8_STRING, 0x63, 0xc3, 0xa9)).toBe('cé');
    expect(s(Tag.UTF8_STRING, 0xef, 0xbb, 0xbf, 0x61)).toBe('\ufeffa'); // a BOM is content, not dropped
    expect(s(Tag.UTF8_STRING, 0xc3)).toBeNull();
    expect(s(Tag.PRINTABLE_STRING, 0x55, 0x53)).toBe('US');
    expect(s(Tag.IA5_STRING, 0xe9)).toBeNull();
    expect(s(Tag.TELETEX_STRING, 0xe9)).toBe('é');
    expect(s(Tag.BMP_STRING, 0x00, 0x5a, 0x00, 0xeb)).toBe('Zë');
    expect(s(Tag.BMP_STRING, 0xd8, 0x00)).toBeNull();
    expect(s(Tag.UNIVERSAL_STRING, 0x00, 0x01, 0xf6, 0x00)).toBe('😀');
    expect(s(Tag.UNIVERSAL_STRING, 0x00, 0x11, 0x00, 0x00)).toBeNull();
    expect(s(Tag.INTEGER, 0x05)).toBeNull();
  });
});

describe('readCertificateFields', () => {
  it('reads names, validity (UTCTime and GeneralizedTime) and extensions', async () => {
    const notBefore = new Date('1999-12-31T23:59:59Z');
    const notAfter = new Date('2051-01-01T00:00:00Z'); // from 2050 on, GeneralizedTime
    const root = await createCa({ notBefore, notAfter, pathLength: 2 });
    const leaf = await createLeaf({ issuer: root, subject: 'CN=leaf' });
    const fields = readCertificateFields(root.der);
    expect(fields.notBefore).toEqual(notBefore);
    expect(fields.notAfter).toEqual(notAfter);
    expect(fields.issuer.encoded).toEqual(fields.subject.encoded);
    expect(basicConstraints(fields)).toEqual({ ca: true, pathLength: 2 });
    const leafFields = readCertificateFields(leaf.der);
    expect(leafFields.issuer.encoded).toEqual(fields.subject.encoded);
    expect(basicConstraints(leafFields)).toEqual({ ca: false, pathLength: null });
    expect([...leafFields.extensions.keys()].sort()).toEqual(['2.5.29.14', '2.5.29.15', '2.5.29.19', '2.5.29.35', '2.5.29.37']);
  });

  it('throws DerError for non-certificates', () => {
    expect(() => readCertificateFields(bytes(0x30, 0x00))).toThrow(DerError);
    expect(() => readCertificateFields(bytes(0x02, 0x01, 0x00))).toThrow(DerError);
  });
});
