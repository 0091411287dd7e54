/**
 * The super admin's default password (WSO2's admin/admin) is fine on a laptop and fatal on a
 * network: start-up refuses it when any listener binds a non-loopback address (security review #15
 * item 8), naming the key to set. The HTTPS listener binds 127.0.0.1 by default, so the guides run
 * as written; exposing the server takes a host and a password.
 */
import { isIP } from 'node:net';
import { ConfigError } from '../config/config-error.ts';
import type { TesseraConfig } from '../config/schema.ts';

/** 127.0.0.0/8, ::1, an IPv4-mapped 127.x, or the name localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** `transport.https.host` etc. of every enabled listener bound to a non-loopback address. */
export function exposedListenerKeys(config: TesseraConfig): { key: string; host: string }[] {
  const { https, http } = config.transport;
  const bound = [
    ...(https.enabled ? [{ key: 'transport.https.host', host: https.host }] : []),
    ...(http.enabled ? [{ key: 'transport.http.host', host: http.host }] : []),
  ];
  return bound.filter((b) => !isLoopbackHost(b.host));
}

/** Throws a ConfigError naming `[super_admin] password` when admin/admin would be reachable from the network. */
export function refuseExposedDefaultAdmin(config: TesseraConfig, defaultInUse: boolean, file: string | null): void {
  if (!defaultInUse) return;
  const exposed = exposedListenerKeys(config);
  if (exposed.length === 0) return;
  const where = exposed.map((e) => `${e.key} = "${e.host}"`).join(', ');
  throw new ConfigError([
    {
      key: 'super_admin.password',
      file: file ?? 'deployment.toml',
      line: null,
      message:
        `a super admin has the default password "admin" while ${where} is not a loopback address: ` +
        'set [super_admin] password to a secret of your own (or bind the listener to 127.0.0.1)',
    },
  ]);
}
