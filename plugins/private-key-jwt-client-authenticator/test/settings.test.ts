/** `[plugins.private-key-jwt-client-authenticator]`: defaults, and every wrong value refused (fail closed). */
import { describe, expect, it } from 'vitest';
import { SettingsError, readSettings } from '../src/settings.ts';

describe('readSettings', () => {
  it('defaults: RS256, PS256, ES256, EdDSA, HS256; 300 s assertions; [oauth] clock_skew', () => {
    expect(readSettings({ oauth: { clock_skew: 12 } }, {})).toEqual({
      signingAlgs: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'],
      maxLifetimeSeconds: 300,
      clockSkewSeconds: 12,
      jwksUri: { cacheMs: 300_000, refetchIntervalMs: 30_000 },
    });
  });

  it('takes a narrower algorithm list and its own lifetimes', () => {
    const settings = readSettings({}, { signing_alg_values: ['PS256', 'ES256'], max_assertion_lifetime_seconds: 60, jwks_uri_cache_seconds: 10, jwks_uri_refetch_interval_seconds: 5 });
    expect(settings).toMatchObject({ signingAlgs: ['PS256', 'ES256'], maxLifetimeSeconds: 60, jwksUri: { cacheMs: 10_000, refetchIntervalMs: 5_000 } });
  });

  it.each([
    [{ signing_alg_values: ['none'] }, /"none" is never accepted/],
    [{ signing_alg_values: ['ES256', 'HS1'] }, /unsupported HS1/],
    [{ signing_alg_values: [] }, /non-empty list/],
    [{ signing_alg_values: 'ES256' }, /non-empty list/],
    [{ max_assertion_lifetime_seconds: 0 }, /between 1 and 86400/],
    [{ max_assertion_lifetime_seconds: 100_000 }, /between 1 and 86400/],
    [{ jwks_uri_cache_seconds: '300' }, /whole number/],
  ])('refuses %j', (plugin, message) => {
    expect(() => readSettings({}, plugin)).toThrow(SettingsError);
    expect(() => readSettings({}, plugin)).toThrow(message);
  });

  it('warns about an unknown key and ignores it', () => {
    const warnings: string[] = [];
    readSettings({}, { signing_algs: ['ES256'] }, (m) => warnings.push(m));
    expect(warnings).toEqual([expect.stringContaining('unknown key ignored')]);
  });
});
