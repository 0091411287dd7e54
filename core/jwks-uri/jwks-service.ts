/**
 * `ctx.services.jwks`: the core's fetch of client `jwks_uri` documents, handed to bundles at run time
 * so the fetch rules (https only, size and time bounds, redirects) are fixed in one place. Each
 * caller gets its own cache with its own freshness settings; the bounds come from `[limits]`.
 */
import type { JwksCacheOptions, JwksService } from '../api/plugin-context.ts';
import type { TesseraConfig } from '../config/schema.ts';
import { createJwksFetcher } from './jwks-uri-fetch.ts';
import { JwksUriDocumentCache } from './jwks-uri-cache.ts';
import { systemClock, type Clock } from '../time/clock.ts';

const MAX_REDIRECTS = 3;

export function createJwksService(limits: Pick<TesseraConfig['limits'], 'jwks_uri_timeout_ms' | 'jwks_uri_max_bytes'>, clock: Clock = systemClock): JwksService {
  return {
    cache(options: JwksCacheOptions) {
      const fetcher = createJwksFetcher({ timeoutMs: limits.jwks_uri_timeout_ms, maxBytes: limits.jwks_uri_max_bytes, maxRedirects: MAX_REDIRECTS, extraCa: options.extraCa ?? null });
      return new JwksUriDocumentCache(fetcher, { ...options, maxKeys: options.maxKeys ?? 100, now: () => clock.now() });
    },
  };
}

