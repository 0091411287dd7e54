/**
 * Calls the server as curl or an OAuth client library would: real HTTPS through undici, optionally
 * presenting a client certificate. The test server's certificate is self-signed, so its
 * verification is off here (curl -k in the guides).
 */
import { Agent, request, type Dispatcher } from 'undici';

/** What a request says, whoever sends it (this module, the hardening kit, the soak run). */
export interface RequestOptions {
  method?: string;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  json?: unknown;
  headers?: Record<string, string>;
  /** Basic credentials, form-encoded first (RFC 6749 §2.3.1). */
  basic?: [string, string];
  bearer?: string;
  body?: string | Buffer;
}

export interface CallOptions extends RequestOptions {
  /** Client certificate (PEM) and key (PEM) for mutual TLS. */
  cert?: string;
  key?: string;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

/**
 * Undici agents by client certificate: one per certificate (or none), made on first use, each
 * trusting any server certificate. `close()` ends them all; the next request opens a new one.
 */
export function agentPool(options: Omit<Agent.Options, 'connect'> = {}): { agentFor(cert?: string, key?: string): Agent; close(): Promise<void> } {
  const agents = new Map<string, Agent>();
  return {
    agentFor(cert, key) {
      const id = `${cert ?? ''}|${key ?? ''}`;
      let agent = agents.get(id);
      if (!agent) {
        agent = new Agent({ ...options, connect: { rejectUnauthorized: false, ...(cert && key ? { cert, key } : {}) } });
        agents.set(id, agent);
      }
      return agent;
    },
    async close() {
      const open = [...agents.values()];
      agents.clear();
      await Promise.all(open.map((a) => a.close()));
    },
  };
}

const pool = agentPool();

/** Method, headers and body for undici: a form or JSON body, Basic or Bearer credentials; POST when there is a body. */
export function requestParts(options: RequestOptions): { method: 'GET'; headers: Record<string, string>; body: string | Buffer | undefined } {
  const headers: Record<string, string> = { ...options.headers };
  let body = options.body;
  if (options.form) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    body = new URLSearchParams(options.form).toString();
  } else if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.json);
  }
  if (options.basic) headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(options.basic[0])}:${encodeURIComponent(options.basic[1])}`).toString('base64')}`;
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  // undici types `method` as a union of names; any string goes on the wire.
  return { method: (options.method ?? (body !== undefined ? 'POST' : 'GET')) as 'GET', headers, body };
}

/** The answer's status, headers and text, and its JSON when the text is JSON (undefined otherwise). */
export async function readAnswer(response: Dispatcher.ResponseData): Promise<CallResult> {
  const text = await response.body.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, text, json };
}

export async function call(url: string, options: CallOptions = {}): Promise<CallResult> {
  return readAnswer(await request(url, { ...requestParts(options), dispatcher: pool.agentFor(options.cert, options.key) }));
}

/** Closes pooled connections (end of a test file). */
export function closeClients(): Promise<void> {
  return pool.close();
}
