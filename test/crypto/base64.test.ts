import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBase64 } from '../../core/crypto/base64.ts';

describe('decodeBase64', () => {
  it('decodes standard and base64url, padded or not', () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0xbf, 0x01]);
    expect(decodeBase64('+/+/AQ==')).toEqual(bytes);
    expect(decodeBase64('+/+/AQ')).toEqual(bytes);
    expect(decodeBase64('-_-_AQ==')).toEqual(bytes);
    expect(decodeBase64('-_-_AQ')).toEqual(bytes);
    expect(decodeBase64('')).toEqual(new Uint8Array(0));
  });

  it('returns bytes that own their memory (not a view into Buffer\'s pool)', () => {
    const bytes = decodeBase64('AAEC')!;
    expect(bytes.buffer.byteLength).toBe(3);
  });

  it('refuses what Buffer would silently accept', () => {
    for (const bad of ['ab!c', 'ab c', 'abc\n', '+_AA', 'A', 'AB=', 'AB=A', 'A===', '=AAA', 'AAAA=', 'AB==AB==']) {
      expect(decodeBase64(bad), bad).toBeNull();
    }
  });

  it('round-trips any bytes in both alphabets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const b = Buffer.from(bytes);
        expect(decodeBase64(b.toString('base64'))).toEqual(bytes);
        expect(decodeBase64(b.toString('base64url'))).toEqual(bytes);
      }),
    );
  });
});
