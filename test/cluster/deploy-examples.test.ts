/**
 * docs/deploy/ ships what the load-balancer test runs: nginx.conf and the nodes' deployment.toml
 * files are rendered by test/support/cluster-config.ts, the same code that configures the test cluster.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config/load-config.ts';
import { deployExamples, EXAMPLE } from '../support/cluster-config.ts';

const docs = (name: string) => new URL(`../../docs/deploy/${name}`, import.meta.url);

describe('docs/deploy', () => {
  it('is up to date with the renderer (regenerate: npx tsx scripts/deploy-examples.ts)', () => {
    for (const [name, expected] of Object.entries(deployExamples())) {
      expect(readFileSync(docs(name), 'utf8'), name).toBe(expected);
    }
  });

  it('the node files are valid deployment.toml without warnings: nginx-only header trust, public URL, PostgreSQL', () => {
    for (const node of EXAMPLE.nodes) {
      const loaded = loadConfig(docs(`node-${node.name}.toml`).pathname);
      expect(loaded.warnings).toEqual([]);
      const { config } = loaded;
      expect(config.server.public_url).toBe('https://id.example.com');
      expect(config.transport.https.enabled).toBe(false);
      expect(config.transport.http).toMatchObject({ enabled: true, host: node.host, trusted_proxies: ['10.0.0.10'] });
      expect(config.oauth.mutualtls.client_certificate_header).toBe('x-client-cert');
      expect(config.database.url).toMatch(/^postgres:\/\//);
    }
  });

  it('nginx.conf forwards the client certificate in the header the nodes read, set unconditionally', () => {
    const conf = readFileSync(docs('nginx.conf'), 'utf8');
    expect(conf).toContain('ssl_verify_client optional_no_ca;');
    expect(conf).toContain('proxy_set_header X-Client-Cert $ssl_client_escaped_cert;');
    expect(conf).toContain('proxy_next_upstream error timeout non_idempotent;');
    for (const node of EXAMPLE.nginx.nodes) expect(conf).toContain(`server ${node} max_fails=1 fail_timeout=10s;`);
    // Nothing test-only in the shipped file.
    expect(conf).not.toMatch(/X-Tessera-Upstream|_temp_path|error_log/);
  });
});
