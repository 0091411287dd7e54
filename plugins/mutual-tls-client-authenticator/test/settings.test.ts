/** What the bundle reads from the configuration, and how it refuses a bad table of its own. */
import { describe, expect, it } from 'vitest';
import { SettingsError, readSettings } from '../src/settings.ts';

const config = (over: { mutualtls?: object; https?: object; limits?: object } = {}) => ({
  oauth: { mutualtls: { trust_anchors: '', ...over.mutualtls } },
  transport: { https: { truststore: '', ...over.https } },
  limits: { max_chain_depth: 5, jwks_uri_max_bytes: 65536, jwks_uri_timeout_ms: 3000, max_certificates_per_client: 10, ...over.limits },
});

describe('readSettings', () => {
  it('has the documented defaults and no trust anchors when none are configured', () => {
    const s = readSettings(config(), {});
    expect(s).toMatchObject({ trustAnchorsFile: null, trustAnchorsKey: null, maxChainDepth: 5, maxCertificatesPerClient: 10, checkExtendedKeyUsage: true });
    expect(s.jwksUri).toEqual({ timeoutMs: 3000, maxBytes: 65536, cacheMs: 300_000, refetchIntervalMs: 30_000, caFile: null, maxRedirects: 3 });
  });

  it('takes trust_anchors before the transport truststore', () => {
    expect(readSettings(config({ https: { truststore: '/t.pem' } }), {})).toMatchObject({ trustAnchorsFile: '/t.pem', trustAnchorsKey: 'transport.https.truststore' });
    expect(readSettings(config({ mutualtls: { trust_anchors: '/a.pem' }, https: { truststore: '/t.pem' } }), {})).toMatchObject({
      trustAnchorsFile: '/a.pem',
      trustAnchorsKey: 'oauth.mutualtls.trust_anchors',
    });
  });

  it('reads [limits] and its own table', () => {
    const s = readSettings(config({ limits: { max_chain_depth: 2, jwks_uri_timeout_ms: 250, jwks_uri_max_bytes: 1024 } }), {
      jwks_uri_cache_seconds: 60,
      jwks_uri_refetch_interval_seconds: 0.5,
      jwks_uri_ca_file: '/etc/ca.pem',
      check_extended_key_usage: false,
    });
    expect(s).toMatchObject({ maxChainDepth: 2, checkExtendedKeyUsage: false });
    expect(s.jwksUri).toMatchObject({ timeoutMs: 250, maxBytes: 1024, cacheMs: 60_000, refetchIntervalMs: 500, caFile: '/etc/ca.pem' });
  });

  it.each([
    [{ jwks_uri_cache_seconds: -1 }, /jwks_uri_cache_seconds must be a number of seconds/],
    [{ jwks_uri_refetch_interval_seconds: '30' }, /jwks_uri_refetch_interval_seconds must be a number/],
    [{ jwks_uri_ca_file: 'relative/ca.pem' }, /jwks_uri_ca_file must be an absolute path/],
    [{ check_extended_key_usage: 'yes' }, /check_extended_key_usage must be true or false/],
  ])('refuses %j', (table, message) => {
    expect(() => readSettings(config(), table)).toThrow(SettingsError);
    expect(() => readSettings(config(), table)).toThrow(message);
  });

  it('warns about keys it does not know', () => {
    const warnings: string[] = [];
    readSettings(config(), { jwks_cache: 5 }, (m) => warnings.push(m));
    expect(warnings).toEqual([expect.stringContaining('unknown key "jwks_cache"')]);
  });
});
