/**
 * `npm run bench -- --breakdown`: the token request cut into steps, each a route of the same Tessera
 * process, so every step pays the same TLS connection and the same process and differs from the one
 * before by one piece of the token endpoint's work. Mounted only in the bench's breakdown server
 * (ServerConfig.breakdown), never by `tessera start`.
 *
 * - raw: answered by a node:https request handler in front of the app (no hono, no middleware);
 * - route: an empty hono route behind every middleware of the app (body limit, JSON depth, metrics,
 *   response deadline, request info);
 * - certificate: + the client certificate read from the TLS socket (getPeerCertificate, parsed);
 * - form: + the form body read and parsed;
 * - client-auth: + the client authenticated as the token endpoint does it (the mTLS authenticator
 *   bundle: chain to the CA and subject DN; the audit event);
 * - token: POST /oauth2/token itself (+ grant chain, invariants, token minted, SQLite commit,
 *   audit events, response headers).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Hono } from 'hono';
import type { TesseraEnv } from '../../core/http/hono-env.ts';
import type { CoreRuntime } from '../../core/runtime/core-runtime.ts';
import { readForm } from '../../core/http/form-body.ts';
import { authenticateClientFor } from '../../core/oauth/client-auth/authenticate-request.ts';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';

export const BREAKDOWN_STEPS = ['raw', 'route', 'certificate', 'form', 'client-auth', 'token'] as const;
export type BreakdownStep = (typeof BREAKDOWN_STEPS)[number];

export const BREAKDOWN_DESCRIPTIONS: Record<BreakdownStep, string> = {
  raw: "node:https handler in Tessera's process, before the app",
  route: 'empty hono route behind all of the app middleware',
  certificate: '+ client certificate read from the socket',
  form: '+ form body read and parsed',
  'client-auth': '+ client authenticated (mTLS bundle, audit event)',
  token: 'POST /oauth2/token (grant chain, invariants, SQLite commit, audit)',
};

/** The path each step is served on. */
export function breakdownPath(step: BreakdownStep): string {
  return step === 'token' ? '/oauth2/token' : `/bench/breakdown/${step}`;
}

const JSON_OK = '{"ok":true}';

export function mountBreakdownRoutes(app: Hono<TesseraEnv>, runtime: CoreRuntime): void {
  app.post(breakdownPath('route'), (c) => c.json({ ok: true }));
  app.post(breakdownPath('certificate'), (c) => c.json({ ok: c.get('requestInfo').clientCertificate.certificate !== null }));
  app.post(breakdownPath('form'), async (c) => {
    const certificate = c.get('requestInfo').clientCertificate.certificate;
    const params = await readForm(c);
    return c.json({ ok: certificate !== null && params.grant_type !== undefined });
  });
  app.post(breakdownPath('client-auth'), async (c) => {
    const server = await runtime.servers.resolve(DEFAULT_SERVER);
    if (!server) throw new Error('no default server');
    c.set('server', server);
    const params = await readForm(c);
    const { client } = await authenticateClientFor(runtime, c, params, 'token');
    return c.json({ ok: client.clientId });
  });
}

/** Puts the `raw` step's handler in front of the app on the listener's server. */
export function interceptRawStep(server: Server): void {
  const app = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== breakdownPath('raw')) {
      for (const listener of app) listener.call(server, req, res);
      return;
    }
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': JSON_OK.length });
      res.end(JSON_OK);
    });
  });
}
