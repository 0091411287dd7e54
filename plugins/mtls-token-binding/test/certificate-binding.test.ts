/**
 * The binding decision in isolation, for the client-authentication methods the end-to-end tests
 * cannot reach until the mutual-TLS authenticator bundle exists (tls_client_auth,
 * self_signed_tls_client_auth), and the composition rules of the wrapper.
 */
import { describe, expect, it, vi } from 'vitest';
import type { CertificateResult, ClientCertificate, GrantContext, GrantHandler } from '../../../core/api/index.ts';
import type { Client } from '../../../core/api/model.ts';
import { OAuthError } from '../../../core/api/index.ts';
import { CertificateBinding, CertificateBindingGrantHandler } from '../src/certificate-binding.ts';
import { RefreshTokenBindingHandler } from '../src/refresh-token-grant-handler.ts';
import { readBindingSettings } from '../src/settings.ts';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const cert = (thumbprint: string): ClientCertificate => ({ der: new Uint8Array([0x30]), chain: [], source: 'tls', thumbprint });
const NONE: CertificateResult = { certificate: null, problem: null };

function context(overrides: { client?: Partial<Client>; method?: string; authCertificate?: ClientCertificate; presented?: CertificateResult; params?: Record<string, string> } = {}): GrantContext {
  const client = {
    clientId: 'c1',
    tokenEndpointAuthMethod: null,
    tlsClientCertificateBoundAccessTokens: false,
    certificates: [],
    ...overrides.client,
  } as unknown as Client;
  return {
    tenantId: 'default',
    serverId: 'default',
    server: {} as GrantContext['server'],
    grantType: 'client_credentials',
    params: overrides.params ?? {},
    client,
    clientAuth: { method: overrides.method ?? 'client_secret_basic', ...(overrides.authCertificate ? { certificate: overrides.authCertificate } : {}) },
    request: { method: 'POST', path: '/oauth2/token', header: () => undefined, remoteAddress: '127.0.0.1', clientAddress: '127.0.0.1', clientCertificate: overrides.presented ?? NONE },
    confirmation: null,
    verifiedConfirmations: new Set(),
    proofs: {},
  };
}

const binding = (bindAll = false) => new CertificateBinding({ bindAllAccessTokens: bindAll }, logger);
const oauthError = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    if (OAuthError.is(err)) return err;
    throw err;
  }
  throw new Error('expected an OAuth error');
};

describe('CertificateBinding.decide', () => {
  it('binds tls_client_auth and self_signed_tls_client_auth clients to the certificate they authenticated with', () => {
    for (const method of ['tls_client_auth', 'self_signed_tls_client_auth']) {
      const ctx = context({ method, authCertificate: cert('T1'), presented: { certificate: cert('T1') } });
      expect(binding().decide(ctx)).toEqual({ 'x5t#S256': 'T1' });
    }
  });

  it('binds a client with registered certificates and no method when it presents one', () => {
    const ctx = context({ client: { certificates: ['-----BEGIN CERTIFICATE-----...'] }, presented: { certificate: cert('T2') } });
    expect(binding().decide(ctx)).toEqual({ 'x5t#S256': 'T2' });
    expect(binding().decide(context({ client: { certificates: ['pem'] } }))).toBeNull();
  });

  it('leaves a client that does not ask unbound, with or without a certificate', () => {
    expect(binding().decide(context({ presented: { certificate: cert('T3') } }))).toBeNull();
    expect(binding().decide(context())).toBeNull();
  });

  it('required binding without a usable certificate is invalid_grant, naming the problem only to the operator', () => {
    const err = oauthError(() => binding().decide(context({ client: { tlsClientCertificateBoundAccessTokens: true }, presented: { certificate: null, problem: 'certificate header: invalid base64' } })));
    expect(err.status).toBe(400);
    expect(err.error).toBe('invalid_grant');
    expect(err.description).not.toContain('base64');
    expect(err.reason).toContain('invalid base64');
  });

  it('bind_all binds whoever presents a certificate and refuses an unusable one', () => {
    expect(binding(true).decide(context({ presented: { certificate: cert('T4') } }))).toEqual({ 'x5t#S256': 'T4' });
    expect(binding(true).decide(context())).toBeNull();
    expect(oauthError(() => binding(true).decide(context({ presented: { certificate: null, problem: 'header too large' } }))).error).toBe('invalid_grant');
  });

  it('reads bind_all_access_tokens from the configuration, defaulting to false', () => {
    expect(readBindingSettings({ oauth: { mutualtls: { bind_all_access_tokens: true } } })).toEqual({ bindAllAccessTokens: true });
    expect(readBindingSettings({})).toEqual({ bindAllAccessTokens: false });
  });
});

describe('wrapping the core handler', () => {
  it('sets the confirmation before calling next, keeping members an outer handler set', async () => {
    const next: GrantHandler = { handle: vi.fn(async (ctx: GrantContext) => ({ access_token: 'x', token_type: 'Bearer', expires_in: 1, seen: ctx.confirmation })) };
    const ctx = context({ client: { tlsClientCertificateBoundAccessTokens: true }, presented: { certificate: cert('T5') } });
    ctx.confirmation = { jkt: 'dpop-key' };
    const response = await new CertificateBindingGrantHandler(next, binding()).handle(ctx);
    expect(response.seen).toEqual({ jkt: 'dpop-key', 'x5t#S256': 'T5' });
  });

  it('does not call next when binding is impossible', async () => {
    const next: GrantHandler = { handle: vi.fn() };
    await expect(new CertificateBindingGrantHandler(next, binding()).handle(context({ client: { tlsClientCertificateBoundAccessTokens: true } }))).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(next.handle).not.toHaveBeenCalled();
  });

  it('refresh: verifies the bound refresh token, records the verified member, binds the new token', async () => {
    const record = { clientId: 'c1', confirmation: { 'x5t#S256': 'T6' } };
    const tokens = { findRefreshToken: vi.fn(async () => record as never) };
    const next: GrantHandler = { handle: vi.fn(async (ctx: GrantContext) => ({ access_token: 'x', token_type: 'Bearer', expires_in: 1, verified: [...ctx.verifiedConfirmations], cnf: ctx.confirmation })) };
    const handler = new RefreshTokenBindingHandler(next, binding(), tokens);
    const ok = await handler.handle(context({ params: { refresh_token: 'rt' }, presented: { certificate: cert('T6') } }));
    expect(ok).toMatchObject({ verified: ['x5t#S256'], cnf: { 'x5t#S256': 'T6' } });
    await expect(handler.handle(context({ params: { refresh_token: 'rt' }, presented: { certificate: cert('OTHER') } }))).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(handler.handle(context({ params: { refresh_token: 'rt' } }))).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(next.handle).toHaveBeenCalledTimes(1);
  });
});
