/**
 * The front door at `/`: what a person who just ran `npm start` wants to know and open next — the
 * server's name and version, its issuer, links to discovery, the admin tools and /health, and the
 * bundles that are switched on. Static HTML, no script (the CSP of PAGE_HEADERS forbids any).
 */
import { escapeHtml } from './html.ts';

export interface LandingLink {
  readonly href: string;
  readonly label: string;
  readonly what: string;
}

export interface LandingBundle {
  readonly name: string;
  readonly version: string | null;
  /** Enabled components, qualified names. */
  readonly components: readonly string[];
}

export interface LandingPageInput {
  readonly version: string;
  readonly issuer: string;
  readonly links: readonly LandingLink[];
  readonly bundles: readonly LandingBundle[];
}

export function landingPage(input: LandingPageInput): string {
  const links = input.links
    .map((l) => `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}</a> <small>${escapeHtml(l.what)}</small></li>`)
    .join('\n');
  const bundles =
    input.bundles.length === 0
      ? '<p id="no-bundles">No bundle is enabled: <code>deployment.toml</code> switches components on (<code>npx tessera plugins</code> lists them).</p>'
      : `<table id="bundles" aria-labelledby="bundles-heading">
<thead><tr><th scope="col">Bundle</th><th scope="col">Version</th><th scope="col">Enabled components</th></tr></thead>
<tbody>
${input.bundles
  .map((b) => `<tr><td>${escapeHtml(b.name)}</td><td>${escapeHtml(b.version ?? '?')}</td><td>${b.components.map((c) => `<code>${escapeHtml(c)}</code>`).join('<br>')}</td></tr>`)
  .join('\n')}
</tbody></table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tessera ${escapeHtml(input.version)}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0;padding:2rem 1rem;color:#1d1f23}
main{background:#fff;padding:2rem 2.5rem;border-radius:10px;box-shadow:0 2px 12px #0002;max-width:760px;margin:0 auto}
h1{font-size:1.5rem;margin-top:0}h2{font-size:1.1rem;margin-top:1.6rem}small{color:#555}code{font-size:.9em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{font-weight:600}dd{margin:0;word-break:break-all}
ul{padding-left:1.2rem}li{margin:.35rem 0}a{color:#2456c9}a:focus{outline:2px solid #2456c9;outline-offset:2px}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.4rem .5rem;text-align:left;vertical-align:top}
</style></head><body><main>
<h1>Tessera <span id="version">${escapeHtml(input.version)}</span></h1>
<p>An OAuth 2.0 / OpenID Connect authorization server for mutual TLS (RFC 8705).</p>
<dl><dt>Issuer</dt><dd id="issuer"><code>${escapeHtml(input.issuer)}</code></dd></dl>
<h2>Open</h2>
<ul id="links">
${links}
</ul>
<h2 id="bundles-heading">Enabled bundles</h2>
${bundles}
</main></body></html>`;
}
