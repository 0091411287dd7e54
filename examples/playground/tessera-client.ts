/**
 * The playground's server side talking to Tessera: every call goes over HTTPS with undici, presenting
 * the configured client certificate (mutual TLS, RFC 8705) — the token request authenticates the
 * client with it and Tessera binds the tokens to it.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { Agent, request } from 'undici';
import type { PlaygroundConfig } from './config.ts';

export interface HttpResult {
  status: number;
  /** Parsed JSON body, or the text when it is not JSON. */
  body: unknown;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  /** "verified with kid ..." or why not. */
  signature: string;
  verified: boolean;
}

export class TesseraClient {
  private readonly agent: Agent;
  readonly endpoints: { authorize: string; token: string; introspect: string; jwks: string };

  constructor(private readonly config: PlaygroundConfig) {
    this.agent = new Agent({
      connect: {
        rejectUnauthorized: !config.insecure,
        ...(config.serverCa ? { ca: config.serverCa } : {}),
        ...(config.tls ? { cert: config.tls.certificate, key: config.tls.key } : {}),
      },
    });
    const base = config.tesseraUrl;
    this.endpoints = { authorize: `${base}/oauth2/authorize`, token: `${base}/oauth2/token`, introspect: `${base}/oauth2/introspect`, jwks: `${base}/oauth2/jwks` };
  }

  /**
   * A token request. The client authenticates with its secret (client_secret_basic) when one is
   * configured for this client id, else by its certificate alone (client_id in the body).
   */
  async token(clientId: string, form: Record<string, string>): Promise<HttpResult> {
    const headers: Record<string, string> = {};
    const body = { ...form };
    this.authenticateClient(clientId, headers, body);
    return this.post(this.endpoints.token, body, headers);
  }

  /** RFC 7662, as the super admin (Basic) or as the client, per [introspection] auth. */
  async introspect(clientId: string, token: string): Promise<HttpResult | null> {
    const { auth, username, password } = this.config.introspection;
    if (auth === 'none') return null;
    const headers: Record<string, string> = {};
    const body: Record<string, string> = { token };
    if (auth === 'admin') headers.authorization = basic(username, password);
    else this.authenticateClient(clientId, headers, body);
    return this.post(this.endpoints.introspect, body, headers);
  }

  /** Decodes a JWT and checks its signature against Tessera's JWKS (fetched over the same TLS). */
  async decodeJwt(token: string): Promise<DecodedJwt | null> {
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(token) as Record<string, unknown>;
      claims = decodeJwt(token) as Record<string, unknown>;
    } catch {
      return null;
    }
    try {
      const jwks = await this.get(this.endpoints.jwks);
      if (jwks.status !== 200) throw new Error(`JWKS answered ${jwks.status}`);
      await jwtVerify(token, createLocalJWKSet(jwks.body as JSONWebKeySet), { clockTolerance: 60 });
      return { header, claims, signature: `verified with Tessera's JWKS (kid ${String(header.kid)})`, verified: true };
    } catch (err) {
      return { header, claims, signature: `not verified: ${(err as Error).message}`, verified: false };
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private authenticateClient(clientId: string, headers: Record<string, string>, body: Record<string, string>): void {
    if (this.config.clientSecret && clientId === this.config.clientId) headers.authorization = basic(clientId, this.config.clientSecret);
    else body.client_id = clientId;
  }

  private async post(url: string, form: Record<string, string>, headers: Record<string, string>): Promise<HttpResult> {
    const response = await request(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(form).toString(),
      dispatcher: this.agent,
    });
    return { status: response.statusCode, body: parseBody(await response.body.text()) };
  }

  private async get(url: string): Promise<HttpResult> {
    const response = await request(url, { method: 'GET', headers: { accept: 'application/json' }, dispatcher: this.agent });
    return { status: response.statusCode, body: parseBody(await response.body.text()) };
  }
}

/** RFC 6749 §2.3.1: each part percent-encoded before Basic. */
function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(user)}:${encodeURIComponent(password)}`).toString('base64')}`;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** RFC 7636 S256 pair. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function randomValue(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

/** Compares two strings without leaking where they differ. */
export function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
