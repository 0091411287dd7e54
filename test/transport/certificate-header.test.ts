import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateThumbprint } from '../../core/crypto/thumbprint.ts';
import { parseCertificateHeader } from '../../core/transport/certificate-header.ts';
import { type Issued, createCa, createLeaf, thumbprintOf } from '../support/pki.ts';

let root: Issued;
let intermediate: Issued;
let leaf: Issued;

beforeAll(async () => {
  root = await createCa();
  intermediate = await createCa({ subject: 'CN=Intermediate', issuer: root });
  leaf = await createLeaf({ issuer: intermediate, subject: 'CN=client,O=Acme,C=US' });
});

const b64 = (der: Uint8Array) => Buffer.from(der).toString('base64');
const body = (der: Uint8Array) => b64(der).match(/.{1,64}/g)!.join('\n');
const oneLine = (der: Uint8Array) => `-----BEGIN CERTIFICATE-----${b64(der)}-----END CERTIFICATE-----`;

function ders(value: string, maxBytes?: number): Uint8Array[] {
  const result = parseCertificateHeader(value, maxBytes);
  if ('problem' in result) throw new Error(`unexpected problem: ${result.problem}`);
  return result.ders;
}

function problem(value: string, maxBytes?: number): string {
  const result = parseCertificateHeader(value, maxBytes);
  if (!('problem' in result)) throw new Error('expected a problem');
  return result.problem;
}

describe('parseCertificateHeader: formats', () => {
  const formats: [string, () => string][] = [
    ['one-line PEM (WSO2 guide)', () => oneLine(leaf.der)],
    ['multi-line PEM', () => leaf.certPem],
    ['multi-line PEM with CRLF', () => leaf.certPem.replace(/\n/g, '\r\n')],
    ['PEM folded with spaces', () => leaf.certPem.trim().replace(/\n/g, ' ')],
    ['PEM folded with tabs', () => leaf.certPem.trim().replace(/\n/g, '\t')],
    ['URL-encoded PEM (nginx $ssl_client_escaped_cert)', () => encodeURIComponent(leaf.certPem)],
    ['URL-encoded one-line PEM', () => encodeURIComponent(oneLine(leaf.der))],
    ['URL-encoded PEM, only spaces and newlines escaped', () => leaf.certPem.replace(/ /g, '%20').replace(/\n/g, '%0A')],
    ['bare base64 DER', () => b64(leaf.der)],
    ['bare base64 DER without padding', () => b64(leaf.der).replace(/=+$/, '')],
    ['bare base64url DER', () => Buffer.from(leaf.der).toString('base64url')],
    ['bare base64url DER with padding', () => Buffer.from(leaf.der).toString('base64url').padEnd(Math.ceil(leaf.der.length / 3) * 4, '=')],
    ['bare base64 with line breaks', () => body(leaf.der)],
    ['surrounding whitespace', () => `  ${leaf.certPem}  `],
  ];

  for (const [name, make] of formats) {
    it(`${name} → the same DER and thumbprint`, () => {
      const [der, ...rest] = ders(make());
      expect(rest).toEqual([]);
      expect(der).toEqual(leaf.der);
      expect(certificateThumbprint(der)).toBe(thumbprintOf(leaf.der));
    });
  }

  it('keeps several concatenated PEM blocks in order, leaf first', () => {
    const expected = [leaf.der, intermediate.der, root.der];
    expect(ders(leaf.certPem + intermediate.certPem + root.certPem)).toEqual(expected);
    expect(ders([leaf, intermediate, root].map((c) => oneLine(c.der)).join(''))).toEqual(expected);
    expect(ders([leaf, intermediate, root].map((c) => c.certPem.trim().replace(/\n/g, ' ')).join(' '))).toEqual(expected);
    expect(ders(encodeURIComponent(leaf.certPem + intermediate.certPem))).toEqual([leaf.der, intermediate.der]);
  });

  it('bounds the size before decoding, in UTF-8 bytes', () => {
    const pem = leaf.certPem;
    expect(ders(pem, pem.length)).toEqual([leaf.der]);
    expect(problem(pem, pem.length - 1)).toBe('header too large');
    expect(problem('é'.repeat(10), 15)).toBe('header too large');
    expect(problem('A'.repeat(16385))).toBe('header too large');
  });
});

describe('parseCertificateHeader: problems', () => {
  const cases: [string, () => string, string][] = [
    ['empty', () => '', 'header is empty'],
    ['blank', () => '  \t ', 'header is empty'],
    ['invalid base64', () => 'not base64!', 'invalid base64'],
    ['base64 with mixed alphabets', () => 'ab+_', 'invalid base64'],
    ['impossible base64 length', () => 'AAAAA', 'invalid base64'],
    ['padding only', () => '==', 'invalid base64'],
    ['bad percent-encoding', () => '%E0%A4%A', 'invalid percent-encoding'],
    ['percent-encoded invalid UTF-8', () => '%FF%FE', 'invalid percent-encoding'],
    ['binary garbage', () => '\u0000\u0001\u00ff\ufffd', 'invalid base64'],
    ['base64 of bytes that are not a certificate', () => b64(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])), 'not an X.509 certificate'],
    ['base64 of random bytes', () => 'q83vEjRWeJA=', 'not an X.509 certificate'],
    ['certificate with trailing bytes', () => b64(new Uint8Array([...leaf.der, 0, 0])), 'not an X.509 certificate'],
    ['truncated certificate', () => b64(leaf.der.slice(0, -10)), 'not an X.509 certificate'],
    ['certificate with a flipped byte in the structure', () => b64(Uint8Array.from(leaf.der, (b, i) => (i === 1 ? b ^ 0x40 : b))), 'not an X.509 certificate'],
    ['base64 of a PEM text (Node would accept it as PEM)', () => Buffer.from(leaf.certPem).toString('base64'), 'not an X.509 certificate'],
    ['PEM without end line', () => leaf.certPem.replace('-----END CERTIFICATE-----', ''), 'unterminated PEM block'],
    ['PEM with junk around', () => `cert=${leaf.certPem}`, 'unexpected text outside PEM blocks'],
    ['PEM of another type', () => leaf.keyPem, 'unexpected text outside PEM blocks'],
    ['PEM with an empty body', () => '-----BEGIN CERTIFICATE----------END CERTIFICATE-----', 'invalid base64 in PEM block'],
    ['PEM with a corrupt body', () => leaf.certPem.replace(/M/, '*'), 'invalid base64 in PEM block'],
    ['PEM whose body is not a certificate', () => `-----BEGIN CERTIFICATE-----${b64(new Uint8Array(32))}-----END CERTIFICATE-----`, 'not an X.509 certificate'],
    ['second PEM block not a certificate', () => leaf.certPem + `-----BEGIN CERTIFICATE-----AAAA-----END CERTIFICATE-----`, 'certificate 2 is not an X.509 certificate'],
  ];
  for (const [name, make, expected] of cases) {
    it(name, () => expect(problem(make())).toBe(expected));
  }

  it('answers a non-string with a problem instead of throwing', () => {
    expect(parseCertificateHeader(undefined as unknown as string)).toEqual({ problem: 'header is not text' });
  });
});

describe('parseCertificateHeader: never throws, never hangs', () => {
  // Generous per call so a loaded CI machine does not flake; super-linear work on 16 KB takes seconds.
  const check = (value: string) => {
    const started = performance.now();
    const result = parseCertificateHeader(value);
    expect(performance.now() - started).toBeLessThan(1000);
    expect('ders' in result || typeof result.problem === 'string').toBe(true);
  };

  it('on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 20000, unit: 'binary' }), check), { numRuns: 300 });
  });

  it('on arbitrary bytes in every encoding a proxy might use', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4000 }), (bytes) => {
        const b = Buffer.from(bytes);
        check(b.toString('latin1'));
        check(b.toString('base64'));
        check(`-----BEGIN CERTIFICATE-----${b.toString('base64')}-----END CERTIFICATE-----`);
        check(encodeURIComponent(b.toString('latin1')));
      }),
      { numRuns: 300 },
    );
  });

  it('on mutations of a real certificate', () => {
    fc.assert(
      fc.property(fc.nat({ max: leaf.der.length - 1 }), fc.integer({ min: 1, max: 255 }), (index, flip) => {
        const der = Uint8Array.from(leaf.der);
        der[index] ^= flip;
        check(b64(der));
        check(oneLine(der));
      }),
      { numRuns: 300 },
    );
  });

  it('on pathological PEM-shaped inputs', () => {
    check('-----BEGIN CERTIFICATE-----'.repeat(600));
    check(`${'-----BEGIN CERTIFICATE-----A'.repeat(500)}-----END CERTIFICATE-----`);
    check('%'.repeat(16000));
    check('%41'.repeat(5000));
    check(' '.repeat(16000));
  });
});
