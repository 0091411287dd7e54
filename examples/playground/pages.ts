/**
 * The playground's HTML: server-rendered, no script, no assets from anywhere else (it runs offline).
 */
import { GRANTS, type Grant, type PlaygroundConfig } from './config.ts';
import type { DecodedJwt, HttpResult } from './tessera-client.ts';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const json = (value: unknown) => escapeHtml(JSON.stringify(value, null, 2));

const GRANT_LABELS: Record<Grant, string> = {
  authorization_code: 'Authorization Code',
  client_credentials: 'Client Credentials',
  password: 'Resource Owner Password',
};

function layout(title: string, config: PlaygroundConfig, body: string): string {
  const tls = config.tls
    ? `client certificate <code>${escapeHtml(config.tls.subject)}</code>, x5t#S256 <code id="configured-thumbprint">${escapeHtml(config.tls.thumbprint)}</code>`
    : 'no client certificate configured';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Tessera playground</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{background:#1d2b53;color:#fff;padding:.9rem 2rem}header h1{margin:0;font-size:1.25rem}header p{margin:.3rem 0 0;font-size:.85rem;opacity:.85}
header code{color:#ffe28a}main{max-width:980px;margin:1.5rem auto;padding:0 1.5rem}
section{background:#fff;border-radius:8px;box-shadow:0 1px 6px #0001;padding:1.2rem 1.5rem;margin-bottom:1.2rem}
h2{font-size:1.05rem;margin:0 0 .8rem}label{display:block;font-weight:600;margin:.7rem 0 .25rem;font-size:.9rem}
input[type=text],input[type=password],select{width:100%;padding:.45rem;box-sizing:border-box;border:1px solid #c5cad3;border-radius:5px;font-size:.95rem}
.row{display:grid;grid-template-columns:1fr 1fr;gap:0 1.2rem}.check{font-weight:400}
button{margin-top:1rem;padding:.55rem 1.3rem;border:0;border-radius:6px;background:#2456c9;color:#fff;font-size:1rem;cursor:pointer}
pre{background:#0f1626;color:#d7e3ff;padding:.9rem;border-radius:6px;overflow:auto;font-size:.82rem;white-space:pre-wrap;word-break:break-all}
.ok{color:#17803d;font-weight:600}.bad{color:#b00020;font-weight:600}small{color:#5b6272}a{color:#2456c9}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:0}dt{font-weight:600}dd{margin:0;word-break:break-all}
</style></head><body>
<header><h1>Tessera playground</h1><p>Tessera <code>${escapeHtml(config.tesseraUrl)}</code> · ${tls}</p></header>
<main>${body}</main></body></html>`;
}

export interface FormValues {
  grant: Grant;
  clientId: string;
  scope: string;
  callbackUrl: string;
  authorizeEndpoint: string;
  pkce: boolean;
  username: string;
}

export function formPage(config: PlaygroundConfig, values: FormValues, error?: string): string {
  const options = GRANTS.map((g) => `<option value="${g}"${g === values.grant ? ' selected' : ''}>${GRANT_LABELS[g]}</option>`).join('');
  return layout(
    'Start',
    config,
    `${error ? `<section><p class="bad" id="error" role="alert">${escapeHtml(error)}</p></section>` : ''}
<section><h2>Get a token</h2>
<form method="post" action="/start">
<label for="grant_type">Authorization grant type</label><select id="grant_type" name="grant_type">${options}</select>
<div class="row">
<div><label for="client_id">Client ID</label><input type="text" id="client_id" name="client_id" value="${escapeHtml(values.clientId)}" required></div>
<div><label for="scope">Scope</label><input type="text" id="scope" name="scope" value="${escapeHtml(values.scope)}"></div>
</div>
<label for="callback_url">Callback URL <small>(authorization code)</small></label><input type="text" id="callback_url" name="callback_url" value="${escapeHtml(values.callbackUrl)}">
<label for="authorize_endpoint">Authorize endpoint <small>(authorization code)</small></label><input type="text" id="authorize_endpoint" name="authorize_endpoint" value="${escapeHtml(values.authorizeEndpoint)}">
<label class="check"><input type="checkbox" id="pkce" name="pkce" value="S256"${values.pkce ? ' checked' : ''}> Use PKCE (S256) <small>(authorization code)</small></label>
<div class="row">
<div><label for="username">Username <small>(password grant)</small></label><input type="text" id="username" name="username" value="${escapeHtml(values.username)}" autocomplete="off"></div>
<div><label for="password">Password <small>(password grant)</small></label><input type="password" id="password" name="password" autocomplete="off"></div>
</div>
<button type="submit" id="run">Authorize</button>
</form></section>
<section><small>The token request goes from this playground's server to <code>${escapeHtml(config.tesseraUrl)}/oauth2/token</code> over mutual TLS with the configured certificate${config.clientSecret ? ' and client secret' : ' (no client secret)'}.</small></section>`,
  );
}

export interface CallbackView {
  code: string;
  state: string;
  iss: string | null;
  pkce: boolean;
  clientId: string;
}

export function codePage(config: PlaygroundConfig, view: CallbackView): string {
  return layout(
    'Authorization code',
    config,
    `<section><h2>Authorization code received</h2>
<dl>
<dt>code</dt><dd><code id="code">${escapeHtml(view.code)}</code></dd>
<dt>state</dt><dd><span class="ok" id="state-check">matches the request</span> <code>${escapeHtml(view.state)}</code></dd>
<dt>iss</dt><dd><code id="iss">${escapeHtml(view.iss ?? '(none)')}</code></dd>
<dt>PKCE</dt><dd>${view.pkce ? 'S256: the code_verifier stays on the playground\'s server' : 'off'}</dd>
<dt>client</dt><dd><code>${escapeHtml(view.clientId)}</code></dd>
</dl>
<form method="post" action="/exchange"><button type="submit" id="get-tokens">Get tokens</button></form>
<p><small>Or copy the code and redeem it yourself (curl) before it expires; a code works once.</small></p>
</section>`,
  );
}

export interface ResultView {
  grant: Grant;
  clientId: string;
  token: HttpResult;
  accessToken: DecodedJwt | null;
  idToken: DecodedJwt | null;
  introspection: HttpResult | null;
  introspectionAuth: string;
}

export function resultPage(config: PlaygroundConfig, view: ResultView): string {
  const ok = view.token.status === 200;
  const claims = (jwt: DecodedJwt, id: string) =>
    `<p class="${jwt.verified ? 'ok' : 'bad'}">Signature ${escapeHtml(jwt.signature)}</p><pre id="${id}">${json(jwt.claims)}</pre><details><summary>header</summary><pre>${json(jwt.header)}</pre></details>`;
  const body = view.token.body as Record<string, unknown>;
  const accessTokenSection = !ok
    ? ''
    : view.accessToken
      ? `<section><h2>Access token claims</h2>${cnfLine(config, view.accessToken.claims.cnf)}${claims(view.accessToken, 'access-token-claims')}</section>`
      : `<section><h2>Access token</h2><p>An opaque reference token: its binding shows in the introspection below.</p><pre>${escapeHtml(String(body.access_token ?? ''))}</pre></section>`;
  const idTokenSection = view.idToken ? `<section><h2>ID token claims</h2>${claims(view.idToken, 'id-token-claims')}</section>` : '';
  const introspection = view.introspection
    ? `<section><h2>Introspection <small>(${escapeHtml(view.introspectionAuth)})</small></h2>${cnfLine(config, (view.introspection.body as Record<string, unknown>)?.cnf)}<pre id="introspection">${json(view.introspection.body)}</pre></section>`
    : '';
  return layout(
    'Tokens',
    config,
    `<section><h2>Token response <small>(${escapeHtml(view.grant)}, client ${escapeHtml(view.clientId)}, HTTP ${view.token.status})</small></h2>
${ok ? '' : `<p class="bad" id="error" role="alert">The token request failed.</p>`}
<pre id="token-response">${json(view.token.body)}</pre></section>
${accessTokenSection}${idTokenSection}${introspection}
<p><a href="/" id="again">Start again</a></p>`,
  );
}

/** The binding, compared with the configured certificate. */
function cnfLine(config: PlaygroundConfig, cnf: unknown): string {
  const value = cnf && typeof cnf === 'object' ? (cnf as Record<string, unknown>)['x5t#S256'] : undefined;
  if (typeof value !== 'string') return '<p>No <code>cnf</code>: this token is not bound to a certificate.</p>';
  const same = config.tls?.thumbprint === value;
  return `<p>cnf x5t#S256 <code class="cnf">${escapeHtml(value)}</code> — <span class="${same ? 'ok' : 'bad'} cnf-check">${same ? 'bound to the playground\'s certificate' : 'not the playground\'s certificate'}</span></p>`;
}

export function errorPage(config: PlaygroundConfig, title: string, detail: string, extra?: unknown): string {
  return layout(
    title,
    config,
    `<section><h2>${escapeHtml(title)}</h2><p class="bad" id="error" role="alert">${escapeHtml(detail)}</p>${extra === undefined ? '' : `<pre>${json(extra)}</pre>`}<p><a href="/">Start again</a></p></section>`,
  );
}
