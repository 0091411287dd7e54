import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { certificateThumbprint } from '../../core/crypto/thumbprint.ts';
import { createCa, thumbprintOf } from '../support/pki.ts';

describe('certificateThumbprint', () => {
  it('is base64url(SHA-256(DER)) without padding (RFC 8705 §3.1)', async () => {
    const ca = await createCa();
    const thumbprint = certificateThumbprint(ca.der);
    expect(thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(thumbprint).toBe(thumbprintOf(ca.der));
    const fingerprint = new X509Certificate(Buffer.from(ca.der)).fingerprint256.replace(/:/g, '').toLowerCase();
    expect(Buffer.from(thumbprint, 'base64url').toString('hex')).toBe(fingerprint);
  });

  it('hashes exactly the bytes given', () => {
    // SHA-256 of the empty string, a value anyone can check.
    expect(certificateThumbprint(new Uint8Array(0))).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  });
});
