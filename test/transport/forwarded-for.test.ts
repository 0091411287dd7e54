import { describe, expect, it } from 'vitest';
import { forwardedClientAddress } from '../../core/transport/forwarded-for.ts';
import { TrustedProxies } from '../../core/transport/trusted-proxies.ts';

const proxies = new TrustedProxies(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);

describe('the client address behind trusted proxies (X-Forwarded-For)', () => {
  it.each([
    ['an untrusted peer, whatever it forwards', '198.51.100.1', '203.0.113.7', '198.51.100.1'],
    ['a trusted peer without the header', '10.0.0.10', undefined, '10.0.0.10'],
    ['a trusted peer naming the client', '10.0.0.10', '203.0.113.7', '203.0.113.7'],
    ['entries the client wrote itself, left of the last untrusted one', '10.0.0.10', '1.1.1.1, 8.8.8.8, 203.0.113.7', '203.0.113.7'],
    ['a chain of trusted proxies', '127.0.0.1', '203.0.113.7, 10.1.2.3,10.0.0.10', '203.0.113.7'],
    ['only trusted proxies: the farthest one', '10.0.0.10', '10.9.9.9, 10.0.0.11', '10.9.9.9'],
    ['a malformed last entry: the peer', '10.0.0.10', 'not-an-address', '10.0.0.10'],
    ['a malformed entry behind trusted hops: the last hop a proxy vouched for', '10.0.0.10', '1.1.1.1, junk, 10.0.0.11', '10.0.0.11'],
    ['an address with a port (not X-Forwarded-For syntax)', '10.0.0.10', '203.0.113.7:4711', '10.0.0.10'],
    ['IPv6', 'fd00::1', '2001:db8::7', '2001:db8::7'],
    ['an IPv4-mapped trusted peer', '::ffff:10.0.0.10', '203.0.113.7', '203.0.113.7'],
    ['the header sent twice (joined in order)', '10.0.0.10', ['1.1.1.1', '203.0.113.7'], '203.0.113.7'],
    ['an empty header', '10.0.0.10', '', '10.0.0.10'],
  ] as const)('%s', (_case, peer, header, expected) => {
    expect(forwardedClientAddress(peer, header as string | string[] | undefined, proxies)).toBe(expected);
  });

  it('reads a long header only so far from the right', () => {
    const trustedHops = Array.from({ length: 30 }, (_, i) => `10.0.${i}.1`);
    expect(forwardedClientAddress('10.0.0.10', ['203.0.113.7', ...trustedHops].join(', '), proxies)).toBe('10.0.10.1');
  });
});
