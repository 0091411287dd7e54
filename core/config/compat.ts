/**
 * Keys that load without effect. WSO2 users paste whole deployment.toml blocks, so what has no
 * meaning here is a warning, not a failed start; and where a WSO2 key asks for something Tessera
 * refuses to do (admin rights from a client certificate), the warning says so.
 */
import { BUILT_IN_GRANTS, type TesseraConfig } from './schema.ts';
import type { KeySegment } from './toml-locations.ts';
import { valueAt } from './toml-values.ts';

export const WSO2_NO_EFFECT = 'accepted for WSO2 compatibility; no effect in Tessera';

export interface Wso2Key {
  /** Dotted key; `*` stands for one key, a final `**` for anything below. */
  readonly pattern: string;
  /** Where the same need is met in Tessera. */
  readonly hint?: string;
}

/** WSO2 Identity Server keys that mean nothing here (listed in docs/configuration.md). */
export const WSO2_KEYS_WITHOUT_EFFECT: readonly Wso2Key[] = [
  { pattern: 'transport.https.trustManagerClassName', hint: 'the mutual-TLS authenticator decides client certificate trust' },
  { pattern: 'oauth.grant_type.*.retrieve_uma_permission_info_through_introspection' },
  { pattern: 'transport.https.properties.**', hint: 'set server.public_url when a proxy fronts Tessera' },
  { pattern: 'transport.https.sslHostConfig.**', hint: 'use transport.https cert_file and key_file' },
  { pattern: 'keystore.**', hint: 'use transport.https cert_file and key_file, PEM files' },
  { pattern: 'truststore.**', hint: 'use transport.https.truststore, a PEM bundle' },
  { pattern: 'server.offset' },
  { pattern: 'server.node_ip' },
  { pattern: 'server.base_path', hint: 'use server.public_url' },
  { pattern: 'super_admin.admin_role' },
  { pattern: 'user_store.**' },
  { pattern: 'database.identity_db.**', hint: 'use database.url' },
  { pattern: 'database.shared_db.**', hint: 'use database.url' },
  { pattern: 'database.user.**', hint: 'use database.url' },
  { pattern: 'admin_console.authenticator.**' },
];

/** The warning for a WSO2 key without effect, or null when `path` is not one. */
export function wso2NoEffectMessage(path: readonly KeySegment[]): string | null {
  const keys = path.filter((s): s is string => typeof s === 'string');
  const known = WSO2_KEYS_WITHOUT_EFFECT.find(({ pattern }) => matches(pattern.split('.'), keys));
  if (!known) return null;
  return known.hint ? `${WSO2_NO_EFFECT} (${known.hint})` : WSO2_NO_EFFECT;
}

function matches(pattern: readonly string[], keys: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '**') return true;
    if (i >= keys.length || (pattern[i] !== '*' && pattern[i] !== keys[i])) return false;
  }
  return pattern.length === keys.length;
}

export interface Finding {
  readonly path: KeySegment[];
  readonly message: string;
}

/**
 * Warnings for defined keys that are accepted but not honoured as written, and removal of the grant
 * tables Tessera cannot serve (so no later stage mistakes them for enabled grants).
 */
export function applyCompatibility(raw: Record<string, unknown>, config: TesseraConfig): Finding[] {
  const findings: Finding[] = [];
  const trustManager: KeySegment[] = ['transport', 'https', 'trustManagerClassName'];
  if (valueAt(raw, trustManager) !== undefined) {
    findings.push({ path: trustManager, message: wso2NoEffectMessage(trustManager) ?? WSO2_NO_EFFECT });
  }
  if (config.admin_console.authenticator.mutual_ssl_authenticator.enable) {
    findings.push({
      path: ['admin_console', 'authenticator', 'mutual_ssl_authenticator', 'enable'],
      message: 'ignored: Tessera never grants admin rights to a client certificate',
    });
  }
  const builtIn: readonly string[] = BUILT_IN_GRANTS;
  for (const [name, grant] of Object.entries(config.oauth.grant_type)) {
    if (builtIn.includes(name) || grant.grant_handler !== '') continue;
    delete config.oauth.grant_type[name];
    findings.push({
      path: ['oauth', 'grant_type', name],
      message: `grant type "${name}" has no built-in handler and names no grant_handler: no meaning in Tessera, ignored`,
    });
  }
  return findings;
}
