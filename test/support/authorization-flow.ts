/**
 * Drives the authorization code flow the way a browser does, with plain HTTPS calls: GET /authorize
 * → sign-in page (hidden request_id and csrf_token, cookies) → POST /authorize/login → consent page
 * → POST /authorize/consent → 302 to the redirect_uri with `code`. A step the server skips (an
 * existing session, a consent already given) is skipped here too: any 302 ends the flow.
 *
 *   const { code, codeVerifier } = await authorize(server.url, { clientId: 'app', pkce: true });
 *   await call(`${server.url}/oauth2/token`, { form: { grant_type: 'authorization_code', code,
 *     redirect_uri: 'https://client.example.com/callback', code_verifier: codeVerifier, client_id: 'app' } });
 */
import { createHash, randomBytes } from 'node:crypto';
import { call, type CallResult } from './https-client.ts';

export interface AuthorizationFlowOptions {
  clientId: string;
  /** Default: the test clients' https://client.example.com/callback. */
  redirectUri?: string;
  scope?: string;
  state?: string;
  nonce?: string;
  /** true: a fresh S256 pair (returned as `codeVerifier`); a string: that verifier. */
  pkce?: boolean | string;
  /** Default admin / admin (the super admin of the test server). */
  username?: string;
  password?: string;
  /** Default approve. */
  decision?: 'approve' | 'deny';
  /** Default /oauth2; `/{tid}/{aid}/oauth2` for another authorization server. */
  endpointPath?: string;
  /** Extra authorization request parameters (prompt, response_type, ...). */
  extra?: Record<string, string>;
  /** Cookies from an earlier flow (a signed-in session); updated in place. */
  cookies?: CookieJar;
}

export interface AuthorizationFlowResult {
  /** The `code` of the final redirect, or null when the redirect carries an error. */
  code: string | null;
  codeVerifier: string | undefined;
  /** The whole final Location and its query parameters (state, iss, error, ...). */
  location: string;
  params: Record<string, string>;
  cookies: CookieJar;
}

export type CookieJar = Map<string, string>;

/** RFC 7636 S256 pair. */
export function pkcePair(verifier = randomBytes(32).toString('base64url')): { verifier: string; challenge: string } {
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function authorize(baseUrl: string, options: AuthorizationFlowOptions): Promise<AuthorizationFlowResult> {
  const cookies: CookieJar = options.cookies ?? new Map();
  const endpoint = `${baseUrl}${options.endpointPath ?? '/oauth2'}`;
  const query: Record<string, string> = {
    response_type: 'code',
    client_id: options.clientId,
    redirect_uri: options.redirectUri ?? 'https://client.example.com/callback',
    ...(options.scope !== undefined ? { scope: options.scope } : {}),
    ...(options.state !== undefined ? { state: options.state } : {}),
    ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
  };
  let codeVerifier: string | undefined;
  if (options.pkce) {
    const pair = pkcePair(typeof options.pkce === 'string' ? options.pkce : undefined);
    codeVerifier = pair.verifier;
    query.code_challenge = pair.challenge;
    query.code_challenge_method = 'S256';
  }
  Object.assign(query, options.extra);

  let response = await send(cookies, `${endpoint}/authorize?${new URLSearchParams(query)}`);
  for (let step = 0; step < 4; step++) {
    if (response.status === 302) return finish(response, codeVerifier, cookies);
    if (response.status !== 200) throw new Error(`authorization flow: unexpected ${response.status}: ${response.text.slice(0, 500)}`);
    const form = parseForm(response.text);
    const action = new URL(form.action, baseUrl).toString();
    if ('username' in form.fields || /name="password"/.test(response.text)) {
      response = await send(cookies, action, { ...form.hidden, username: options.username ?? 'admin', password: options.password ?? 'admin' });
    } else {
      response = await send(cookies, action, { ...form.hidden, decision: options.decision ?? 'approve' });
    }
  }
  throw new Error('authorization flow: no redirect after sign-in and consent');
}

function finish(response: CallResult, codeVerifier: string | undefined, cookies: CookieJar): AuthorizationFlowResult {
  const location = String(response.headers.location ?? '');
  if (!location) throw new Error('authorization flow: 302 without Location');
  const params = Object.fromEntries(new URL(location).searchParams);
  return { code: params.code ?? null, codeVerifier, location, params, cookies };
}

async function send(cookies: CookieJar, url: string, form?: Record<string, string>): Promise<CallResult> {
  const headers: Record<string, string> = {};
  if (cookies.size > 0) headers.cookie = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const response = await call(url, form ? { form, headers } : { headers });
  remember(cookies, response.headers['set-cookie']);
  return response;
}

/** Keeps name=value of each Set-Cookie; an expired or emptied cookie is dropped. */
function remember(cookies: CookieJar, setCookie: string | string[] | undefined): void {
  for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
    const [pair, ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq < 1) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attributes.some((a) => /^\s*max-age\s*=\s*(0|-\d+)\s*$/i.test(a)) || value === '';
    if (expired) cookies.delete(name);
    else cookies.set(name, value);
  }
}

interface ParsedForm {
  action: string;
  hidden: Record<string, string>;
  fields: Record<string, string>;
}

/** The first form of a Tessera page: its action, hidden inputs, and the names of the other inputs. */
function parseForm(html: string): ParsedForm {
  const form = /<form[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`authorization flow: no form on the page: ${html.slice(0, 500)}`);
  const hidden: Record<string, string> = {};
  const fields: Record<string, string> = {};
  for (const input of form[2].matchAll(/<input\b[^>]*>/gi)) {
    const attr = (name: string) => new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(input[0])?.[1];
    const name = attr('name');
    if (!name) continue;
    const value = unescapeHtml(attr('value') ?? '');
    if (attr('type')?.toLowerCase() === 'hidden') hidden[name] = value;
    else fields[name] = value;
  }
  return { action: unescapeHtml(form[1]), hidden, fields };
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCodePoint(parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
