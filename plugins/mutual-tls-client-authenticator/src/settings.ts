/**
 * What the authenticator reads from deployment.toml. The core validated the file; this picks the keys
 * out of the read-only configuration handed to `activate(ctx)` (defensively: a missing key reads as
 * its documented default) and checks the bundle's own `[plugins.mutual-tls-client-authenticator]`
 * table, which nobody else validates. A wrong value there throws: an enabled bundle then stops
 * start-up with the message, rather than authenticating with settings nobody asked for.
 */
import { isAbsolute } from 'node:path';

export interface AuthenticatorSettings {
  /** Absolute PEM bundle path: `[oauth.mutualtls] trust_anchors`, else `[transport.https] truststore`; null = none. */
  readonly trustAnchorsFile: string | null;
  /** Which key `trustAnchorsFile` came from, for messages. */
  readonly trustAnchorsKey: string | null;
  /** `[limits] max_chain_depth`: most certificates above the leaf (intermediates plus the anchor). */
  readonly maxChainDepth: number;
  /** `[limits] max_certificates_per_client`: most certificates taken from one jwks_uri document. */
  readonly maxCertificatesPerClient: number;
  readonly jwksUri: JwksUriSettings;
  /** Refuse a PKI client certificate whose extendedKeyUsage leaves out clientAuth. */
  readonly checkExtendedKeyUsage: boolean;
}

export interface JwksUriSettings {
  /** `[limits] jwks_uri_timeout_ms`: the whole fetch, redirects and body included. */
  readonly timeoutMs: number;
  /** `[limits] jwks_uri_max_bytes` */
  readonly maxBytes: number;
  /** How long a fetched document is used before it is fetched again. */
  readonly cacheMs: number;
  /** Least time between two fetches for one client (re-fetches on an unknown certificate included). */
  readonly refetchIntervalMs: number;
  /** Absolute path of extra CA certificates (PEM) trusted when fetching, or null for the system roots only. */
  readonly caFile: string | null;
  readonly maxRedirects: number;
}

export const DEFAULTS = {
  maxChainDepth: 5,
  maxCertificatesPerClient: 10,
  jwksUriTimeoutMs: 3000,
  jwksUriMaxBytes: 65536,
  jwksUriCacheSeconds: 300,
  jwksUriRefetchIntervalSeconds: 30,
  maxRedirects: 3,
} as const;

/** Keys of `[plugins.mutual-tls-client-authenticator]`. */
const PLUGIN_KEYS = ['jwks_uri_cache_seconds', 'jwks_uri_refetch_interval_seconds', 'jwks_uri_ca_file', 'check_extended_key_usage'] as const;

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

export function readSettings(
  config: Readonly<Record<string, unknown>>,
  plugin: Readonly<Record<string, unknown>>,
  warn: (message: string) => void = () => {},
): AuthenticatorSettings {
  const mutualtls = section(section(config, 'oauth'), 'mutualtls');
  const https = section(section(config, 'transport'), 'https');
  const limits = section(config, 'limits');

  const anchors = nonEmptyString(mutualtls.trust_anchors);
  const truststore = nonEmptyString(https.truststore);
  const trustAnchorsKey = anchors ? 'oauth.mutualtls.trust_anchors' : truststore ? 'transport.https.truststore' : null;

  for (const key of Object.keys(plugin)) {
    if (!(PLUGIN_KEYS as readonly string[]).includes(key)) {
      warn(`[plugins.mutual-tls-client-authenticator] unknown key "${key}" ignored (known: ${PLUGIN_KEYS.join(', ')})`);
    }
  }
  const caFile = optionalString(plugin, 'jwks_uri_ca_file');
  if (caFile !== null && !isAbsolute(caFile)) {
    throw new SettingsError(`[plugins.mutual-tls-client-authenticator] jwks_uri_ca_file must be an absolute path, got "${caFile}"`);
  }

  return {
    trustAnchorsFile: anchors ?? truststore ?? null,
    trustAnchorsKey,
    maxChainDepth: positiveInteger(limits.max_chain_depth, DEFAULTS.maxChainDepth),
    maxCertificatesPerClient: positiveInteger(limits.max_certificates_per_client, DEFAULTS.maxCertificatesPerClient),
    checkExtendedKeyUsage: optionalBoolean(plugin, 'check_extended_key_usage') ?? true,
    jwksUri: {
      timeoutMs: positiveInteger(limits.jwks_uri_timeout_ms, DEFAULTS.jwksUriTimeoutMs),
      maxBytes: positiveInteger(limits.jwks_uri_max_bytes, DEFAULTS.jwksUriMaxBytes),
      cacheMs: 1000 * (seconds(plugin, 'jwks_uri_cache_seconds') ?? DEFAULTS.jwksUriCacheSeconds),
      refetchIntervalMs: 1000 * (seconds(plugin, 'jwks_uri_refetch_interval_seconds') ?? DEFAULTS.jwksUriRefetchIntervalSeconds),
      caFile,
      maxRedirects: DEFAULTS.maxRedirects,
    },
  };
}

function section(parent: Readonly<Record<string, unknown>>, key: string): Readonly<Record<string, unknown>> {
  const value = parent[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function positiveInteger(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback;
}

function seconds(table: Readonly<Record<string, unknown>>, key: string): number | null {
  const value = table[key];
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new SettingsError(`[plugins.mutual-tls-client-authenticator] ${key} must be a number of seconds >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

function optionalString(table: Readonly<Record<string, unknown>>, key: string): string | null {
  const value = table[key];
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new SettingsError(`[plugins.mutual-tls-client-authenticator] ${key} must be a string, got ${JSON.stringify(value)}`);
  return value;
}

function optionalBoolean(table: Readonly<Record<string, unknown>>, key: string): boolean | null {
  const value = table[key];
  if (value === undefined) return null;
  if (typeof value !== 'boolean') throw new SettingsError(`[plugins.mutual-tls-client-authenticator] ${key} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}
