import { describe, expect, it } from 'vitest';
import { PemError, decodePem, derToPem, pemToDer } from '../../core/crypto/pem.ts';
import { chainPem, createCa, createLeaf } from '../support/pki.ts';

describe('PEM helpers', () => {
  it('derToPem writes RFC 7468 layout that pemToDer reads back', async () => {
    const ca = await createCa();
    const pem = derToPem(ca.der);
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END CERTIFICATE-----\n$/);
    expect(pemToDer(pem)).toEqual([ca.der]);
    expect(pemToDer(ca.certPem)).toEqual([ca.der]);
  });

  it('reads every block of a bundle, in order, whatever the line layout', async () => {
    const root = await createCa();
    const leaf = await createLeaf({ issuer: root, subject: 'CN=x' });
    const bundle = chainPem(leaf, root);
    expect(pemToDer(bundle)).toEqual([leaf.der, root.der]);
    expect(pemToDer(bundle.replace(/\n/g, '\r\n'))).toEqual([leaf.der, root.der]);
    expect(pemToDer(bundle.replace(/\n/g, ''))).toEqual([leaf.der, root.der]);
    expect(pemToDer(`\n\n  ${bundle}  \n`)).toEqual([leaf.der, root.der]);
  });

  it('reads other labels when asked', async () => {
    const ca = await createCa();
    const [key] = pemToDer(ca.keyPem, 'PRIVATE KEY');
    expect(derToPem(key, 'PRIVATE KEY')).toBe(ca.keyPem);
  });

  it('reports problems, and pemToDer throws PemError for them', async () => {
    const ca = await createCa();
    const cases: [string, string][] = [
      ['', 'no CERTIFICATE PEM block'],
      ['hello', 'unexpected text outside PEM blocks'],
      [`junk${ca.certPem}`, 'unexpected text outside PEM blocks'],
      [`${ca.certPem}junk`, 'unexpected text outside PEM blocks'],
      [ca.keyPem, 'unexpected text outside PEM blocks'],
      [ca.certPem.replace('-----END CERTIFICATE-----', ''), 'unterminated PEM block'],
      [ca.certPem.replace('M', '!'), 'invalid base64 in PEM block'],
      ['-----BEGIN CERTIFICATE----------END CERTIFICATE-----', 'invalid base64 in PEM block'],
    ];
    for (const [text, problem] of cases) {
      expect(decodePem(text), text).toEqual({ problem });
      expect(() => pemToDer(text)).toThrow(PemError);
    }
  });
});
