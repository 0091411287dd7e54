/**
 * `[plugins.private-key-jwt-client-authenticator]`, checked here (nobody else validates a bundle's
 * table): a wrong value throws, which stops start-up while the authenticator is enabled (fail closed).
 */
export interface JwtAuthSettings {
  /** `signing_alg_values`: the JWS algorithms accepted (and published), never `none`. */
  readonly signingAlgs: readonly string[];
  /** `max_assertion_lifetime_seconds`: the furthest `exp` may lie ahead of now (bounds the jti memory). */
  readonly maxLifetimeSeconds: number;
  /** `[oauth] clock_skew` */
  readonly clockSkewSeconds: number;
  readonly jwksUri: { readonly cacheMs: number; readonly refetchIntervalMs: number };
}

export const ASYMMETRIC_ALGS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export const HMAC_ALGS = ['HS256', 'HS384', 'HS512'] as const;
const KNOWN_ALGS: readonly string[] = [...ASYMMETRIC_ALGS, ...HMAC_ALGS];

export const DEFAULTS = {
  signingAlgs: ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256'],
  maxLifetimeSeconds: 300,
  clockSkewSeconds: 30,
  jwksUriCacheSeconds: 300,
  jwksUriRefetchIntervalSeconds: 30,
} as const;

const KEYS = ['signing_alg_values', 'max_assertion_lifetime_seconds', 'jwks_uri_cache_seconds', 'jwks_uri_refetch_interval_seconds'] as const;

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

const where = (key: string) => `[plugins.private-key-jwt-client-authenticator] ${key}`;

export function readSettings(
  config: Readonly<Record<string, unknown>>,
  plugin: Readonly<Record<string, unknown>>,
  warn: (message: string) => void = () => {},
): JwtAuthSettings {
  for (const key of Object.keys(plugin)) {
    if (!(KEYS as readonly string[]).includes(key)) warn(`${where(key)}: unknown key ignored (known: ${KEYS.join(', ')})`);
  }
  const oauth = typeof config.oauth === 'object' && config.oauth !== null ? (config.oauth as Record<string, unknown>) : {};
  return {
    signingAlgs: algs(plugin.signing_alg_values),
    maxLifetimeSeconds: seconds(plugin, 'max_assertion_lifetime_seconds', DEFAULTS.maxLifetimeSeconds),
    clockSkewSeconds: Number.isInteger(oauth.clock_skew) && (oauth.clock_skew as number) >= 0 ? (oauth.clock_skew as number) : DEFAULTS.clockSkewSeconds,
    jwksUri: {
      cacheMs: 1000 * seconds(plugin, 'jwks_uri_cache_seconds', DEFAULTS.jwksUriCacheSeconds),
      refetchIntervalMs: 1000 * seconds(plugin, 'jwks_uri_refetch_interval_seconds', DEFAULTS.jwksUriRefetchIntervalSeconds),
    },
  };
}

function algs(value: unknown): string[] {
  if (value === undefined) return [...DEFAULTS.signingAlgs];
  if (!Array.isArray(value) || value.length === 0 || value.some((v) => typeof v !== 'string')) {
    throw new SettingsError(`${where('signing_alg_values')} must be a non-empty list of JWS algorithm names`);
  }
  const unknown = value.filter((v) => !KNOWN_ALGS.includes(v as string));
  if (unknown.length > 0) {
    throw new SettingsError(`${where('signing_alg_values')}: unsupported ${unknown.join(', ')} ("none" is never accepted); known: ${KNOWN_ALGS.join(', ')}`);
  }
  return [...new Set(value as string[])];
}

function seconds(plugin: Readonly<Record<string, unknown>>, key: string, fallback: number): number {
  const value = plugin[key];
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 86_400) {
    throw new SettingsError(`${where(key)} must be a whole number of seconds between 1 and 86400`);
  }
  return value as number;
}
