/**
 * Shared by this bundle's end-to-end tests: the deployment.toml blocks that switch the bundle on,
 * token requests as curl would send them, and the audit line the core writes for each outcome.
 */
import { expect } from 'vitest';
import { type CallResult, call } from '../../../test/support/https-client.ts';
import type { Issued } from '../../../test/support/pki.ts';
import type { TestServer } from '../../../test/support/test-server.ts';

export { freePort } from '../../../test/support/free-port.ts';

export const COMPONENT = 'tessera.mtls.MutualTLSClientAuthenticator';
export const WSO2_NAME = 'org.wso2.carbon.identity.oauth2.token.handler.clientauth.mutualtls.MutualTLSClientAuthenticator';
export const HEADER = 'x-wso2-mtls-cert';

/** The Tessera way of switching the authenticator on. */
export const ENABLE = `
[[event_listener]]
name = "${COMPONENT}"
`;

/** The WSO2 guide's entry, pasted unchanged. */
export const WSO2_ENABLE = `
[[event_listener]]
id = "custom_event_listener"
type = "org.wso2.carbon.identity.core.handler.AbstractIdentityMessageHandler"
name= "${WSO2_NAME}"
order = 158
enable = true
`;

export interface TokenCall {
  clientId?: string;
  /** The client's certificate (PEM, leaf first, intermediates after) and key, for the TLS handshake. */
  as?: Issued;
  cert?: string;
  key?: string;
  headers?: Record<string, string>;
  form?: Record<string, string>;
  basic?: [string, string];
  /** Default: `${server.url}/oauth2/token`. */
  url?: string;
}

/** `curl --cert client.pem --key client-key.pem -d grant_type=client_credentials -d client_id=...` */
export function token(server: TestServer, options: TokenCall = {}): Promise<CallResult> {
  const form: Record<string, string> = { grant_type: 'client_credentials', ...options.form };
  if (options.clientId !== undefined) form.client_id = options.clientId;
  return call(options.url ?? `${server.url}/oauth2/token`, {
    form,
    cert: options.cert ?? options.as?.certPem,
    key: options.key ?? options.as?.keyPem,
    headers: options.headers,
    basic: options.basic,
  });
}

export function expectToken(res: CallResult): void {
  expect(res.status, res.text).toBe(200);
  expect(typeof res.json.access_token).toBe('string');
}

/** RFC 6749 §5.2: 401 invalid_client with a challenge. */
export function expectInvalidClient(res: CallResult): void {
  expect(res.status, res.text).toBe(401);
  expect(res.json.error).toBe('invalid_client');
  expect(res.headers['www-authenticate']).toBeTruthy();
}

interface AuditLine {
  audit: { type: string; clientId?: string; method?: string; reason?: string; certificateThumbprint?: string };
}

/** The audit events the core logged for `clientId`, oldest first. */
export function auditEvents(server: TestServer, clientId: string): AuditLine['audit'][] {
  return server.logs
    .filter((line) => line.includes('"audit"'))
    .map((line) => (JSON.parse(line) as AuditLine).audit)
    .filter((a) => a.clientId === clientId && a.type.startsWith('client.authentication.'));
}

/** The `reason` of the latest failed authentication of `clientId` (what the operator reads). */
export function lastFailureReason(server: TestServer, clientId: string): string | undefined {
  return auditEvents(server, clientId)
    .filter((a) => a.type === 'client.authentication.failed')
    .at(-1)?.reason;
}

/** Refused with exactly this reason in the audit log, and nothing of it in the response. */
export function expectRefused(server: TestServer, res: CallResult, clientId: string, reason: string | RegExp): void {
  expectInvalidClient(res);
  const logged = lastFailureReason(server, clientId);
  if (typeof reason === 'string') expect(logged).toBe(reason);
  else expect(logged).toMatch(reason);
  expect(res.text).not.toContain(logged);
}

export function oneLinePem(issued: Issued): string {
  return issued.certPem.replace(/\r?\n/g, '');
}

