/**
 * Shared steps of the OAuth tests: token calls, introspection as the super admin, PKCE pairs, and a
 * browser-less walk through the authorize → login → consent pages with plain HTTPS calls (hidden
 * fields parsed from the HTML, the flow cookie carried by hand).
 */
import { createHash, randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { call, type CallOptions, type CallResult } from '../support/https-client.ts';
import type { TestServer } from '../support/test-server.ts';

export const REDIRECT_URI = 'https://client.example.com/callback';

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** OIDC Core §3.3.2.11: base64url of the left half of SHA-256 (ES256 / RS256). */
export function halfHash(value: string): string {
  return createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url');
}

export async function createUser(server: TestServer, username: string, password: string, claims: Record<string, unknown> = {}) {
  return server.runtime.users.create(DEFAULT_SERVER, { username, password, claims });
}

export function tokenRequest(server: TestServer, form: Record<string, string>, options: Omit<CallOptions, 'form'> = {}) {
  return call(`${server.url}/oauth2/token`, { ...options, form });
}

const INTROSPECTOR: [string, string] = ['test-introspector', 'introspector-secret-0123456789ab'];
const introspectors = new WeakMap<TestServer, Promise<unknown>>();

/**
 * Introspects as a resource server (a confidential client), or with the given Basic pair (the super
 * admin's, as in the WSO2 guide). The client keeps the many checks cheap: admin Basic costs a scrypt.
 */
export async function introspect(server: TestServer, token: string, basic?: [string, string]) {
  if (!basic) {
    let ready = introspectors.get(server);
    if (!ready) introspectors.set(server, (ready = server.createClient({ clientId: INTROSPECTOR[0], secret: INTROSPECTOR[1], grantTypes: [] })));
    await ready;
  }
  const result = await call(`${server.url}/oauth2/introspect`, { form: { token }, basic: basic ?? INTROSPECTOR });
  expect(result.status, result.text).toBe(200);
  return result.json as Record<string, unknown>;
}

export async function expectActive(server: TestServer, token: string, active: boolean) {
  const body = await introspect(server, token);
  if (active) expect(body.active).toBe(true);
  else expect(body).toEqual({ active: false });
}

/** An RFC 6749 §5.2 error: status, code, JSON body, never cached. */
export function expectOAuthError(result: CallResult, status: number, error: string) {
  expect(result.status, result.text).toBe(status);
  expect(result.json?.error, result.text).toBe(error);
  expect(typeof result.json.error_description).toBe('string');
  expect(String(result.headers['content-type'])).toMatch(/^application\/json/);
  expect(result.headers['cache-control']).toBe('no-store');
  if (error === 'invalid_client') expect(String(result.headers['www-authenticate'])).toMatch(/^Basic realm=/);
}

/** Cookies as a browser keeps them for one origin (enough for these tests: name=value only). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(result: CallResult): void {
    const raw = result.headers['set-cookie'];
    for (const line of Array.isArray(raw) ? raw : raw ? [raw] : []) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }

  header(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ') } : {};
  }
}

export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`<input type="hidden" name="${name}" value="([^"]*)">`).exec(html);
  if (!match) throw new Error(`no hidden ${name} in page:\n${html}`);
  return match[1];
}

export function formAction(html: string): string {
  const match = /<form method="post" action="([^"]*)">/.exec(html);
  if (!match) throw new Error(`no form in page:\n${html}`);
  return match[1];
}

/** A page the flow shows: HTML, never cached, never framed. */
export function expectPage(result: CallResult, status = 200) {
  expect(result.status, result.text).toBe(status);
  expect(String(result.headers['content-type'])).toMatch(/^text\/html/);
  expect(result.headers['cache-control']).toBe('no-store');
  expect(result.headers['x-frame-options']).toBe('DENY');
  expect(result.headers.location).toBeUndefined();
}

export function location(result: CallResult): URL {
  expect(result.status, result.text).toBe(302);
  return new URL(String(result.headers.location));
}

export interface AuthorizeParams {
  client_id: string;
  redirect_uri?: string;
  scope?: string;
  state?: string;
  nonce?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  response_type?: string;
  prompt?: string;
}

export function authorizeUrl(server: TestServer, params: AuthorizeParams): string {
  const query = new URLSearchParams({ response_type: 'code', ...params } as Record<string, string>);
  return `${server.url}/oauth2/authorize?${query}`;
}

export interface FlowPage {
  result: CallResult;
  requestId: string;
  csrf: string;
  action: string;
}

function page(result: CallResult): FlowPage {
  return { result, requestId: hiddenField(result.text, 'request_id'), csrf: hiddenField(result.text, 'csrf_token'), action: formAction(result.text) };
}

/** GET /oauth2/authorize; expects the login (or consent) page. */
export async function startAuthorization(server: TestServer, jar: CookieJar, params: AuthorizeParams): Promise<FlowPage> {
  const result = await call(authorizeUrl(server, params), { headers: jar.header() });
  jar.store(result);
  expectPage(result);
  return page(result);
}

export async function postForm(server: TestServer, jar: CookieJar, action: string, form: Record<string, string>): Promise<CallResult> {
  const result = await call(`${server.url}${action}`, { form, headers: jar.header() });
  jar.store(result);
  return result;
}

export async function submitLogin(server: TestServer, jar: CookieJar, login: FlowPage, username: string, password: string): Promise<CallResult> {
  return postForm(server, jar, login.action, { request_id: login.requestId, csrf_token: login.csrf, username, password });
}

export async function submitConsent(server: TestServer, jar: CookieJar, consent: FlowPage, decision: 'approve' | 'deny' = 'approve') {
  return postForm(server, jar, consent.action, { request_id: consent.requestId, csrf_token: consent.csrf, decision });
}

export { page as flowPage };

/**
 * The whole browser leg: authorize, sign in, approve; returns the redirect to the client with
 * `code`, `state` and `iss`.
 */
export async function authorizeAndApprove(
  server: TestServer,
  params: AuthorizeParams,
  user: { username: string; password: string },
  jar = new CookieJar(),
): Promise<{ redirect: URL; code: string; jar: CookieJar }> {
  const login = await startAuthorization(server, jar, params);
  expect(login.result.text).toContain('Sign in');
  const afterLogin = await submitLogin(server, jar, login, user.username, user.password);
  let redirect: URL;
  if (afterLogin.status === 302) {
    redirect = location(afterLogin);
  } else {
    expectPage(afterLogin);
    expect(afterLogin.text).toContain('Allow access');
    redirect = location(await submitConsent(server, jar, page(afterLogin)));
  }
  const code = redirect.searchParams.get('code');
  if (!code) throw new Error(`no code in ${redirect}`);
  return { redirect, code, jar };
}
