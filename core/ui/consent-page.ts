import { escapeHtml, layout } from './html.ts';

export interface ConsentPageInput {
  action: string;
  requestId: string;
  csrf: string;
  clientName: string;
  username: string;
  scopes: string[];
}

export function consentPage(input: ConsentPageInput): string {
  const scopes = input.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('');
  return layout(
    'Allow access',
    `<h1>Allow access?</h1>
<p><strong>${escapeHtml(input.clientName)}</strong> asks to access your account <strong>${escapeHtml(input.username)}</strong> with:</p>
<ul class="scopes">${scopes || '<li>basic access</li>'}</ul>
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="request_id" value="${escapeHtml(input.requestId)}">
<input type="hidden" name="csrf_token" value="${escapeHtml(input.csrf)}">
<button type="submit" name="decision" value="approve" id="approve">Allow</button>
<button type="submit" name="decision" value="deny" id="deny" class="secondary">Deny</button>
</form>`,
  );
}
