// One load-generator thread: `concurrency` closed loops, each sending one POST at a time.
//   keepalive  one undici Client (one connection) per loop, kept alive
//   handshake  a new undici Client per request, TLS session cache off: full mutual-TLS handshake
//   resumed    a new undici Client per request sharing one connector whose session cache resumes
// The main thread flips `control[0]`: 0 warm-up, 1 measuring, 2 stop. Requests completing while it
// is 1 are counted and their latencies kept. `control[1]` counts requests towards `maxRequests`.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { Client, buildConnector } from 'undici';

const { origin, path, headers, bodies, mode, tls, concurrency, maxRequests, offset } = workerData;
const control = new Int32Array(workerData.control);
const WARMUP = 0;
const MEASURE = 1;
const STOP = 2;

let latencies = new Float64Array(1 << 16);
let count = 0;
let errors = 0;
let firstError = null;
let handshakes = 0;
let resumed = 0;
let sent = 0;

const tlsOptions = tls ? { cert: tls.cert, key: tls.key, ca: tls.ca, servername: 'localhost' } : undefined;

function countingConnector(options) {
  const connector = buildConnector(options);
  return (opts, callback) =>
    connector(opts, (err, socket) => {
      if (!err && socket && typeof socket.isSessionReused === 'function') {
        handshakes++;
        if (socket.isSessionReused()) resumed++;
      }
      callback(err, socket);
    });
}

function record(started, statusCode, text) {
  const state = Atomics.load(control, 0);
  if (statusCode !== 200) {
    errors++;
    firstError ??= `${statusCode} ${text.slice(0, 300)}`;
  }
  if (state !== MEASURE) return;
  if (count === latencies.length) {
    const grown = new Float64Array(latencies.length * 2);
    grown.set(latencies);
    latencies = grown;
  }
  latencies[count++] = performance.now() - started;
}

function more() {
  if (Atomics.load(control, 0) === STOP) return false;
  if (maxRequests > 0 && Atomics.add(control, 1, 1) >= maxRequests) {
    Atomics.store(control, 0, STOP);
    return false;
  }
  return true;
}

async function send(client, i) {
  const started = performance.now();
  const body = bodies[(offset + i + sent++) % bodies.length];
  try {
    const response = await client.request({ method: 'POST', path, headers, body });
    const text = await response.body.text();
    record(started, response.statusCode, text);
  } catch (err) {
    record(started, 0, String(err?.message ?? err));
  }
}

async function keepAliveLoop(i) {
  const client = new Client(origin, { connect: tlsOptions, pipelining: 1, keepAliveTimeout: 60_000 });
  while (more()) await send(client, i);
  await client.close();
}

async function newConnectionLoop(i, connect) {
  while (more()) {
    const client = new Client(origin, { connect, pipelining: 1 });
    await send(client, i);
    await client.destroy();
  }
}

parentPort.postMessage({ type: 'ready' });
const loops = [];
if (mode === 'keepalive') {
  for (let i = 0; i < concurrency; i++) loops.push(keepAliveLoop(i));
} else {
  // One connector for the thread: with the session cache on, every new connection may resume.
  const connect = countingConnector({ ...tlsOptions, maxCachedSessions: mode === 'resumed' ? 100 : 0 });
  for (let i = 0; i < concurrency; i++) loops.push(newConnectionLoop(i, connect));
}
await Promise.all(loops);
const result = latencies.slice(0, count);
parentPort.postMessage({ type: 'result', count, errors, firstError, handshakes, resumed, latencies: result }, [result.buffer]);
