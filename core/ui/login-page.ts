import { escapeHtml, layout } from './html.ts';

export interface LoginPageInput {
  action: string;
  requestId: string;
  csrf: string;
  clientName: string;
  error?: string;
  username?: string;
}

export function loginPage(input: LoginPageInput): string {
  return layout(
    'Sign in',
    `<h1>Sign in</h1>
<p><small>to continue to <strong>${escapeHtml(input.clientName)}</strong></small></p>
${input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : ''}
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="request_id" value="${escapeHtml(input.requestId)}">
<input type="hidden" name="csrf_token" value="${escapeHtml(input.csrf)}">
<label for="username">Username</label><input type="text" id="username" name="username" autocomplete="username" value="${escapeHtml(input.username ?? '')}" required autofocus>
<label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" id="sign-in">Sign in</button>
</form>`,
  );
}
