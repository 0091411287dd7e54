/**
 * The browser side of the authorization code flow: /authorize → sign-in page → consent page →
 * redirect with `code`, `state` and `iss` (RFC 9207). Pending requests and sign-in sessions live in
 * the shared store (any node can continue a flow another started). Every form carries a per-request
 * CSRF token, and must come with the SameSite flow cookie of the browser that started the request.
 * That cookie names the browser, not one request, so flows in several tabs go on side by side; each
 * request issues at most one code, however often its last form is posted.
 */
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Client, ServerContext } from '../../api/model.ts';
import { AccessDenied, InvalidRequest, OAuthError } from '../../errors/oauth-errors.ts';
import { randomToken } from '../../crypto/random-token.ts';
import { sha256Base64Url } from '../../crypto/sha256.ts';
import { constantTimeEqual } from '../../crypto/constant-time.ts';
import { parseQuery, readForm } from '../../http/form-body.ts';
import type { TesseraEnv } from '../../http/hono-env.ts';
import type { Logger } from '../../api/plugin-context.ts';
import type { EventBus } from '../../events/event-bus.ts';
import type { Store } from '../../store/repositories.ts';
import type { Clock } from '../../time/clock.ts';
import type { UserService } from '../../users/user-service.ts';
import { consentPage } from '../../ui/consent-page.ts';
import { errorPage } from '../../ui/error-page.ts';
import { PAGE_HEADERS } from '../../ui/html.ts';
import { loginPage } from '../../ui/login-page.ts';
import {
  RedirectableError,
  UntrustedRedirectError,
  validateAuthorizationRequest,
  type PendingAuthorization,
  type RequestOrigin,
} from './authorization-request.ts';
import { authorizationSettings, type AuthorizationSettingsDependencies } from './authorization-settings.ts';
import type { PushedRequests } from '../par/pushed-requests.ts';
import { FAPI_MAX_CODE_LIFETIME_SECONDS, isFapi } from '../../profile/fapi2-security.ts';
import { epochSeconds } from '../../time/clock.ts';

const PENDING_SECONDS = 600;
/** What randomToken(24) produces; any other cookie value is replaced. */
const FLOW_COOKIE = /^[A-Za-z0-9_-]{32}$/;
const SESSION_SECONDS = 8 * 3600;

/** What the browser flow uses: its settings, the store flows and codes live in, the sign-in, audit events, the clock. */
export interface AuthorizeDependencies extends AuthorizationSettingsDependencies {
  readonly store: Store;
  readonly users: UserService;
  readonly events: EventBus;
  readonly logger: Logger;
  readonly clock: Clock;
}

export function authorizeRoutes(runtime: AuthorizeDependencies, pushed: PushedRequests) {
  const app = new Hono<TesseraEnv>();
  const { store } = runtime;
  const settings = authorizationSettings(runtime);
  const now = () => epochSeconds(runtime.clock);
  // The id is stored hashed, as tokens and codes are: whoever reads the store (a backup, a copied
  // database file) cannot replay a sign-in session cookie or a pending request (security review #15).
  const key = (server: ServerContext, kind: string, id: string) => `${kind}:${server.tenantId}/${server.serverId}:${sha256Base64Url(id)}`;
  const cookieName = (server: ServerContext, kind: string) => `tessera_${kind}_${server.tenantId}_${server.serverId}`;
  const cookieOptions = { httpOnly: true, secure: true, sameSite: 'Lax', path: '/' } as const;

  async function loadPending(c: Context<TesseraEnv>, form: Record<string, string>) {
    const server = c.get('server');
    const requestId = form.request_id ?? '';
    const raw = /^[A-Za-z0-9_-]{20,64}$/.test(requestId) ? await store.kv.get(key(server, 'authz', requestId), now()) : null;
    const pending = raw ? (JSON.parse(raw) as PendingAuthorization) : null;
    // The cookie ties the form to the browser that started the flow; the token to the page it was given.
    if (!pending || !constantTimeEqual(getCookie(c, cookieName(server, 'authz')), pending.browser) || !constantTimeEqual(form.csrf_token, pending.csrf)) {
      throw new UntrustedRedirectError(new InvalidRequest('this sign-in request is unknown, expired or was not started by this browser'));
    }
    const client = await store.clients.get(server, pending.clientId);
    if (!client) throw new UntrustedRedirectError(new InvalidRequest('the client no longer exists'));
    return { server, requestId, pending, client };
  }

  function pageFor(c: Context<TesseraEnv>, requestId: string, pending: PendingAuthorization, client: Client, error?: string) {
    const server = c.get('server');
    const base = new URL(server.endpointBase).pathname;
    if (!pending.username) {
      return c.html(loginPage({ action: `${base}/authorize/login`, requestId, csrf: pending.csrf, clientName: client.clientName ?? client.clientId, error }), error ? 401 : 200, PAGE_HEADERS);
    }
    return c.html(
      consentPage({ action: `${base}/authorize/consent`, requestId, csrf: pending.csrf, clientName: client.clientName ?? client.clientId, username: pending.username, scopes: pending.scopes }),
      200,
      PAGE_HEADERS,
    );
  }

  /** Skips the consent page when the user already granted these scopes to this client. */
  async function continueFlow(c: Context<TesseraEnv>, requestId: string, pending: PendingAuthorization, client: Client) {
    const server = c.get('server');
    if (pending.username && !pending.prompt?.includes('consent')) {
      const consent = await store.consents.get(server, pending.username, client.clientId);
      if (consent && pending.scopes.every((s) => consent.scopes.includes(s))) return issueCode(c, requestId, pending);
    }
    if (pending.prompt?.includes('none')) {
      throw new RedirectableError(new OAuthError(400, pending.username ? 'consent_required' : 'login_required', 'user interaction is required'), pending.redirectUri, pending.state);
    }
    await store.kv.put(key(server, 'authz', requestId), JSON.stringify(pending), now() + PENDING_SECONDS);
    return pageFor(c, requestId, pending, client);
  }

  async function issueCode(c: Context<TesseraEnv>, requestId: string, pending: PendingAuthorization) {
    const server = c.get('server');
    // Two posts of the same form (a double click, two tabs of one page) read the same pending request.
    const at = now();
    if (!(await store.kv.putIfAbsent(key(server, 'authz-done', requestId), '1', at + PENDING_SECONDS, at))) {
      throw new UntrustedRedirectError(new InvalidRequest('this sign-in request is already complete'));
    }
    const code = randomToken();
    const issuedAt = now();
    await store.codes.create({
      tenantId: server.tenantId,
      serverId: server.serverId,
      id: sha256Base64Url(code),
      clientId: pending.clientId,
      redirectUri: pending.redirectUri,
      subject: pending.username!,
      username: pending.username!,
      scopes: pending.scopes,
      nonce: pending.nonce,
      codeChallenge: pending.codeChallenge,
      codeChallengeMethod: pending.codeChallengeMethod,
      dpopJkt: pending.dpopJkt ?? null,
      authTime: pending.authTime ?? issuedAt,
      issuedAt,
      // FAPI 2.0 §5.3.2.1: a code lives at most 60 s on a fapi2-security server, whatever the configuration says.
      expiresAt: issuedAt + (isFapi(server) ? Math.min(runtime.config.oauth.authorization_code_lifetime, FAPI_MAX_CODE_LIFETIME_SECONDS) : runtime.config.oauth.authorization_code_lifetime),
      redeemedAt: null,
    });
    await store.kv.delete(key(server, 'authz', requestId));
    return redirectBack(c, pending.redirectUri, { code, state: pending.state, iss: server.issuer });
  }

  /**
   * RFC 9126 §4: with `request_uri`, the parameters are the ones the client pushed (used once, by that
   * client only); anything else in the query but client_id is ignored. Without it, the query.
   */
  async function authorizationParameters(server: ServerContext, query: Record<string, string>): Promise<{ params: Record<string, string>; origin: RequestOrigin }> {
    if (query.request_uri === undefined) return { params: query, origin: 'query' };
    const invalidUri = (description: string) => new UntrustedRedirectError(new OAuthError(400, 'invalid_request_uri', description));
    if (!query.client_id) throw new UntrustedRedirectError(new InvalidRequest('client_id is required with request_uri (RFC 9126 §4)'));
    const taken = await pushed.take(server, query.client_id, query.request_uri);
    if ('problem' in taken) {
      runtime.logger.info({ tenantId: server.tenantId, serverId: server.serverId, clientId: query.client_id, problem: taken.problem }, 'request_uri refused');
      throw invalidUri(
        taken.problem === 'used' ? 'this request_uri was already used' : taken.problem === 'other_client' ? 'this request_uri was pushed by another client' : 'request_uri is unknown or expired',
      );
    }
    return { params: taken.params, origin: 'pushed' };
  }

  app.get('/authorize', async (c) => {
    const server = c.get('server');
    const { params, origin } = await authorizationParameters(server, parseQuery(c.req.url));
    const requestId = randomToken(24);
    // One flow cookie per browser (kept if it has one), so a second tab does not end the first one's flow.
    const current = getCookie(c, cookieName(server, 'authz'));
    const browser = current && FLOW_COOKIE.test(current) ? current : randomToken(24);
    const { client, pending } = await validateAuthorizationRequest(store, server, params, settings, randomToken(24), browser, origin);
    setCookie(c, cookieName(server, 'authz'), browser, { ...cookieOptions, maxAge: PENDING_SECONDS });
    const sessionId = getCookie(c, cookieName(server, 'session'));
    const session = sessionId && !pending.prompt?.includes('login') ? await store.kv.get(key(server, 'session', sessionId), now()) : null;
    if (session) Object.assign(pending, JSON.parse(session) as { username: string; authTime: number });
    return continueFlow(c, requestId, pending, client);
  });

  app.post('/authorize/login', async (c) => {
    const form = await readForm(c);
    const { server, requestId, pending, client } = await loadPending(c, form);
    const username = form.username ?? '';
    const outcome = await runtime.users.login(server, username, form.password ?? '', c.get('requestInfo').clientAddress);
    runtime.events.emit({
      type: outcome.ok ? 'user.login.succeeded' : 'user.login.failed',
      tenantId: server.tenantId,
      serverId: server.serverId,
      clientId: client.clientId,
      username,
      reason: outcome.ok ? undefined : outcome.reason,
      remoteAddress: c.get('requestInfo').clientAddress,
    });
    if (!outcome.ok) {
      const message = outcome.reason === 'locked' ? 'Too many failed attempts. Try again in a few minutes.' : 'Wrong username or password.';
      return c.html(loginPage({ action: c.req.path, requestId, csrf: pending.csrf, clientName: client.clientName ?? client.clientId, error: message, username }), 401, PAGE_HEADERS);
    }
    pending.username = outcome.user.username;
    pending.authTime = now();
    const sessionId = randomToken();
    await store.kv.put(key(server, 'session', sessionId), JSON.stringify({ username: pending.username, authTime: pending.authTime }), now() + SESSION_SECONDS);
    setCookie(c, cookieName(server, 'session'), sessionId, { ...cookieOptions, maxAge: SESSION_SECONDS });
    return continueFlow(c, requestId, pending, client);
  });

  app.post('/authorize/consent', async (c) => {
    const form = await readForm(c);
    const { server, requestId, pending } = await loadPending(c, form);
    if (!pending.username) throw new UntrustedRedirectError(new InvalidRequest('sign in first'));
    if (form.decision !== 'approve') {
      await store.kv.delete(key(server, 'authz', requestId));
      throw new RedirectableError(new AccessDenied('the user denied the request'), pending.redirectUri, pending.state);
    }
    await store.consents.put({ tenantId: server.tenantId, serverId: server.serverId, subject: pending.username, clientId: pending.clientId, scopes: pending.scopes, grantedAt: now() });
    return issueCode(c, requestId, pending);
  });

  app.onError((err, c) => {
    if (err instanceof RedirectableError) {
      return redirectBack(c, err.redirectUri, { error: err.error.error, error_description: err.error.description, state: err.state, iss: c.get('server').issuer });
    }
    const error = err instanceof UntrustedRedirectError ? err.error : OAuthError.is(err) ? err : null;
    if (!error) throw err;
    return c.html(errorPage(error.error, error.description), error.status === 401 ? 400 : (error.status as 400), PAGE_HEADERS);
  });
  return app;
}

function redirectBack(c: Context, redirectUri: string, params: Record<string, string | null>) {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== null) url.searchParams.set(name, value);
  // The Location carries a code: no cache may keep it.
  c.header('Cache-Control', 'no-store');
  return c.redirect(url.toString(), 302);
}
