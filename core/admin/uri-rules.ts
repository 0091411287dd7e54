/**
 * The URL rules of registration: redirect URIs (RFC 6749 §3.1.2, RFC 8252 §7.3, OAuth 2.0 Security
 * BCP), `jwks_uri` and issuers. Each check returns what is wrong, or null.
 */
import { isIP } from 'node:net';

const MAX_URI_LENGTH = 2048;

/** localhost, 127.0.0.0/8 and ::1: what RFC 8252 §7.3 lets a native app listen on over plain http. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** An absolute https URL (http only on loopback); `what` names the rule in the message. */
function webUrlProblem(value: string, what: string, extra: { query: boolean }): string | null {
  if (value.length > MAX_URI_LENGTH) return `must be at most ${MAX_URI_LENGTH} characters`;
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value) || !URL.canParse(value)) return 'must be an absolute URI';
  if (value.includes('#')) return 'must not contain a fragment';
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `must use https (${what})`;
  if (!url.hostname) return 'must name a host';
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return `must use https; http is allowed only for localhost and loopback addresses (${what})`;
  }
  if (url.username || url.password) return 'must not contain user information';
  if (!extra.query && url.search) return 'must not contain a query';
  return null;
}

export function redirectUriProblem(value: string): string | null {
  return webUrlProblem(value, 'RFC 8252 §7.3', { query: true });
}

export function jwksUriProblem(value: string): string | null {
  return webUrlProblem(value, 'RFC 7591 §2', { query: true });
}

/** OpenID Connect Discovery §3: https, no query or fragment. */
export function issuerProblem(value: string): string | null {
  return webUrlProblem(value, 'OpenID Connect Discovery §3', { query: false });
}
