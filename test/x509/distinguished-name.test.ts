import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Issued, createCa, createLeaf, x509 } from '../support/pki.ts';
import {
  type DnAttribute,
  DnSyntaxError,
  type Rdn,
  certificateSubjectDn,
  dnEquals,
  dnMatchesCertificate,
  formatDn,
  parseDn,
  rdnSequencesEqual,
} from '../../core/x509/distinguished-name.ts';

const CN = '2.5.4.3';
const O = '2.5.4.10';
const C = '2.5.4.6';
const UID = '0.9.2342.19200300.100.1.1';
const text = (type: string, value: string): DnAttribute => ({ type, text: value, ber: null });

describe('parseDn', () => {
  it('reads RDNs in written order with types resolved to OIDs', () => {
    expect(parseDn('CN=client,O=Acme,C=US')).toEqual([[text(CN, 'client')], [text(O, 'Acme')], [text(C, 'US')]]);
  });

  it('treats attribute type names case-insensitively and accepts OIDs', () => {
    const expected = parseDn('CN=a,O=b');
    expect(parseDn('cn=a,o=b')).toEqual(expected);
    expect(parseDn('Cn=a,oID.2.5.4.10=b')).toEqual(expected);
    expect(parseDn('2.5.4.3=a,2.5.4.10=b')).toEqual(expected);
  });

  it('knows the common short names', () => {
    const oids = parseDn('CN=1,L=2,ST=3,O=4,OU=5,C=6,STREET=7,DC=8,UID=9,SERIALNUMBER=10,EMAILADDRESS=11,E=12').map((r) => r[0].type);
    expect(oids).toEqual([
      '2.5.4.3', '2.5.4.7', '2.5.4.8', '2.5.4.10', '2.5.4.11', '2.5.4.6', '2.5.4.9',
      '0.9.2342.19200300.100.1.25', '0.9.2342.19200300.100.1.1', '2.5.4.5', '1.2.840.113549.1.9.1', '1.2.840.113549.1.9.1',
    ]);
  });

  it('groups multi-valued RDNs joined by +', () => {
    expect(parseDn('CN=a+UID=b,O=c')).toEqual([[text(CN, 'a'), text(UID, 'b')], [text(O, 'c')]]);
  });

  it('unescapes every RFC 4514 special and hex pairs (as UTF-8)', () => {
    const value = (s: string) => parseDn(`CN=${s}`)[0][0].text;
    expect(value('Acme\\, Inc.')).toBe('Acme, Inc.');
    expect(value('a\\+b\\"c\\\\d\\<e\\>f\\;g\\=h')).toBe('a+b"c\\d<e>f;g=h');
    expect(value('\\#not hex')).toBe('#not hex');
    expect(value('\\ lead and trail\\ ')).toBe(' lead and trail ');
    expect(value('caf\\C3\\A9')).toBe('café');
    expect(value('\\4a\\4F')).toBe('JO');
    expect(value('a#b=c')).toBe('a#b=c');
    expect(value('日本')).toBe('日本');
    expect(value('')).toBe('');
  });

  it('ignores spaces around separators and trailing unescaped spaces', () => {
    expect(parseDn('  CN = a  ,  O = b + UID = c  ')).toEqual([[text(CN, 'a')], [text(O, 'b'), text(UID, 'c')]]);
    expect(parseDn('CN=a b')[0][0].text).toBe('a b');
  });

  it('tolerates ; between RDNs and quoted values (RFC 2253 legacy)', () => {
    expect(parseDn('CN=a;O=b')).toEqual(parseDn('CN=a,O=b'));
    expect(parseDn('O="Acme, Inc.", C=US')).toEqual(parseDn('O=Acme\\, Inc.,C=US'));
    expect(parseDn('CN="a\\"b"')[0][0].text).toBe('a"b');
  });

  it('reads #hex as the BER of the value, with its text when it is a string', () => {
    const [[utf8]] = parseDn('CN=#0c0548656c6c6f');
    expect(utf8.text).toBe('Hello');
    expect(utf8.ber).toEqual(new Uint8Array([0x0c, 5, 0x48, 0x65, 0x6c, 0x6c, 0x6f]));
    const [[int]] = parseDn('2.5.4.97=#020105');
    expect(int.text).toBeNull();
    expect(int.ber).toEqual(new Uint8Array([2, 1, 5]));
  });

  it('parses the empty DN', () => {
    expect(parseDn('')).toEqual([]);
    expect(parseDn('   ')).toEqual([]);
  });

  const bad = [
    'CN', 'CN=a,', ',CN=a', 'CN=a,,O=b', 'CN=a+', '=a', 'XX=a', 'CN=a,Foo=b', '2.5=a,3=b', '2.5.04.3=a',
    'CN=a"b', 'CN=a<b', 'CN=a>b', 'CN=a\u0000b', 'CN=a\\', 'CN=a\\x', 'CN=a\\4', 'CN=\\ff', 'CN=#', 'CN=#0', 'CN=#zz',
    'CN=#0c05414243', 'CN=#0c0141 b', 'CN="unterminated', 'CN="a"b', 'CN=a=b=c,,', 'CN=\ud800',
  ];
  for (const s of bad) {
    it(`throws DnSyntaxError on ${JSON.stringify(s)}`, () => expect(() => parseDn(s)).toThrow(DnSyntaxError));
  }

  it('never throws anything but DnSyntaxError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (s) => {
        try {
          parseDn(s);
        } catch (e) {
          expect(e).toBeInstanceOf(DnSyntaxError);
        }
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.array(fc.constantFrom('CN', '=', ',', '+', ';', '\\', '"', '#', ' ', 'a', '0c', '41', '\\2c', 'é'), { maxLength: 30 }), (parts) => {
        try {
          parseDn(parts.join(''));
        } catch (e) {
          expect(e).toBeInstanceOf(DnSyntaxError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('dnEquals', () => {
  const equal: [string, string][] = [
    ['CN=client,O=Acme,C=US', 'CN=client, O=Acme, C=US'],
    ['CN=client,O=Acme,C=US', '  CN = client ,O= Acme,   C =US '],
    ['CN=client,O=Acme,C=US', 'cn=client,o=Acme,c=US'],
    ['CN=client,O=Acme,C=US', 'CN=CLIENT,O=acme,C=us'],
    ['CN=client,O=Acme,C=US', '2.5.4.3=client,2.5.4.10=Acme,2.5.4.6=US'],
    ['O=Acme\\, Inc.', 'O="Acme, Inc."'],
    ['O=Acme\\, Inc.', 'O=Acme\\2C Inc.'],
    ['CN=a+UID=b,O=c', 'UID=b+CN=a,O=c'],
    ['CN=Hello', 'CN=#0c0548656c6c6f'],
    ['CN=Hello', 'CN=#130548656c6c6f'], // PrintableString: same text, other encoding
    ['CN=a   b', 'CN=a b'],
    ['CN=a\\ \\ b', 'CN=a b'],
    ['CN=ＡＣＭＥ', 'CN=acme'], // NFKC: full-width
    ['CN=Straße', 'CN=STRASSE'], // full case folding
    ['CN=caf\\C3\\A9', 'CN=CAFÉ'],
    ['CN=cafe\u0301', 'CN=café'], // combining accent vs precomposed
    ['CN=a\u00a0b', 'CN=a b'], // no-break space
    ['CN=soft\u00adhyphen', 'CN=softhyphen'],
    ['E=a@b.example', 'EMAILADDRESS=a@b.example'],
    ['CN=a;O=b', 'CN=a,O=b'],
    ['', ''],
    ['2.5.4.97=#020105', '2.5.4.97=#020105'],
  ];
  for (const [a, b] of equal) {
    it(`${JSON.stringify(a)} = ${JSON.stringify(b)}`, () => {
      expect(dnEquals(a, b)).toBe(true);
      expect(dnEquals(b, a)).toBe(true);
    });
  }

  const different: [string, string][] = [
    ['CN=client,O=Acme,C=US', 'CN=clients,O=Acme,C=US'],
    ['CN=client,O=Acme,C=US', 'CN=client,O=Acme,C=UK'],
    ['CN=client,O=Acme,C=US', 'C=US,O=Acme,CN=client'], // RDN order is significant
    ['CN=client,O=Acme,C=US', 'CN=client,O=Acme'],
    ['CN=client,O=Acme', 'CN=client+O=Acme'], // two RDNs are not one multi-valued RDN
    ['CN=a+UID=b', 'CN=a+UID=c'],
    ['CN=a+UID=b', 'CN=a+UID=b+O=c'],
    ['CN=a+CN=a', 'CN=a'],
    ['CN=client', 'OU=client'],
    ['O=Acme\\, Inc.', 'O=Acme Inc.'],
    ['CN=ab', 'CN=a b'],
    ['CN=evil\\00.example', 'CN=evil.example'], // control characters stay significant
    ['2.5.4.97=#020105', '2.5.4.97=#020106'],
    ['2.5.4.97=#020105', '2.5.4.97=05'], // INTEGER vs a string
    ['CN=a', 'CN=a,'], // unparseable equals nothing
    ['XX=a', 'XX=a'],
  ];
  for (const [a, b] of different) {
    it(`${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`, () => {
      expect(dnEquals(a, b)).toBe(false);
      expect(dnEquals(b, a)).toBe(false);
    });
  }

  it('formatDn output parses back to an equal DN, whatever the values', () => {
    const type = fc.constantFrom(CN, O, C, UID, '2.5.4.97', '1.2.840.113549.1.9.1');
    const value = fc.string({ maxLength: 12, unit: fc.constantFrom('a', 'Z', ' ', ',', '+', '"', '\\', '<', '>', ';', '#', '=', 'é', '日', '\u0000', '\n') });
    const rdn = fc.array(fc.record({ type, text: value, ber: fc.constant(null) }), { minLength: 1, maxLength: 3 });
    fc.assert(
      fc.property(fc.array(rdn, { maxLength: 4 }), (rdns: Rdn[]) => {
        const printed = formatDn(rdns);
        expect(rdnSequencesEqual(parseDn(printed), rdns)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('certificates', () => {
  let root: Issued;
  let client: Issued;
  beforeAll(async () => {
    root = await createCa();
    client = await createLeaf({ issuer: root, subject: 'CN=client,O=Acme\\, Inc.,C=US' });
  });

  const leafWith = async (subject: string | x509.Name) => (await createLeaf({ issuer: root, subject })).der;

  it('prints the subject most-specific first, escaped as RFC 4514 says', async () => {
    expect(certificateSubjectDn(client.der)).toBe('CN=client,O=Acme\\, Inc.,C=US');
    expect(certificateSubjectDn(root.der)).toBe('CN=Test Root CA');
    expect(certificateSubjectDn(await leafWith('CN=a+UID=b,DC=example,DC=com'))).toBe('CN=a+UID=b,DC=example,DC=com');
    expect(certificateSubjectDn(await leafWith('CN=\\#1\\ ,O=x\\;y'))).toBe('CN=\\#1\\ ,O=x\\;y');
  });

  it('prints unknown types and non-string values as #hex', async () => {
    const der = await leafWith('CN=x,1.2.3.4=#0c0141,2.5.4.97=#020105');
    expect(certificateSubjectDn(der)).toBe('CN=x,1.2.3.4=#0c0141,ORGANIZATIONIDENTIFIER=#020105');
    expect(dnMatchesCertificate('CN=x,1.2.3.4=A,2.5.4.97=#020105', der)).toBe(true);
  });

  it('the printed subject matches its certificate', async () => {
    for (const subject of ['CN=client,O=Acme\\, Inc.,C=US', 'CN=a+UID=b,O=c', 'CN=caf\\C3\\A9 \\E6\\97\\A5', 'CN=\\#lead,O=\\ x\\ ']) {
      const der = await leafWith(subject);
      expect(dnMatchesCertificate(certificateSubjectDn(der), der), subject).toBe(true);
      expect(dnMatchesCertificate(subject, der), subject).toBe(true);
    }
  });

  it('matches registered DN variants against the ASN.1 name', () => {
    for (const registered of [
      'CN=client,O=Acme\\, Inc.,C=US',
      'cn=client, o=Acme\\, Inc., c=US',
      'CN = CLIENT ; O = "acme, inc." ; C = us',
      '2.5.4.3=client,2.5.4.10=Acme\\2c Inc.,2.5.4.6=#13025553',
    ]) {
      expect(dnMatchesCertificate(registered, client.der), registered).toBe(true);
    }
  });

  it('refuses near misses', () => {
    for (const registered of [
      'CN=client,O=Acme Inc.,C=US',
      'CN=client1,O=Acme\\, Inc.,C=US',
      'C=US,O=Acme\\, Inc.,CN=client', // ASN.1 order written as if it were RFC 4514
      'CN=client,O=Acme\\, Inc.',
      'CN=client,O=Acme\\, Inc.,C=US,DC=com',
      'CN=client+O=Acme\\, Inc.,C=US',
    ]) {
      expect(dnMatchesCertificate(registered, client.der), registered).toBe(false);
    }
  });

  it('matches a multi-valued RDN whichever order the certificate or the registration uses', async () => {
    const ab = await leafWith('CN=a+UID=b,O=c');
    const ba = await leafWith('UID=b+CN=a,O=c');
    // The generator keeps the written order inside the SET, so the two encodings really differ.
    expect(certificateSubjectDn(ab)).toBe('CN=a+UID=b,O=c');
    expect(certificateSubjectDn(ba)).toBe('UID=b+CN=a,O=c');
    for (const der of [ab, ba]) {
      expect(dnMatchesCertificate('CN=a+UID=b,O=c', der)).toBe(true);
      expect(dnMatchesCertificate('UID=b+CN=a,O=c', der)).toBe(true);
      expect(dnMatchesCertificate('CN=a,UID=b,O=c', der)).toBe(false);
    }
  });

  it('compares text across string encodings (BMPString, UTF8String, PrintableString)', async () => {
    const name = new x509.Name([{ [C]: [{ printableString: 'US' }] }, { [CN]: [{ bmpString: 'Zoë' }] }]);
    const der = await leafWith(name);
    expect(certificateSubjectDn(der)).toBe('CN=Zoë,C=US');
    expect(dnMatchesCertificate('CN=ZOË,C=US', der)).toBe(true);
    expect(dnMatchesCertificate('CN=#0c045a6fc3ab,C=US', der)).toBe(true); // the UTF8String encoding
  });

  it('matches a #hex registration against the encoded value', async () => {
    const der = await leafWith('CN=x,2.5.4.97=#020105');
    expect(dnMatchesCertificate('CN=x,2.5.4.97=#020105', der)).toBe(true);
    expect(dnMatchesCertificate('CN=x,2.5.4.97=#020106', der)).toBe(false);
    expect(dnMatchesCertificate('CN=x,2.5.4.97=5', der)).toBe(false);
  });

  it('is false, not an exception, for bad registrations and bad certificates', () => {
    expect(dnMatchesCertificate('', client.der)).toBe(false);
    expect(dnMatchesCertificate('CN=client,', client.der)).toBe(false);
    expect(dnMatchesCertificate('CN=client', new Uint8Array([1, 2, 3]))).toBe(false);
    expect(dnMatchesCertificate('CN=client', client.der.slice(0, 100))).toBe(false);
    expect(() => certificateSubjectDn(new Uint8Array([0x30, 0x00]))).toThrow();
  });
});
