// The ceiling: node:https (and node:http for the proxy mode) answering every POST with a fixed small
// JSON body, with the same TLS settings as the other two servers. Nothing an authorization server
// does is done here, so its CPU per request is what TLS and HTTP alone cost.
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

// An experiment (docs/performance.md, issue #20), off unless set in the environment:
// BENCH_CEILING_HEAP_MB keeps about that many MB of small live objects (~100 MB of heap for 120), a
// heap the size of an application's for the garbage collector to mark.
const heapMb = Number(process.env.BENCH_CEILING_HEAP_MB ?? 0);
const ballast = [];
for (let i = 0; i < heapMb * 8192; i++) ballast.push({ id: i, name: `entry-${i}`, next: null });

const body = Buffer.from('{"access_token":"ceiling-0123456789abcdefghijklmnopqrstuvwxyz","token_type":"Bearer","expires_in":3600}');

function handle(req, res) {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, 'cache-control': 'no-store' });
    res.end(body);
  });
}

const tls = {
  cert: readFileSync(config.serverCertFile, 'utf8'),
  key: readFileSync(config.serverKeyFile, 'utf8'),
  ca: readFileSync(config.caFile, 'utf8'),
  requestCert: true,
  rejectUnauthorized: false,
  minVersion: 'TLSv1.2',
};
const https = createHttpsServer(tls, handle);
const http = createHttpServer(handle);
await Promise.all([https, http].map((s) => new Promise((done) => s.listen(0, '127.0.0.1', done))));
globalThis.benchBallast = ballast;
if (heapMb > 0) process.stderr.write(`ceiling: ballast of ${ballast.length} objects, heap used ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MB\n`);
process.send({ type: 'ready', https: https.address().port, http: http.address().port });
process.on('message', (m) => {
  if (m?.type === 'stop') {
    https.close();
    http.close();
    https.closeAllConnections();
    http.closeAllConnections();
    process.exit(0);
  }
});
