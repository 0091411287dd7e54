/**
 * `/callback`: where a browser lands after authorize when a person, not an application, is the
 * client (the guides' curl walk-throughs). It shows what the redirect carried — code, state, issuer,
 * or the error — so the code can be copied into a token request. It never redeems anything.
 */
import { escapeHtml, layout } from './html.ts';

/** The RFC 6749 §4.1.2 / RFC 9207 members of an authorization response, as received. */
export interface CallbackInput {
  readonly code?: string;
  readonly state?: string;
  readonly iss?: string;
  readonly error?: string;
  readonly errorDescription?: string;
}

export function callbackPage(input: CallbackInput): string {
  const row = (id: string, label: string, value: string | undefined) =>
    value === undefined ? '' : `<dt>${label}</dt><dd><code id="${id}">${escapeHtml(value)}</code></dd>`;
  if (input.error !== undefined) {
    return layout(
      'Authorization failed',
      `<h1>Authorization failed</h1>
<p class="error" role="alert"><code id="error">${escapeHtml(input.error)}</code>${input.errorDescription ? `: <span id="error-description">${escapeHtml(input.errorDescription)}</span>` : ''}</p>
<dl>${row('state', 'state', input.state)}${row('iss', 'iss', input.iss)}</dl>`,
    );
  }
  if (input.code === undefined) {
    return layout(
      'Callback',
      `<h1>Callback</h1>
<p>Register <code>…/callback</code> of this server as a client's <code>redirect_uri</code> to see the authorization code here after sign-in and consent.</p>`,
    );
  }
  return layout(
    'Authorization code',
    `<h1>Authorization code</h1>
<p>Redeem it at the token endpoint within its lifetime, once:</p>
<dl>${row('code', 'code', input.code)}${row('state', 'state', input.state)}${row('iss', 'iss', input.iss)}</dl>`,
  );
}
