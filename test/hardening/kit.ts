/**
 * Shared by the hardening tests: HTTP calls with a deadline (a hang is a failure, not a stuck run),
 * raw requests whose bytes undici would refuse to send, the "clean refusal" assertions every fuzz
 * case ends in, and fast-check settings bounded in runs and in time (the machine is shared).
 */
import { connect as tlsConnect } from 'node:tls';
import { connect as netConnect } from 'node:net';
import fc from 'fast-check';
import { request } from 'undici';
import { expect } from 'vitest';
import { agentPool, type CallOptions, type CallResult, readAnswer, requestParts } from '../support/https-client.ts';

/** Deadline of one request: generous for a loaded machine, short enough to call a hang a hang. */
export const REQUEST_DEADLINE_MS = 15_000;

export interface SendOptions extends CallOptions {
  deadlineMs?: number;
}

export interface Sent extends CallResult {
  ms: number;
}

// At most 16 connections to one origin per certificate (undici opens as many as asked for by default).
const pool = agentPool({ connections: 16 });

/** One HTTPS (or HTTP) request that must complete within the deadline. */
export async function send(url: string, options: SendOptions = {}): Promise<Sent> {
  const parts = requestParts(options);
  const started = performance.now();
  const deadline = options.deadlineMs ?? REQUEST_DEADLINE_MS;
  const attempt = () =>
    request(url, {
      ...parts,
      dispatcher: pool.agentFor(options.cert, options.key),
      signal: AbortSignal.timeout(deadline),
      headersTimeout: deadline,
      bodyTimeout: deadline,
    });
  const response = await attempt()
    // A kept-alive connection the server closed just as it was reused (a loaded machine fires the
    // idle timer late): one retry on a fresh connection. A server that resets on purpose resets twice.
    .catch((err: Error & { code?: string }) => (err.code === 'ECONNRESET' || err.code === 'UND_ERR_SOCKET' ? attempt() : Promise.reject(err)))
    .catch((err: Error) => {
      throw new Error(`${options.method ?? 'request'} ${url} failed (deadline ${deadline} ms): ${err.message}`);
    });
  return { ...(await readAnswer(response)), ms: performance.now() - started };
}

export async function closeAgents(): Promise<void> {
  // An agent whose connection the server already dropped may fail to close; nothing is left open either way.
  await pool.close().catch(() => undefined);
}

/**
 * Writes `head` (request line and headers, CRLF-terminated, no final blank line) and `body` on a raw
 * TLS or TCP connection, and returns the status code of the answer (0 when the server closed the
 * connection without one). For bytes undici refuses to put in a header.
 */
export function rawRequest(url: string, head: Buffer | string, body: Buffer | string = '', deadlineMs = REQUEST_DEADLINE_MS): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const port = Number(target.port);
  return new Promise((resolve, reject) => {
    const socket =
      target.protocol === 'https:'
        ? tlsConnect({ host: target.hostname, port, rejectUnauthorized: false, servername: 'localhost' })
        : netConnect({ host: target.hostname, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`raw request to ${url} got no answer within ${deadlineMs} ms`));
    }, deadlineMs);
    const finish = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: status ? Number(status[1]) : 0, text });
    };
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // One response is enough: stop once its head and declared body are in.
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end >= 0) {
        const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
        if (length && text.length - end - 4 >= Number(length[1])) socket.end();
      }
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', () => finish());
    const start = () => {
      const payload = Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
      const headText = Buffer.isBuffer(head) ? head : Buffer.from(head, 'latin1');
      // A head that declares its own framing (Transfer-Encoding) gets no Content-Length.
      const framing = /transfer-encoding:/i.test(headText.toString('latin1')) ? '' : `Content-Length: ${payload.length}\r\n`;
      socket.write(Buffer.concat([headText, Buffer.from(`${framing}Connection: close\r\n\r\n`, 'latin1'), payload]));
    };
    socket.once(target.protocol === 'https:' ? 'secureConnect' : 'connect', start);
  });
}

/** An RFC 6749 §5.2 / RFC 6750 refusal: 4xx JSON with an error code — never a 5xx, never a stack. */
export function expectJsonRefusal(res: Sent, allowed: number[] = [400, 401, 403, 404, 413]): void {
  expect(res.status, res.text).toBeGreaterThanOrEqual(400);
  expect(allowed, `status ${res.status}: ${res.text}`).toContain(res.status);
  expect(typeof res.json?.error, res.text).toBe('string');
  expect(res.text).not.toMatch(/\bat .*\.ts:\d+/);
}

/** Any answer but a server error. */
export function expectNoServerError(res: { status: number; text: string }): void {
  expect(res.status, res.text).toBeGreaterThanOrEqual(200);
  expect(res.status, res.text).toBeLessThan(500);
}

/** The server still answers /health with 200 after what a test threw at it. */
export async function expectHealthy(baseUrl: string): Promise<void> {
  const health = await send(`${baseUrl}/health`);
  expect(health.status, health.text).toBe(200);
  expect(health.json.status).toBe('ok');
}

/** No log line of level error (50) or above: nothing unexpected happened inside. */
export function expectNoErrorLogs(logs: readonly string[]): void {
  const errors = logs.filter((line) => {
    try {
      return (JSON.parse(line) as { level: number }).level >= 50;
    } catch {
      return false;
    }
  });
  expect(errors).toEqual([]);
}

/**
 * fast-check run settings: a fixed number of cases, cut short (and counted as passed) past a time
 * budget, so a loaded machine runs fewer cases instead of a longer suite. The budget is the smaller of
 * `seconds` and HARDENING_FUZZ_SECONDS (default 5). For a deep run, scale both up:
 *   HARDENING_FUZZ_SCALE=20 HARDENING_FUZZ_SECONDS=300 npx vitest run test/hardening
 * Failures print the seed and path to replay them.
 */
export function runs(numRuns: number, seconds = 10): fc.Parameters<unknown> {
  const scale = Number(process.env.HARDENING_FUZZ_SCALE ?? 1) || 1;
  const budget = Math.min(seconds * scale, Number(process.env.HARDENING_FUZZ_SECONDS ?? 5) || 5);
  return { numRuns: Math.ceil(numRuns * scale), interruptAfterTimeLimit: budget * 1000, markInterruptAsFailure: false };
}

/** Text fast-check likes to break parsers with: any code unit, control characters, long runs. */
export const hostileText = (maxLength = 300) =>
  fc.oneof(
    fc.string({ maxLength, unit: 'binary' }),
    fc.string({ maxLength, unit: 'grapheme-composite' }),
    fc.string({ maxLength, unit: fc.constantFrom('%', '=', '&', '+', ':', ' ', '\\', '"', ',', ';', '#', '\u0000', '\uffff', '\ud800', 'A', '0') }),
    fc.constantFrom('', '%', '%zz', '%00', '%ff', '%c3%28', '=', '&&&', 'a=1&a=2', '\u0000=\u0000', 'x'.repeat(5000)),
  );

/** Percent-encodes every byte of the UTF-8 form (lone surrogates become U+FFFD instead of throwing). */
export function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}
