/**
 * One fetch of a client's `jwks_uri` (RFC 7591 §2: RFC 8705 §2.2.2 certificates, RFC 7523 assertion
 * keys), bounded because the
 * URL is client metadata, not ours: https only (http only to a loopback address), at most
 * `maxRedirects` redirects each held to the same rule, one deadline for the whole exchange, the body
 * cut off past `maxBytes`. Never throws: the result says what went wrong, for the operator's log.
 */
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';

export type JwksFetchResult = { readonly jwks: { keys: unknown[] } } | { readonly problem: string };

export function isJwkSet(value: unknown): value is { keys: unknown[] } {
  return typeof value === 'object' && value !== null && Array.isArray((value as { keys?: unknown }).keys);
}

export interface JwksFetchOptions {
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxRedirects: number;
  /** Extra CA certificates (PEM) trusted next to the system roots, e.g. an internal CA. */
  readonly extraCa?: string | null;
}

export type JwksFetcher = (uri: string) => Promise<JwksFetchResult>;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * A fetcher with its own connection pool per fetch: documents are fetched rarely (cached,
 * rate-limited), and a pool that lives no longer than its fetch needs no shutdown hook.
 */
export function createJwksFetcher(options: JwksFetchOptions): JwksFetcher {
  return async (uri) => {
    const agent = new Agent({
      connect: {
        ...(options.extraCa ? { ca: [...rootCertificates, options.extraCa] } : {}),
        timeout: options.timeoutMs,
      },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    try {
      return await fetchJwks(uri, options, agent);
    } finally {
      agent.destroy().catch(() => {});
    }
  };
}

async function fetchJwks(uri: string, options: JwksFetchOptions, agent: Agent): Promise<JwksFetchResult> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let url = uri;
  try {
    for (let hop = 0; ; hop++) {
      const refused = refusedUrl(url);
      if (refused) return { problem: hop === 0 ? refused : `redirect to ${refused}` };
      const response = await request(url, {
        method: 'GET',
        headers: { accept: 'application/jwk-set+json, application/json' },
        dispatcher: agent,
        signal,
      });
      if (REDIRECTS.has(response.statusCode)) {
        await response.body.dump();
        const location = response.headers.location;
        if (typeof location !== 'string') return { problem: `HTTP ${response.statusCode} without a Location` };
        if (hop >= options.maxRedirects) return { problem: `more than ${options.maxRedirects} redirects` };
        url = new URL(location, url).href;
        continue;
      }
      if (response.statusCode !== 200) {
        await response.body.dump();
        return { problem: `HTTP ${response.statusCode}` };
      }
      const declared = Number(response.headers['content-length']);
      if (Number.isFinite(declared) && declared > options.maxBytes) {
        response.body.destroy();
        return { problem: `document larger than ${options.maxBytes} bytes` };
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        size += (chunk as Buffer).length;
        if (size > options.maxBytes) {
          response.body.destroy();
          return { problem: `document larger than ${options.maxBytes} bytes` };
        }
        chunks.push(chunk as Buffer);
      }
      let document: unknown;
      try {
        document = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return { problem: 'document is not JSON' };
      }
      if (!isJwkSet(document)) return { problem: 'document is not a JWK Set (no "keys" array)' };
      return { jwks: document };
    }
  } catch (e) {
    if (signal.aborted) return { problem: `no complete answer within ${options.timeoutMs} ms` };
    return { problem: describe(e) };
  }
}

/** Why `url` may not be fetched, or null. */
function refusedUrl(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'an invalid URL';
  }
  if (parsed.protocol === 'https:') return null;
  if (parsed.protocol === 'http:' && isLoopback(parsed.hostname)) return null;
  return `a non-https URL (${parsed.protocol}//${parsed.host}); http is allowed for loopback addresses only`;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

function describe(e: unknown): string {
  const err = e as { message?: string; code?: string; cause?: { message?: string; code?: string } };
  const cause = err.cause?.message ? ` (${err.cause.message})` : '';
  return `${err.message ?? String(e)}${cause}`;
}
