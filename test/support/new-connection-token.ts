/**
 * A client_credentials token request on a new TLS connection, as node's https client makes it with a
 * session cache: whether the session was resumed, and what the issued JWT is bound to (cnf.x5t#S256).
 * Rejects with the connection's error (e.g. a server that closed it).
 */
import { X509Certificate } from 'node:crypto';
import { type Agent, request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { decodeJwt } from 'jose';
import { certificateThumbprint } from '../../core/crypto/thumbprint.ts';

export interface NewConnectionToken {
  status: number;
  resumed: boolean;
  boundTo: unknown;
}

export function tokenOnNewConnection(serverUrl: string, agent: Agent, clientId: string): Promise<NewConnectionToken> {
  return new Promise((resolve, reject) => {
    const req = request(`${serverUrl}/oauth2/token`, { method: 'POST', agent, headers: { 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const token = (JSON.parse(body) as { access_token?: string }).access_token;
        const boundTo = token ? (decodeJwt(token).cnf as Record<string, unknown> | undefined)?.['x5t#S256'] : undefined;
        resolve({ status: res.statusCode!, resumed: (req.socket as TLSSocket).isSessionReused(), boundTo });
      });
    });
    req.on('error', reject);
    req.end(`grant_type=client_credentials&client_id=${encodeURIComponent(clientId)}`);
  });
}

/** RFC 8705 §3.1 `x5t#S256` of a PEM certificate. */
export function certificateThumbprintOf(pem: string): string {
  return certificateThumbprint(new X509Certificate(pem).raw);
}
