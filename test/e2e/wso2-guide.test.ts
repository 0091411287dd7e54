/**
 * docs/guides/wso2-mutual-tls.md, run as written: its deployment.toml blocks (WSO2's, unchanged),
 * `npx tessera start`, `tessera certs self-signed`, the admin API, and each curl call of the WSO2
 * guide — password grant over TLS, client credentials / authorization code / refresh with the
 * x-wso2-mtls-cert header and no secret, introspection as admin with cnf — then the legacy
 * x5t#SHA256 member after a restart. The code comes from Tessera's sign-in and consent pages in
 * headless Chromium. Only the port and the code are substituted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openBrowser, signInAndConsent, type E2eBrowser } from './support/browser.ts';
import { GUIDES, claimsOf, curlEnvironment, freePort, httpsPortFilter, jsonOf, statusOf, thumbprintOfFile, workFolder } from './support/guide-helpers.ts';
import { runGuide, stopGuideProcesses, type GuideContext, type GuideRun } from './support/guide-runner.ts';

const GUIDE = join(GUIDES, 'wso2-mutual-tls.md');
const SAMPLE_CODE = 'd7678fec-2cb0-374b-82cb-d368d301be57';
const WSO2_NAMES = {
  authenticator: 'org.wso2.carbon.identity.oauth2.token.handler.clientauth.mutualtls.MutualTLSClientAuthenticator',
  codeHandler: 'org.wso2.carbon.identity.oauth2.token.handler.clientauth.mutualtls.handlers.MTLSTokenBindingAuthorizationCodeGrantHandler',
};

describe('docs/guides/wso2-mutual-tls.md, run as written', () => {
  let run: GuideRun | undefined;
  let browser: E2eBrowser | undefined;
  const folder = workFolder('wso2');
  let failed = true;

  afterAll(async () => {
    await browser?.close();
    await run?.stop();
    await stopGuideProcesses();
    if (!failed) folder.remove();
  });

  it('works with only the port and the authorization code changed', { timeout: 180_000 }, async () => {
    const port = await freePort();
    const thumbprint = (ctx: GuideContext) => thumbprintOfFile(join(ctx.cwd, 'client.pem'));
    const tessera = `https://localhost:${port}`;
    let clientCredentialsToken = '';

    run = await runGuide(GUIDE, {
      root: folder.root,
      substitutions: { '9443': String(port) },
      fileFilter: httpsPortFilter(port),
      env: curlEnvironment(),
      checks: {
        started(ctx) {
          const logs = ctx.logsOf('npx tessera start').filter((l) => l.startsWith('{'));
          const file = readFileSync(join(ctx.cwd, 'deployment.toml'), 'utf8').split('\n');
          const lineOf = (needle: string) => file.findIndex((l) => l.includes(needle)) + 1;
          const warnings = logs.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
          // Each key without meaning: one warning, naming the key with its file and line.
          for (const [key, needle] of [
            ['transport.https.trustManagerClassName', 'trustManagerClassName='],
            ['oauth.grant_type.uma_ticket', '[oauth.grant_type.uma_ticket]'],
            ['oauth.grant_type.uma_ticket.retrieve_uma_permission_info_through_introspection', 'retrieve_uma_permission_info_through_introspection'],
          ]) {
            const about = warnings.filter((w) => w.msg.includes(`: ${key}: `));
            expect(about, key).toHaveLength(1);
            expect(about[0].msg).toMatch(new RegExp(`^deployment\\.toml:${lineOf(needle)}: `));
          }
          // ... and nothing else about the pasted blocks: no error, no other config warning.
          expect(logs.map((l) => JSON.parse(l) as { level: number }).filter((l) => l.level >= 50)).toEqual([]);
          const fromConfig = warnings.filter((w) => /^deployment\.toml:/.test(w.msg)).map((w) => w.msg);
          expect(fromConfig).toHaveLength(3);
          // The guide shows these three warnings (its line numbers are a reader's file, without the test's port line).
          const strip = (line: string) => line.replace(/^deployment\.toml:\d+: /, '');
          const shown = ctx.shown.trim().split('\n');
          expect(fromConfig.map(strip)).toEqual(shown.map(strip));
          const lineNumber = (line: string) => Number(/^deployment\.toml:(\d+):/.exec(line)?.[1]);
          expect(shown.map(lineNumber)).toEqual(fromConfig.map((line) => lineNumber(line) - 1));
          expect(logs.join('\n')).toMatch(/mtls-introspection@[\d.]+:active.*mtls-token-binding@[\d.]+:active.*mutual-tls-client-authenticator@[\d.]+:active/);
        },
        plugins(ctx) {
          const out = ctx.last.stdout;
          // The WSO2 class names switched the Tessera components on, in the guide's order.
          expect(out).toMatch(/on\s+order\s+158\s+ClientAuthenticator\s+tessera\.mtls\.MutualTLSClientAuthenticator/);
          expect(out).toMatch(/on\s+order\s+27\s+IntrospectionInterceptor\s+tessera\.mtls\.introspection\.IntrospectionResponseInterceptor/);
          expect(out).toMatch(/on\s+order\s+28\s+IntrospectionDataProvider\s+tessera\.mtls\.introspection\.CertificateBindingDataProvider/);
          for (const grant of ['AuthorizationCode', 'ClientCredentials', 'RefreshToken']) {
            expect(out).toMatch(new RegExp(`on\\s+order\\s+-?\\d+\\s+GrantHandler\\s+tessera\\.mtls\\.binding\\.${grant}GrantHandler`));
          }
          expect(out).toMatch(/off\s+order\s+-?\d+\s+GrantHandler\s+tessera\.mtls\.binding\.PasswordGrantHandler/);
          expect(out).toContain(`alias ${WSO2_NAMES.authenticator}`);
          expect(out).toContain(`alias ${WSO2_NAMES.codeHandler}`);
        },
        registered(ctx) {
          const client = jsonOf(ctx.last.stdout);
          expect(client).toMatchObject({ client_id: 'playground2', token_endpoint_auth_method: null, redirect_uris: ['http://localhost:8080/playground2/oauth2client'] });
          expect(client.certificate).toHaveLength(1);
          expect(ctx.variable('CERT')).toMatch(/^-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=]+-----END CERTIFICATE-----$/);
        },
        'password-grant'(ctx) {
          expect(statusOf(ctx.last.stdout)).toBe(200);
          const token = jsonOf(ctx.last.stdout);
          expect(token).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
          // Authenticated by the TLS certificate alone; the WSO2 blocks bind no password grant.
          expect(claimsOf(token.access_token)).toMatchObject({ client_id: 'playground2', username: 'admin' });
          expect(claimsOf(token.access_token).cnf).toBeUndefined();
        },
        'client-credentials'(ctx) {
          const token = jsonOf(ctx.last.stdout);
          expect(token).toMatchObject({ token_type: 'Bearer', scope: 'default' });
          expect(claimsOf(token.access_token).cnf).toEqual({ 'x5t#S256': thumbprint(ctx) });
          clientCredentialsToken = token.access_token as string;
        },
        async authorize(ctx) {
          const address = ctx.shown.trim();
          expect(address.startsWith(`${tessera}/oauth2/authorize?`)).toBe(true);
          browser = await openBrowser();
          const { context, page } = browser;
          const callback = new Promise<URL>((resolve) => {
            // Nothing listens at the playground2 address: the browser's request is answered here.
            void context.route('http://localhost:8080/playground2/oauth2client**', async (route) => {
              resolve(new URL(route.request().url()));
              await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>code received</p>' });
            });
          });
          await page.goto(address);
          await signInAndConsent(page, 'admin', 'admin');
          const landed = await callback;
          expect(landed.searchParams.get('iss')).toBe(tessera);
          ctx.substitute(SAMPLE_CODE, landed.searchParams.get('code')!);
        },
        'authorization-code'(ctx) {
          const token = jsonOf(ctx.last.stdout);
          expect(token).toMatchObject({ token_type: 'Bearer', scope: 'openid' });
          expect(token.refresh_token).toEqual(expect.any(String));
          expect(claimsOf(token.id_token)).toMatchObject({ aud: 'playground2', sub: 'admin', iss: tessera });
          expect(claimsOf(token.access_token).cnf).toEqual({ 'x5t#S256': thumbprint(ctx) });
        },
        refresh(ctx) {
          const token = jsonOf(ctx.last.stdout);
          expect(token.refresh_token).toEqual(expect.any(String));
          expect(token.refresh_token).not.toBe(ctx.variable('REFRESH_TOKEN'));
          expect(claimsOf(token.access_token).cnf).toEqual({ 'x5t#S256': thumbprint(ctx) });
        },
        introspection(ctx) {
          expect(ctx.variable('ACCESS_TOKEN')).toBe(clientCredentialsToken);
          const result = jsonOf(ctx.last.stdout);
          expect(result).toMatchObject({ active: true, client_id: 'playground2', cnf: { 'x5t#S256': thumbprint(ctx) } });
          expect(result.cnf).not.toHaveProperty('x5t#SHA256');
          expect(result.scope).toBe('default');
        },
        thumbprint(ctx) {
          expect(ctx.last.stdout.trim()).toBe(thumbprint(ctx));
        },
        'legacy-introspection'(ctx) {
          const result = jsonOf(ctx.last.stdout);
          expect(result).toMatchObject({ active: true, cnf: { 'x5t#S256': thumbprint(ctx), 'x5t#SHA256': thumbprint(ctx) } });
        },
      },
    });
    failed = false;
  });
});
