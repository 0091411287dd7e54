/**
 * `[oauth.mutualtls.revocation]`, as the core validated it (core/config/schema.ts): read from the
 * configuration handed to `activate`, checked again here because a bundle trusts no shape it did not
 * check. Paths in `crl_files` are already absolute (the loader resolves them against the config folder).
 */
export type RevocationMode = 'off' | 'soft_fail' | 'hard_fail';

export interface RevocationSettings {
  readonly mode: RevocationMode;
  readonly crlFiles: readonly string[];
  readonly crlDistributionPoints: boolean;
  readonly ocsp: boolean;
  /** Null: the responder the certificate names (AIA). */
  readonly ocspResponderUrl: string | null;
  readonly cacheMs: number;
  readonly fetchTimeoutMs: number;
  readonly maxResponseBytes: number;
  readonly checkBoundTokens: boolean;
}

const KEY = '[oauth.mutualtls.revocation]';

export function readSettings(config: Readonly<Record<string, unknown>>): RevocationSettings {
  const oauth = record(config.oauth);
  const section = record(record(oauth.mutualtls).revocation);
  const mode = section.mode ?? 'off';
  if (mode !== 'off' && mode !== 'soft_fail' && mode !== 'hard_fail') throw new Error(`${KEY} mode must be off, soft_fail or hard_fail`);
  const crlFiles = section.crl_files ?? [];
  if (!Array.isArray(crlFiles) || !crlFiles.every((f) => typeof f === 'string' && f !== '')) throw new Error(`${KEY} crl_files must be a list of paths`);
  const url = section.ocsp_responder_url ?? '';
  if (typeof url !== 'string' || (url !== '' && !/^https?:\/\//.test(url))) throw new Error(`${KEY} ocsp_responder_url must be empty or an http(s) URL`);
  return {
    mode,
    crlFiles,
    crlDistributionPoints: bool(section.crl_distribution_points, 'crl_distribution_points'),
    ocsp: bool(section.ocsp, 'ocsp'),
    ocspResponderUrl: url === '' ? null : url,
    cacheMs: positive(section.cache_seconds ?? 300, 'cache_seconds') * 1000,
    fetchTimeoutMs: positive(section.fetch_timeout_ms ?? 2000, 'fetch_timeout_ms'),
    maxResponseBytes: positive(section.max_response_bytes ?? 1_048_576, 'max_response_bytes'),
    checkBoundTokens: bool(section.check_bound_tokens, 'check_bound_tokens'),
  };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function bool(value: unknown, key: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new Error(`${KEY} ${key} must be true or false`);
  return value;
}

function positive(value: unknown, key: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new Error(`${KEY} ${key} must be a positive integer`);
  return value;
}
