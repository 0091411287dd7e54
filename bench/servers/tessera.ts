/**
 * Tessera from this checkout, started the way `tessera start` starts it (startServer with the admin
 * API mounted), with its default durable store (the SQLite file under data_dir) and the three mTLS
 * bundles switched on by deployment.toml: the tls_client_auth authenticator (PKI + subject DN), the
 * certificate-binding client_credentials handler and the introspection interceptor + data provider.
 * A plain-HTTP listener with `client_certificate_header` serves the behind-a-proxy scenario.
 * As `tessera-revocation` it also enables the certificate-revocation bundle: hard_fail, one CRL file
 * (the bench CA's), no OCSP and no distribution points, so the warm path is what is measured.
 *
 * Optionally seeds N bound access tokens straight into the SQLite file first (table-size scenario).
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { adminRoutes } from '../../core/admin/admin-routes.ts';
import type { Client } from '../../core/api/model.ts';
import { DEFAULT_SERVER } from '../../core/servers/server-context.ts';
import { startServer } from '../../core/runtime/start-server.ts';
import { MTLS_BUNDLES_TOML } from '../lib/bound-client.ts';
import { interceptRawStep, mountBreakdownRoutes } from './breakdown-routes.ts';
import { openStore } from '../../core/store/open-store.ts';
import type { ServerConfig } from '../lib/server-process.ts';
import { aClient } from '../../test/support/client-builder.ts';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8')) as ServerConfig;
const sqliteFile = config.sqliteFile ?? join(config.dir, 'data', 'tessera.db');

const toml = `
[server]
hostname = "localhost"
data_dir = ${JSON.stringify(join(config.dir, 'data'))}

[database]
sqlite_file = ${JSON.stringify(sqliteFile)}
${config.databaseUrl ? `url = ${JSON.stringify(config.databaseUrl)}\nschema = ${JSON.stringify(config.databaseSchema ?? 'tessera_bench')}` : ''}

[transport.https]
host = "127.0.0.1"
port = 0
cert_file = ${JSON.stringify(config.serverCertFile)}
key_file = ${JSON.stringify(config.serverKeyFile)}
clientAuth = "want"
truststore = ${JSON.stringify(config.caFile)}

[transport.http]
enabled = true
host = "127.0.0.1"
port = 0
trusted_proxies = ["127.0.0.0/8"]

[oauth.mutualtls]
client_certificate_header = ${JSON.stringify(config.certificateHeader)}

${MTLS_BUNDLES_TOML}${config.kind === 'tessera-revocation' ? revocationToml() : ''}`;
const configFile = join(config.dir, 'deployment.toml');
writeFileSync(configFile, toml);

function revocationToml(): string {
  if (!config.crlFile) throw new Error('tessera-revocation needs crlFile');
  return `
[[event_listener]]
name = "tessera.revocation.CertificateRevocationValidator"

[oauth.mutualtls.revocation]
mode = "hard_fail"
crl_files = [${JSON.stringify(config.crlFile)}]
`;
}

/** Seeded token values handed back for introspection, spread evenly over the table. */
const SAMPLE = 1000;

let seeded: { sampleTokens: string[]; seedSeconds: number } | undefined;
if (config.seedRows) seeded = await seed(config.seedRows);
// Seeding runs in a process of its own (seedOnly), so the seeding's garbage is not the server's RSS.
if (config.seedOnly) {
  process.send!({ type: 'seeded', ...seeded });
  process.disconnect();
  process.exit(0);
}

const running = await startServer({
  configFile,
  mount: config.breakdown
    ? (app, runtime) => {
        adminRoutes(app, runtime);
        mountBreakdownRoutes(app, runtime);
      }
    : adminRoutes,
});
if (config.breakdown) interceptRawStep(running.listeners.find((l) => l.name === 'https')!.server);
for (const format of ['opaque', 'jwt'] as const) {
  const clientId = `bench-${format}`;
  if (await running.runtime.store.clients.get(DEFAULT_SERVER, clientId)) continue;
  await running.runtime.store.clients.create(benchClient(clientId, format));
}

process.send!({
  type: 'ready',
  https: running.listeners.find((l) => l.name === 'https')!.port,
  http: running.listeners.find((l) => l.name === 'http')!.port,
  ...seeded,
});
// Profiling of the measured window only (bench --profile): the inspector, started and stopped over IPC.
let profiler: Session | undefined;
process.on('message', (m: { type?: string; file?: string }) => {
  if (m?.type === 'stop') void running.stop(2000).then(() => process.exit(0));
  if (m?.type === 'profile-start') {
    profiler = new Session();
    profiler.connect();
    void profiler
      .post('Profiler.enable')
      .then(() => profiler!.post('Profiler.setSamplingInterval', { interval: 200 }))
      .then(() => profiler!.post('Profiler.start'))
      .then(() => process.send!({ type: 'profile-started' }));
  }
  if (m?.type === 'profile-stop' && profiler) {
    void profiler.post('Profiler.stop').then(({ profile }) => {
      writeFileSync(m.file!, JSON.stringify(profile));
      profiler!.disconnect();
      profiler = undefined;
      process.send!({ type: 'profile-written' });
    });
  }
});

function benchClient(clientId: string, format: 'opaque' | 'jwt'): Client {
  return aClient({
    clientId,
    clientName: clientId,
    tokenEndpointAuthMethod: 'tls_client_auth',
    scopes: ['api:read'],
    tlsClientAuthSubjectDn: config.clientDn,
    tlsClientCertificateBoundAccessTokens: true,
    accessTokenFormat: format,
  });
}

/** The value of seeded token `i`: deterministic, so a reused file's sample is known without reading it. */
function seededToken(i: number): string {
  return createHash('sha256').update(`tessera-bench-seed-${i}`).digest('base64url');
}

async function seed(rows: number): Promise<{ sampleTokens: string[]; seedSeconds: number }> {
  const started = performance.now();
  // The schema first, by the store itself; then rows straight into the file, as the brief asks.
  const store = await openStore({ sqliteFile });
  await store.close();
  const db = new BetterSqlite3(sqliteFile);
  db.pragma('journal_mode = WAL');
  const have = (db.prepare(`SELECT count(*) AS n FROM access_tokens WHERE tenant_id = 'default' AND server_id = 'default' AND grant_id >= 'seed-grant-' AND grant_id < 'seed-grant.'`).get() as { n: number }).n;
  if (have < rows) {
    const now = Math.floor(Date.now() / 1000);
    const confirmation = JSON.stringify({ 'x5t#S256': config.clientThumbprint });
    const insert = db.prepare(
      `INSERT OR IGNORE INTO access_tokens (tenant_id, server_id, id, format, client_id, subject, username, scopes, audience, issued_at, expires_at, confirmation, grant_id, revoked)
       VALUES ('default', 'default', ?, 'opaque', 'bench-opaque', NULL, NULL, '["api:read"]', '["bench-opaque"]', ?, ?, ?, ?, 0)`,
    );
    const batch = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const id = createHash('sha256').update(seededToken(i)).digest('base64url');
        insert.run(id, now, now + 7 * 86400, confirmation, `seed-grant-${i}`);
      }
    });
    for (let from = have; from < rows; from += 50_000) batch(from, Math.min(rows, from + 50_000));
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const step = Math.max(1, Math.floor(rows / SAMPLE));
  const sampleTokens: string[] = [];
  for (let i = 0; i < rows && sampleTokens.length < SAMPLE; i += step) sampleTokens.push(seededToken(i));
  return { sampleTokens, seedSeconds: (performance.now() - started) / 1000 };
}
