/**
 * The playground as a Hono app: a form (grant, client id, scope, callback, authorize endpoint), the
 * authorization code flow with state and PKCE S256 kept on this server, and the token, claims and
 * introspection views. State lives in memory, per browser (an HttpOnly SameSite cookie).
 */
import { Hono, type Context } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { GRANTS, type Grant, type PlaygroundConfig } from './config.ts';
import { codePage, errorPage, formPage, resultPage, type FormValues } from './pages.ts';
import { TesseraClient, pkcePair, randomValue, sameString, type HttpResult } from './tessera-client.ts';

const SESSION_COOKIE = 'playground_session';
const PENDING_SECONDS = 600;

interface PendingAuthorization {
  state: string;
  verifier: string | null;
  clientId: string;
  callbackUrl: string;
  createdAt: number;
  /** Set when the callback arrived with a code. */
  code?: string;
}

interface Session {
  pending: PendingAuthorization | null;
  lastSeen: number;
}

export interface Playground {
  app: Hono;
  client: TesseraClient;
  close(): Promise<void>;
}

const PAGE_HEADERS = {
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action *; frame-ancestors 'none'; base-uri 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/** `callbackUrl()` is resolved late: with port 0 the default callback is known only after listening. */
export function createPlayground(config: PlaygroundConfig, callbackUrl: () => string): Playground {
  const client = new TesseraClient(config);
  const sessions = new Map<string, Session>();
  const now = () => Math.floor(Date.now() / 1000);
  const app = new Hono();

  const sweep = setInterval(() => {
    for (const [id, session] of sessions) if (session.lastSeen < now() - 3600) sessions.delete(id);
  }, 60_000);
  sweep.unref();

  function session(c: Context): Session {
    let id = getCookie(c, SESSION_COOKIE);
    let found = id ? sessions.get(id) : undefined;
    if (!found || !id) {
      id = randomValue();
      found = { pending: null, lastSeen: now() };
      sessions.set(id, found);
      setCookie(c, SESSION_COOKIE, id, { httpOnly: true, sameSite: 'Lax', path: '/' });
    }
    found.lastSeen = now();
    return found;
  }

  const defaults = (): FormValues => ({
    grant: config.grant,
    clientId: config.clientId,
    scope: config.scope,
    callbackUrl: callbackUrl(),
    authorizeEndpoint: client.endpoints.authorize,
    pkce: true,
    username: '',
  });

  app.get('/', (c) => {
    session(c);
    return c.html(formPage(config, defaults()), 200, PAGE_HEADERS);
  });

  app.post('/start', async (c) => {
    const s = session(c);
    const form = await c.req.parseBody();
    const field = (name: string) => (typeof form[name] === 'string' ? (form[name] as string).trim() : '');
    const grant = field('grant_type') as Grant;
    const values: FormValues = {
      grant: GRANTS.includes(grant) ? grant : config.grant,
      clientId: field('client_id'),
      scope: field('scope'),
      callbackUrl: field('callback_url'),
      authorizeEndpoint: field('authorize_endpoint'),
      pkce: field('pkce') !== '',
      username: field('username'),
    };
    if (!GRANTS.includes(grant)) return c.html(formPage(config, values, `unknown grant type "${grant}"`), 400, PAGE_HEADERS);
    if (!values.clientId) return c.html(formPage(config, values, 'a client id is required'), 400, PAGE_HEADERS);
    const scope: Record<string, string> = values.scope ? { scope: values.scope } : {};

    if (grant === 'client_credentials') {
      return c.html(resultPage(config, await results(grant, values.clientId, await client.token(values.clientId, { grant_type: grant, ...scope }))), 200, PAGE_HEADERS);
    }
    if (grant === 'password') {
      const token = await client.token(values.clientId, { grant_type: grant, username: values.username, password: field('password'), ...scope });
      return c.html(resultPage(config, await results(grant, values.clientId, token)), 200, PAGE_HEADERS);
    }

    if (!URL.canParse(values.authorizeEndpoint) || !/^https:/.test(values.authorizeEndpoint)) {
      return c.html(formPage(config, values, 'the authorize endpoint must be an https:// URL'), 400, PAGE_HEADERS);
    }
    if (!URL.canParse(values.callbackUrl)) return c.html(formPage(config, values, 'the callback URL must be an absolute URL'), 400, PAGE_HEADERS);
    const pkce = values.pkce ? pkcePair() : null;
    const state = randomValue();
    s.pending = { state, verifier: pkce?.verifier ?? null, clientId: values.clientId, callbackUrl: values.callbackUrl, createdAt: now() };
    const target = new URL(values.authorizeEndpoint);
    target.searchParams.set('response_type', 'code');
    target.searchParams.set('client_id', values.clientId);
    target.searchParams.set('redirect_uri', values.callbackUrl);
    if (values.scope) target.searchParams.set('scope', values.scope);
    target.searchParams.set('state', state);
    if (pkce) {
      target.searchParams.set('code_challenge', pkce.challenge);
      target.searchParams.set('code_challenge_method', 'S256');
    }
    return c.redirect(target.toString(), 302);
  });

  // The callback path of the configured (or default) callback URL.
  app.get('*', async (c, next) => {
    if (c.req.path !== new URL(callbackUrl()).pathname) return next();
    const s = session(c);
    const query = c.req.query();
    const pending = s.pending;
    // RFC 6749 §10.12: the state must be the one this browser's request carried.
    if (!pending || !query.state || !sameString(query.state, pending.state)) {
      return c.html(errorPage(config, 'Unexpected callback', 'the state does not match an authorization request started in this browser'), 400, PAGE_HEADERS);
    }
    if (pending.createdAt < now() - PENDING_SECONDS) {
      s.pending = null;
      return c.html(errorPage(config, 'Expired', 'the authorization request is too old; start again'), 400, PAGE_HEADERS);
    }
    if (query.error) {
      s.pending = null;
      return c.html(errorPage(config, 'Authorization refused', `${query.error}${query.error_description ? `: ${query.error_description}` : ''}`, query), 400, PAGE_HEADERS);
    }
    if (!query.code) return c.html(errorPage(config, 'No code', 'the callback carries neither code nor error'), 400, PAGE_HEADERS);
    pending.code = query.code;
    return c.html(codePage(config, { code: query.code, state: query.state, iss: query.iss ?? null, pkce: pending.verifier !== null, clientId: pending.clientId }), 200, PAGE_HEADERS);
  });

  app.post('/exchange', async (c) => {
    const s = session(c);
    const pending = s.pending;
    // One exchange per authorization: the pending request is spent now, whatever Tessera answers.
    s.pending = null;
    if (!pending?.code) return c.html(errorPage(config, 'Nothing to exchange', 'no authorization code is waiting in this browser; start again'), 400, PAGE_HEADERS);
    const token = await client.token(pending.clientId, {
      grant_type: 'authorization_code',
      code: pending.code,
      redirect_uri: pending.callbackUrl,
      ...(pending.verifier ? { code_verifier: pending.verifier } : {}),
    });
    return c.html(resultPage(config, await results('authorization_code', pending.clientId, token)), 200, PAGE_HEADERS);
  });

  async function results(grant: Grant, clientId: string, token: HttpResult) {
    const body = token.status === 200 && token.body && typeof token.body === 'object' ? (token.body as Record<string, unknown>) : null;
    const accessToken = typeof body?.access_token === 'string' ? body.access_token : null;
    const idToken = typeof body?.id_token === 'string' ? body.id_token : null;
    return {
      grant,
      clientId,
      token,
      accessToken: accessToken ? await client.decodeJwt(accessToken) : null,
      idToken: idToken ? await client.decodeJwt(idToken) : null,
      introspection: accessToken ? await client.introspect(clientId, accessToken) : null,
      introspectionAuth: config.introspection.auth === 'admin' ? `as ${config.introspection.username}, Basic` : 'as the client',
    };
  }

  app.onError((err, c) => {
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    return c.html(errorPage(config, 'Could not reach Tessera', `${err.message}${cause ? ` (${cause})` : ''}`), 502, PAGE_HEADERS);
  });

  return {
    app,
    client,
    async close() {
      clearInterval(sweep);
      await client.close();
    },
  };
}
