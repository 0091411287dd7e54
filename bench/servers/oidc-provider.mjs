// node-oidc-provider (the devDependency pinned in package-lock) configured for the same job as
// Tessera's mTLS bundles: a tls_client_auth client with a subject DN, certificate-bound access
// tokens, client_credentials, introspection, opaque and JWT access tokens chosen per resource
// (resource indicators). Its default adapter (in memory, a 1000-entry LRU: not durable) stores the
// tokens; with `adapter: "sqlite"` a small adapter on better-sqlite3 with Tessera's settings (WAL,
// synchronous NORMAL) does, for a durable-store comparison.
//
// The mTLS callbacks are the user's job in oidc-provider; they are written here as a careful user
// would: the TLS certificate is read once per connection, and trust on TLS is the handshake's own
// verdict (socket.authorized, OpenSSL against the same CA file). Behind a proxy (plain HTTP) the
// forwarded certificate is parsed and checked against the CA in JavaScript, once per request.
import { X509Certificate, generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const caPem = readFileSync(config.caFile, 'utf8');
const ca = new X509Certificate(caPem);
const header = config.certificateHeader.toLowerCase();

function signingKey(type, options, alg) {
  const jwk = generateKeyPairSync(type, options).privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: randomUUID(), alg, use: 'sig' };
}

const bySocket = new WeakMap();
const CERT = Symbol('bench.certificate');

/** The client certificate: from the TLS socket (once per connection), or the proxy's header. */
function getCertificate(ctx) {
  if (ctx.state[CERT] !== undefined) return ctx.state[CERT] ?? undefined;
  let cert = null;
  const socket = ctx.req.socket;
  if (socket.encrypted) {
    cert = bySocket.get(socket);
    if (cert === undefined) {
      cert = socket.getPeerX509Certificate() ?? null;
      bySocket.set(socket, cert);
    }
  } else {
    const value = ctx.get(header);
    if (value) {
      try {
        cert = new X509Certificate(decodeURIComponent(value));
      } catch {
        cert = null;
      }
    }
  }
  ctx.state[CERT] = cert;
  return cert ?? undefined;
}

const verified = new WeakMap();

function certificateAuthorized(ctx) {
  const socket = ctx.req.socket;
  if (socket.encrypted) return socket.authorized === true;
  const cert = getCertificate(ctx);
  if (!cert) return false;
  let ok = verified.get(cert);
  if (ok === undefined) {
    const now = Date.now();
    ok = cert.checkIssued(ca) && cert.verify(ca.publicKey) && Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo) && !cert.ca;
    verified.set(cert, ok);
  }
  return ok;
}

/** RFC 4514 comparison of the registered DN with the certificate's subject (simple attribute values). */
function certificateSubjectMatches(ctx, property, expected) {
  const cert = getCertificate(ctx);
  if (!cert) return false;
  if (property !== 'tls_client_auth_subject_dn') return false;
  const normalise = (rdns) => rdns.map((rdn) => rdn.trim().replace(/\s*=\s*/, '=').toLowerCase()).join(',');
  return normalise(cert.subject.split('\n').reverse()) === normalise(expected.split(','));
}

const RESOURCES = {
  'urn:bench:opaque': { scope: 'api:read', accessTokenFormat: 'opaque', accessTokenTTL: 3600 },
  'urn:bench:jwt': { scope: 'api:read', accessTokenFormat: 'jwt', accessTokenTTL: 3600, jwt: { sign: { alg: 'ES256' } } },
};

let handler = (_req, res) => {
  res.statusCode = 503;
  res.end();
};
const tls = {
  cert: readFileSync(config.serverCertFile, 'utf8'),
  key: readFileSync(config.serverKeyFile, 'utf8'),
  ca: caPem,
  requestCert: true,
  rejectUnauthorized: false,
  minVersion: 'TLSv1.2',
};
const https = createHttpsServer(tls, (req, res) => handler(req, res));
const http = createHttpServer((req, res) => handler(req, res));
await Promise.all([https, http].map((s) => new Promise((done) => s.listen(0, '127.0.0.1', done))));

const provider = new Provider(`https://localhost:${https.address().port}`, {
  ...(config.adapter === 'sqlite' ? { adapter: sqliteAdapter(join(config.dir, 'oidc.db')) } : {}),
  clients: [
    {
      client_id: 'bench',
      token_endpoint_auth_method: 'tls_client_auth',
      tls_client_auth_subject_dn: config.clientDn,
      tls_client_certificate_bound_access_tokens: true,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      scope: 'api:read',
    },
  ],
  scopes: ['api:read'],
  clientAuthMethods: ['tls_client_auth'],
  jwks: {
    keys: [
      signingKey('ec', { namedCurve: 'P-256' }, 'ES256'),
      signingKey('rsa', { modulusLength: 2048 }, 'RS256'),
    ],
  },
  cookies: { keys: ['bench-cookie-key-0123456789abcdef'] },
  ttl: { AccessToken: 3600, ClientCredentials: 3600 },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    mTLS: {
      enabled: true,
      certificateBoundAccessTokens: true,
      tlsClientAuth: true,
      getCertificate,
      certificateAuthorized,
      certificateSubjectMatches,
    },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:bench:opaque',
      useGrantedResource: () => true,
      getResourceServerInfo(_ctx, resource) {
        const info = RESOURCES[resource];
        if (!info) throw new errors.InvalidTarget();
        return info;
      },
    },
  },
});
handler = provider.callback();

process.send({ type: 'ready', https: https.address().port, http: http.address().port });
process.on('message', (m) => {
  if (m?.type === 'stop') {
    for (const server of [https, http]) {
      server.close();
      server.closeAllConnections();
    }
    process.exit(0);
  }
});

/** oidc-provider's adapter interface over one SQLite file: one row per model instance. */
function sqliteAdapter(file) {
  const db = new BetterSqlite3(file);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`create table if not exists oidc (
    model text not null, id text not null, payload text not null, grant_id text, user_code text, uid text,
    expires_at integer, consumed_at integer, primary key (model, id));
    create index if not exists oidc_grant on oidc (grant_id);
    create index if not exists oidc_user_code on oidc (model, user_code);
    create index if not exists oidc_uid on oidc (model, uid);
    create index if not exists oidc_expires on oidc (expires_at);`);
  const upsert = db.prepare(`insert into oidc (model, id, payload, grant_id, user_code, uid, expires_at) values (?, ?, ?, ?, ?, ?, ?)
    on conflict (model, id) do update set payload = excluded.payload, grant_id = excluded.grant_id, user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at`);
  const byId = db.prepare('select payload, expires_at, consumed_at from oidc where model = ? and id = ?');
  const byUserCode = db.prepare('select payload, expires_at, consumed_at from oidc where model = ? and user_code = ?');
  const byUid = db.prepare('select payload, expires_at, consumed_at from oidc where model = ? and uid = ?');
  const consume = db.prepare('update oidc set consumed_at = ? where model = ? and id = ?');
  const destroy = db.prepare('delete from oidc where model = ? and id = ?');
  const revoke = db.prepare('delete from oidc where grant_id = ?');
  const now = () => Math.floor(Date.now() / 1000);
  const read = (row) => {
    if (!row || (row.expires_at !== null && row.expires_at <= now())) return undefined;
    return { ...JSON.parse(row.payload), ...(row.consumed_at ? { consumed: row.consumed_at } : {}) };
  };
  return class SqliteAdapter {
    constructor(model) {
      this.model = model;
    }
    async upsert(id, payload, expiresIn) {
      upsert.run(this.model, id, JSON.stringify(payload), payload.grantId ?? null, payload.userCode ?? null, payload.uid ?? null, expiresIn ? now() + expiresIn : null);
    }
    async find(id) {
      return read(byId.get(this.model, id));
    }
    async findByUserCode(userCode) {
      return read(byUserCode.get(this.model, userCode));
    }
    async findByUid(uid) {
      return read(byUid.get(this.model, uid));
    }
    async consume(id) {
      consume.run(now(), this.model, id);
    }
    async destroy(id) {
      destroy.run(this.model, id);
    }
    async revokeByGrantId(grantId) {
      revoke.run(grantId);
    }
  };
}
