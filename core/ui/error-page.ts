import { escapeHtml, layout } from './html.ts';

/** Shown when the client or redirect_uri cannot be trusted with a redirect (RFC 6749 §4.1.2.1). */
export function errorPage(error: string, description: string): string {
  return layout('Request refused', `<h1>This request cannot be completed</h1><p class="error"><code>${escapeHtml(error)}</code></p><p>${escapeHtml(description)}</p>`);
}
