/**
 * Calls the server as curl or an OAuth client library would: real HTTPS through undici, optionally
 * presenting a client certificate. The test server's certificate is self-signed, so its
 * verification is off here (curl -k in the guides).
 */
import { Agent, request } from 'undici';

export interface CallOptions {
  method?: string;
  /** Sent as application/x-www-form-urlencoded. */
  form?: Record<string, string>;
  json?: unknown;
  headers?: Record<string, string>;
  /** Client certificate (PEM) and key (PEM) for mutual TLS. */
  cert?: string;
  key?: string;
  /** Basic credentials. */
  basic?: [string, string];
  bearer?: string;
  body?: string;
}

export interface CallResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
}

const agents = new Map<string, Agent>();

function agentFor(cert?: string, key?: string): Agent {
  const id = `${cert ?? ''}|${key ?? ''}`;
  let agent = agents.get(id);
  if (!agent) {
    agent = new Agent({ connect: { rejectUnauthorized: false, ...(cert && key ? { cert, key } : {}) } });
    agents.set(id, agent);
  }
  return agent;
}

export async function call(url: string, options: CallOptions = {}): Promise<CallResult> {
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
  if (options.bearer) headers.authorization = `Bearer ${options.bearer}`;
  const response = await request(url, {
    method: (options.method ?? (body !== undefined ? 'POST' : 'GET')) as 'GET',
    headers,
    body,
    dispatcher: agentFor(options.cert, options.key),
  });
  const text = await response.body.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.statusCode, headers: response.headers, text, json };
}

/** Closes pooled connections (end of a test file). */
export async function closeClients(): Promise<void> {
  await Promise.all([...agents.values()].map((a) => a.close()));
  agents.clear();
}
