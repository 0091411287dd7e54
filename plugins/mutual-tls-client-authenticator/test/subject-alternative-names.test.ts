import { isIP } from 'node:net';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Issued, createCa, createLeaf, createSelfSigned } from '../../../test/support/pki.ts';
import { parseIpAddress } from '../src/ip-address.ts';
import { certificateSans, sanDnsMatches, sanEmailMatches, sanIpMatches, sanUriMatches } from '../src/subject-alternative-names.ts';
import { x509Service } from '../../../core/plugins/x509-service.ts';
import { installX509 } from '../src/x509.ts';

// Unit tests call the bundle's modules without activate(): hand them the core's service as it would.
installX509(x509Service);

let root: Issued;
let client: Issued;
let bare: Issued;

beforeAll(async () => {
  root = await createCa();
  client = await createLeaf({
    issuer: root,
    subject: 'CN=client',
    san: {
      dns: ['client.example.com', 'Mixed.Example.ORG', '*.wild.example'],
      uri: ['spiffe://example.com/ns/prod/sa/client', 'https://client.example.com/Path?q=1'],
      ip: ['192.0.2.10', '2001:db8::1', '::ffff:198.51.100.7'],
      email: ['Alice.Smith@Example.COM'],
    },
  });
  bare = await createLeaf({ issuer: root, subject: 'CN=no sans' });
});

describe('certificateSans', () => {
  it('reads every kind, in certificate order, IPs as raw octets', () => {
    expect(certificateSans(client.der)).toEqual({
      dns: ['client.example.com', 'Mixed.Example.ORG', '*.wild.example'],
      uri: ['spiffe://example.com/ns/prod/sa/client', 'https://client.example.com/Path?q=1'],
      ip: [
        new Uint8Array([192, 0, 2, 10]),
        new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 7]),
      ],
      email: ['Alice.Smith@Example.COM'],
    });
  });

  it('is empty for a certificate without subjectAltName', () => {
    expect(certificateSans(bare.der)).toEqual({ dns: [], uri: [], ip: [], email: [] });
  });

  it('throws on something that is not a certificate', () => {
    expect(() => certificateSans(new Uint8Array([0x30, 0x01, 0x00]))).toThrow();
  });
});

describe('sanDnsMatches', () => {
  it('matches ASCII case-insensitively, ignoring a trailing dot', () => {
    for (const registered of ['client.example.com', 'CLIENT.example.COM', 'client.example.com.', 'mixed.example.org', 'Mixed.Example.ORG.']) {
      expect(sanDnsMatches(registered, client.der), registered).toBe(true);
    }
  });

  it('does not expand wildcards either way, nor accept partial names', () => {
    for (const registered of ['*.example.com', 'a.wild.example', 'example.com', 'client.example', 'client.example.com..', 'xclient.example.com', '', '.']) {
      expect(sanDnsMatches(registered, client.der), registered).toBe(false);
    }
    expect(sanDnsMatches('*.wild.example', client.der)).toBe(true); // the literal entry
  });

  it('does not fold non-ASCII look-alikes (Kelvin sign K)', async () => {
    const der = (await createLeaf({ issuer: root, subject: 'CN=k', san: { dns: ['k.example'] } })).der;
    expect(sanDnsMatches('\u212a.example', der)).toBe(false);
    expect(sanDnsMatches('K.example', der)).toBe(true);
  });

  it('is false without SANs or for a non-certificate', () => {
    expect(sanDnsMatches('client.example.com', bare.der)).toBe(false);
    expect(sanDnsMatches('client.example.com', new Uint8Array([1, 2, 3]))).toBe(false);
  });
});

describe('sanUriMatches', () => {
  it('matches the exact string only', () => {
    expect(sanUriMatches('spiffe://example.com/ns/prod/sa/client', client.der)).toBe(true);
    expect(sanUriMatches('https://client.example.com/Path?q=1', client.der)).toBe(true);
    for (const registered of [
      'spiffe://example.com/ns/prod/sa/client/',
      'SPIFFE://example.com/ns/prod/sa/client',
      'https://client.example.com/path?q=1',
      'https://CLIENT.example.com/Path?q=1',
      'spiffe://example.com/ns/prod/sa',
      '',
    ]) {
      expect(sanUriMatches(registered, client.der), registered).toBe(false);
    }
  });
});

describe('sanEmailMatches', () => {
  it('compares the domain case-insensitively and the local part exactly', () => {
    expect(sanEmailMatches('Alice.Smith@Example.COM', client.der)).toBe(true);
    expect(sanEmailMatches('Alice.Smith@example.com', client.der)).toBe(true);
    for (const registered of ['alice.smith@example.com', 'ALICE.SMITH@Example.COM', 'Alice.Smith@example.co', 'Alice.Smith', 'Example.COM', '']) {
      expect(sanEmailMatches(registered, client.der), registered).toBe(false);
    }
  });
});

describe('sanIpMatches', () => {
  it('matches IPv4 by value', () => {
    expect(sanIpMatches('192.0.2.10', client.der)).toBe(true);
    expect(sanIpMatches('192.0.2.1', client.der)).toBe(false);
    expect(sanIpMatches('192.0.2.100', client.der)).toBe(false);
  });

  it('matches IPv6 whatever the textual form', () => {
    for (const registered of ['2001:db8::1', '2001:DB8::1', '2001:db8:0:0:0:0:0:1', '2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::0:1']) {
      expect(sanIpMatches(registered, client.der), registered).toBe(true);
    }
    expect(sanIpMatches('2001:db8::2', client.der)).toBe(false);
  });

  it('keeps IPv4 and IPv6 apart: an IPv4-mapped address matches only a 16-octet SAN', () => {
    // The certificate holds 192.0.2.10 as 4 octets and ::ffff:198.51.100.7 as 16.
    expect(sanIpMatches('::ffff:192.0.2.10', client.der)).toBe(false);
    expect(sanIpMatches('198.51.100.7', client.der)).toBe(false);
    expect(sanIpMatches('::ffff:198.51.100.7', client.der)).toBe(true);
    expect(sanIpMatches('::FFFF:c633:6407', client.der)).toBe(true);
    expect(sanIpMatches('0:0:0:0:0:ffff:198.51.100.7', client.der)).toBe(true);
  });

  it('never matches an unparseable registration', () => {
    for (const registered of ['', ' 192.0.2.10', '192.0.2.10 ', '192.0.2.010', '192.0.2', '192.0.2.10/32', '[2001:db8::1]', '2001:db8::1%eth0', 'localhost', '2001:db8::1::']) {
      expect(sanIpMatches(registered, client.der), registered).toBe(false);
    }
  });

  it('works on self-signed certificates too', async () => {
    const self = await createSelfSigned({ subject: 'CN=self', keyAlg: 'EC', san: { ip: ['10.0.0.1'] } });
    expect(sanIpMatches('10.0.0.1', self.der)).toBe(true);
  });
});

describe('parseIpAddress', () => {
  const v6 = (hex: string) => new Uint8Array(Buffer.from(hex.replace(/ /g, ''), 'hex'));
  const good: [string, Uint8Array][] = [
    ['0.0.0.0', new Uint8Array(4)],
    ['255.255.255.255', new Uint8Array([255, 255, 255, 255])],
    ['::', new Uint8Array(16)],
    ['::1', v6('0000 0000 0000 0000 0000 0000 0000 0001')],
    ['1::', v6('0001 0000 0000 0000 0000 0000 0000 0000')],
    ['1:2:3:4:5:6:7:8', v6('0001 0002 0003 0004 0005 0006 0007 0008')],
    ['1:2:3:4:5:6:7::', v6('0001 0002 0003 0004 0005 0006 0007 0000')],
    ['::2:3:4:5:6:7:8', v6('0000 0002 0003 0004 0005 0006 0007 0008')],
    ['fe80::1:2', v6('fe80 0000 0000 0000 0000 0000 0001 0002')],
    ['::ffff:1.2.3.4', v6('0000 0000 0000 0000 0000 ffff 0102 0304')],
    ['64:ff9b::192.0.2.33', v6('0064 ff9b 0000 0000 0000 0000 c000 0221')],
    ['1:2:3:4:5:6:1.2.3.4', v6('0001 0002 0003 0004 0005 0006 0102 0304')],
  ];
  for (const [textForm, bytes] of good) {
    it(`parses ${textForm}`, () => expect(parseIpAddress(textForm)).toEqual(bytes));
  }

  const bad = [
    '', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1.2.3.4.', '0x1.2.3.4', '1..3.4', ':', ':::', '1:::2', '1::2::3',
    '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8::', '::1:2:3:4:5:6:7:8', '12345::', 'g::', '1:2:3:4:5:6:7', ':1::', '1::2:',
    '1.2.3.4::', '::1.2.3.4:1', '1:2:3:4:5:6:7:1.2.3.4', '::1.2.3', 'fe80::1%1', '[::1]', ' ::1', '::1 ',
  ];
  for (const textForm of bad) {
    it(`refuses ${JSON.stringify(textForm)}`, () => expect(parseIpAddress(textForm)).toBeNull());
  }

  it('agrees with node:net on what is an address, and with itself on every spelling', () => {
    const hexGroup = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
    fc.assert(
      fc.property(fc.array(hexGroup, { minLength: 8, maxLength: 8 }), fc.nat({ max: 8 }), fc.nat({ max: 8 }), (groups, from, len) => {
        const full = groups.join(':');
        const bytes = parseIpAddress(full);
        expect(bytes).not.toBeNull();
        // Compress any run of zero groups, as RFC 5952 writers do.
        const zeroed = groups.map((g, i) => (i >= from && i < from + len ? '0' : g));
        const end = Math.min(from + len, 8);
        const compressed = end - from >= 1 ? `${zeroed.slice(0, from).join(':')}::${zeroed.slice(end).join(':')}` : zeroed.join(':');
        expect(parseIpAddress(compressed)).toEqual(parseIpAddress(zeroed.join(':')));
        expect(isIP(compressed)).toBe(6);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 45, unit: fc.constantFrom('0', '1', 'a', 'F', ':', '.', '9', '2', '5') }), (s) => {
        const bytes = parseIpAddress(s);
        const node = isIP(s);
        expect(bytes === null ? 0 : bytes.length === 4 ? 4 : 6, s).toBe(node === 4 && /(^|\.)0\d/.test(s) ? 0 : node);
      }),
      { numRuns: 3000 },
    );
  });
});
