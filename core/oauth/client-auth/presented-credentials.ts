/**
 * Reads the client credentials a request carries (RFC 6749 §2.3.1): HTTP Basic, form-body
 * `client_id` / `client_secret`, or a `client_assertion`. More than one way of authenticating in one
 * request is `invalid_request`.
 */
import type { PresentedCredentials } from '../../api/extension-points.ts';
import { decodeJwt } from 'jose';
import { InvalidClient, InvalidRequest } from '../../errors/oauth-errors.ts';

export interface BasicCredentials {
  username: string;
  password: string;
}

/** Parses `Authorization: Basic ...` (values form-urlencoded per RFC 6749 §2.3.1); null when absent. */
export function parseBasicAuthorization(header: string | undefined): BasicCredentials | null {
  if (!header) return null;
  const match = /^Basic[ ]+([A-Za-z0-9+/=_-]{1,4096})\s*$/i.exec(header);
  if (!match) {
    if (/^Basic\b/i.test(header)) throw new InvalidClient('malformed Basic credentials');
    return null;
  }
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new InvalidClient('malformed Basic credentials');
  try {
    return {
      username: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      password: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    // Not URL-encoded as the RFC asks: take it literally, as most servers do.
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
}

export function presentedCredentials(
  basic: BasicCredentials | null,
  params: Readonly<Record<string, string>>,
): PresentedCredentials {
  const bodyId = params.client_id || null;
  const postSecret = params.client_secret ?? null;
  const assertion = params.client_assertion ?? null;
  const assertionType = params.client_assertion_type ?? null;
  const used = [basic ? 'HTTP Basic' : null, postSecret !== null ? 'client_secret' : null, assertion !== null ? 'client_assertion' : null].filter(Boolean);
  if (used.length > 1) throw new InvalidRequest(`only one client authentication method may be used per request; got ${used.join(' and ')}`);
  if (basic && bodyId && basic.username !== bodyId) throw new InvalidRequest('client_id in the body differs from the one in the Authorization header');
  return {
    // RFC 7523 §3: with an assertion, client_id may be left out; its `sub` names the client (verified later).
    clientId: basic?.username || bodyId || (assertion !== null ? assertionSubject(assertion) : null),
    basicSecret: basic ? basic.password : null,
    postSecret,
    assertion,
    assertionType,
  };
}

/** The unverified `sub` of a JWT, used only to find the client whose keys then verify it; null if unreadable. */
function assertionSubject(assertion: string): string | null {
  try {
    const sub = decodeJwt(assertion).sub;
    return typeof sub === 'string' && sub.length > 0 && sub.length <= 256 ? sub : null;
  } catch {
    return null;
  }
}
