/**
 * HTTP for CRLs and OCSP, bounded in time (one deadline from connection to the last byte) and in
 * size (the body is read in chunks and abandoned past the limit), so a dead, slow or hostile server
 * costs a request at most `timeoutMs`. Redirects are not followed (RFC 5019 responders need none, and a
 * redirect could point anywhere).
 */
export interface FetchLimits {
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

export type FetchResult = { readonly body: Uint8Array; readonly problem?: undefined } | { readonly body?: undefined; readonly problem: string };

export type Fetcher = (url: string, init: { method: 'GET' | 'POST'; contentType?: string; body?: Uint8Array; accept: string }) => Promise<FetchResult>;

export function boundedFetcher(limits: FetchLimits): Fetcher {
  return async (url, init) => {
    const signal = AbortSignal.timeout(limits.timeoutMs);
    try {
      const res = await fetch(url, {
        method: init.method,
        headers: { accept: init.accept, ...(init.contentType ? { 'content-type': init.contentType } : {}) },
        body: init.body ? Buffer.from(init.body) : undefined,
        redirect: 'manual',
        signal,
      });
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        return { problem: `HTTP ${res.status}` };
      }
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (declared > limits.maxBytes) {
        await res.body?.cancel().catch(() => undefined);
        return { problem: `response larger than max_response_bytes (${limits.maxBytes})` };
      }
      return await readBounded(res.body, limits.maxBytes);
    } catch (e) {
      if (signal.aborted) return { problem: `no answer within fetch_timeout_ms (${limits.timeoutMs} ms)` };
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      return { problem: cause?.code ?? cause?.message ?? (e as Error).message };
    }
  };
}

async function readBounded(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<FetchResult> {
  if (!body) return { body: new Uint8Array(0) };
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { problem: `response larger than max_response_bytes (${maxBytes})` };
    }
    chunks.push(value);
  }
  return { body: new Uint8Array(Buffer.concat(chunks)) };
}
