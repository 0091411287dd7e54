/**
 * The configuration of a Tessera cluster behind nginx, rendered from one place: the files shipped in
 * docs/deploy/ (`npx tsx scripts/deploy-examples.ts` writes them; a test fails when they are stale)
 * and the ones test/support/cluster.ts runs — so the directives the load-balancer test exercises are
 * exactly the documented ones, with only addresses, ports and file paths changed.
 */

export interface NginxConfig {
  /** `listen` argument of the public server, e.g. "443" or "127.0.0.1:18443". */
  listen: string;
  serverName: string;
  certificateFile: string;
  certificateKeyFile: string;
  /** host:port of each Tessera node's plain-HTTP listener. */
  nodes: readonly string[];
  /** Header carrying the client certificate; the nodes' `[oauth.mutualtls] client_certificate_header`. */
  certificateHeader: string;
  /** `worker_processes`. */
  workers: string;
  accessLog: string;
  /**
   * Running unprivileged from a folder (tests, benchmarks): error log and temporary files there.
   * Omitted in the shipped file, where the distribution's defaults apply.
   */
  runtimeDir?: string;
  /**
   * Test only. `X-Tessera-Upstream: <node address>` on every response, and per node a second public
   * server (same TLS, same location) that proxies to that node alone, so a test knows which node served.
   */
  testing?: { pinned: ReadonlyArray<{ listen: string; node: string }> };
}

/** The `[transport.http]` / `[server]` / `[database]` settings that differ between nodes and setups. */
export interface NodeConfig {
  name: string;
  publicUrl: string;
  /** Address the node's plain-HTTP listener binds (its private address). */
  host: string;
  /** 0 = any free port (tests read the bound port from the ready log line). */
  port: number;
  /** The load balancer's address: the only peer whose certificate header is believed. */
  trustedProxies: readonly string[];
  databaseUrl: string;
  schema: string;
  certificateHeader: string;
  dataDir: string;
  superAdminPassword: string;
  logLevel: string;
  /** `[server] drain_delay_ms`; omitted when undefined. */
  drainDelayMs?: number;
  /** `[server] workers`; omitted when undefined (1). */
  workers?: number;
  /** Appended verbatim (tests: shorter lifetimes, other switches). */
  extraToml?: string;
}

const MAX_FAILS = 'max_fails=1 fail_timeout=10s';

function location(config: NginxConfig, upstream: string): string {
  const debug = config.testing ? '\n      # Test only: which node answered.\n      add_header X-Tessera-Upstream $upstream_addr always;\n' : '';
  return `    location / {
      proxy_pass http://${upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;

      # The client's TLS certificate as URL-encoded PEM, or nothing when it sent none (nginx drops a
      # header whose value is empty). Set unconditionally, this also removes any ${config.certificateHeader}
      # header the client sent itself: nginx never passes on a client header under a name that
      # proxy_set_header sets. So whatever reaches the nodes under this name came from nginx.
      proxy_set_header ${config.certificateHeader} $ssl_client_escaped_cert;

      # A node that refuses the connection, resets it or does not answer in time is skipped, and the
      # request goes to the other node, a POST too (non_idempotent). A node stopping for a rolling
      # restart closes its listener, and the kernel resets the connections still waiting in its
      # accept queue: nginx has written the request on them, the node never read it. Without
      # non_idempotent those token POSTs are 502s. A POST resent after a node crashed in the middle
      # of it is what the client would do with the 502: codes and refresh tokens are single-use in
      # the store, so a second redemption is refused, never served twice (README.md).
      proxy_next_upstream error timeout non_idempotent;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 2s;
      proxy_send_timeout 30s;
      proxy_read_timeout 30s;
${debug}    }

    # Prometheus metrics are for the monitoring network (scrape the nodes directly), not the Internet.
    location = /metrics {
      return 404;
    }`;
}

function server(config: NginxConfig, listen: string, upstream: string): string {
  return `  server {
    listen ${listen} ssl;
    server_name ${config.serverName};

    ssl_certificate ${config.certificateFile};
    ssl_certificate_key ${config.certificateKeyFile};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:tessera_tls:10m;

    # Ask every client for a certificate and accept any (RFC 8705 §2: self-signed certificates are
    # legitimate). Tessera decides trust — the registered certificate, or the PKI chain and subject —
    # so a bad certificate is an RFC invalid_client answer instead of a failed handshake.
    ssl_verify_client optional_no_ca;

    # [limits] max_body_bytes of the nodes.
    client_max_body_size 64k;

${location(config, upstream)}
  }`;
}

function upstream(name: string, nodes: readonly string[]): string {
  return `  upstream ${name} {
${nodes.map((node) => `    server ${node} ${MAX_FAILS};`).join('\n')}
    # Connections to the nodes are reused, and closed before a node's idle timeout (Tessera closes
    # idle connections after [transport.https] keep_alive_timeout_ms = 5 s) could race a new request.
    keepalive 16;
    keepalive_timeout 4s;
  }`;
}

export function renderNginxConfig(config: NginxConfig): string {
  const dir = config.runtimeDir;
  const runtimeTop = dir ? `error_log ${dir}/error.log info;\n` : '';
  const runtimeHttp = dir
    ? ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t}_temp;`).join('\n') + '\n\n'
    : '';
  const pinned = config.testing?.pinned ?? [];
  const blocks = [
    upstream('tessera', config.nodes),
    ...pinned.map((p, i) => upstream(`tessera_node_${i}`, [p.node])),
    server(config, config.listen, 'tessera'),
    ...pinned.map((p, i) => server(config, p.listen, `tessera_node_${i}`)),
  ];
  return `# nginx in front of two Tessera nodes: TLS and client certificates end here, the nodes serve plain
# HTTP on a private network and share one PostgreSQL. See README.md next to this file.
#
# Generated from test/support/cluster-config.ts by \`npx tsx scripts/deploy-examples.ts\`; the
# load-balancer test (test/cluster/load-balancer.test.ts) runs nginx with these very directives.

worker_processes ${config.workers};
${runtimeTop}
events {
  worker_connections 1024;
}

http {
  log_format tessera '$remote_addr [$time_local] "$request" $status $body_bytes_sent '
                     'upstream=$upstream_addr upstream_status=$upstream_status time=$request_time';
  access_log ${config.accessLog} tessera;
${runtimeHttp}
  # Two nodes; a node that fails once (connection refused, timeout) is left out for 10 s.
${blocks.join('\n\n')}
}
`;
}

function quote(value: string): string {
  return JSON.stringify(value);
}

export function renderNodeToml(node: NodeConfig): string {
  return `# Tessera node "${node.name}" behind nginx (nginx.conf next to this file). Every node of the cluster
# has the same file except [transport.http] host, its own address.
#
# Generated from test/support/cluster-config.ts by \`npx tsx scripts/deploy-examples.ts\`.

[server]
hostname = "${new URL(node.publicUrl).hostname}"
# The URL clients use — nginx's. Issuers and discovery URLs derive from it, so they are the same on
# every node and a token issued by one node verifies on the others.
public_url = ${quote(node.publicUrl)}
data_dir = ${quote(node.dataDir)}
${
  node.drainDelayMs === undefined
    ? ''
    : `# Rolling restarts (README.md): on SIGTERM the node answers /health with 503 {"status":"draining"} and
# keeps serving for this long, then stops accepting — nginx sends new connections to the other node —
# and finishes what it has, leaving idle keep-alive connections to nginx's shorter keepalive_timeout.
drain_delay_ms = ${node.drainDelayMs}
`
}${node.workers === undefined ? '' : `workers = ${node.workers}\n`}
[super_admin]
password = ${quote(node.superAdminPassword)}   # the same on every node: each applies its own at start

# nginx terminates TLS: no HTTPS listener on the nodes.
[transport.https]
enabled = false

[transport.http]
enabled = true
host = ${quote(node.host)}
port = ${node.port}
# Only nginx may tell a node which client certificate was presented: the certificate header from
# any other address is ignored (and logged).
trusted_proxies = [${node.trustedProxies.map(quote).join(', ')}]

# Everything that must agree between nodes lives here: clients, users, codes, tokens, refresh-token
# families, signing keys, consents, login sessions, pending authorizations, lockout counters.
[database]
url = ${quote(node.databaseUrl)}
schema = ${quote(node.schema)}

[oauth.mutualtls]
# nginx: proxy_set_header ${node.certificateHeader} $ssl_client_escaped_cert;
client_certificate_header = ${quote(node.certificateHeader.toLowerCase())}

[[event_listener]]
name = "tessera.mtls.MutualTLSClientAuthenticator"   # tls_client_auth, self_signed_tls_client_auth

[[event_listener]]
name = "tessera.mtls.introspection.IntrospectionResponseInterceptor"

[[event_listener]]
name = "tessera.mtls.introspection.CertificateBindingDataProvider"   # cnf in introspection

# Certificate-bound access tokens (RFC 8705 §3) for every grant.
[oauth.grant_type.authorization_code]
grant_handler = "tessera.mtls.binding.AuthorizationCodeGrantHandler"

[oauth.grant_type.client_credentials]
grant_handler = "tessera.mtls.binding.ClientCredentialsGrantHandler"

[oauth.grant_type.refresh_token]
grant_handler = "tessera.mtls.binding.RefreshTokenGrantHandler"

[oauth.grant_type.password]
grant_handler = "tessera.mtls.binding.PasswordGrantHandler"

[logging]
level = ${quote(node.logLevel)}
${node.extraToml ? `\n${node.extraToml.trim()}\n` : ''}`;
}

/** The shipped example: nginx at 10.0.0.10 (https://id.example.com), nodes at .11 and .12, PostgreSQL at .20. */
export const EXAMPLE = {
  nginx: {
    listen: '443',
    serverName: 'id.example.com',
    certificateFile: '/etc/nginx/tls/id.example.com.crt',
    certificateKeyFile: '/etc/nginx/tls/id.example.com.key',
    nodes: ['10.0.0.11:9763', '10.0.0.12:9763'],
    certificateHeader: 'X-Client-Cert',
    workers: 'auto',
    accessLog: '/var/log/nginx/tessera-access.log',
  } satisfies NginxConfig,
  nodes: (['a', 'b'] as const).map(
    (name, i): NodeConfig => ({
      name,
      publicUrl: 'https://id.example.com',
      host: `10.0.0.1${i + 1}`,
      port: 9763,
      trustedProxies: ['10.0.0.10'],
      databaseUrl: 'postgres://tessera:CHANGE-ME@10.0.0.20:5432/tessera',
      schema: 'tessera',
      certificateHeader: 'X-Client-Cert',
      dataDir: '/var/lib/tessera',
      drainDelayMs: 1000,
      superAdminPassword: 'CHANGE-ME',
      logLevel: 'info',
    }),
  ),
};

/** The files of docs/deploy/ that are generated, by name. */
export function deployExamples(): Record<string, string> {
  return {
    'nginx.conf': renderNginxConfig(EXAMPLE.nginx),
    ...Object.fromEntries(EXAMPLE.nodes.map((node) => [`node-${node.name}.toml`, renderNodeToml(node)])),
  };
}
