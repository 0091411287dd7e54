/**
 * Loads the PKI trust anchors once, at activation: the PEM bundle named by
 * `[oauth.mutualtls] trust_anchors`, else by `[transport.https] truststore`. A file that is set but
 * unreadable or holds anything but certificates throws — an enabled bundle then stops start-up
 * naming the file, instead of quietly trusting less (or more) than the operator configured.
 */
import { readFileSync } from 'node:fs';
import type { AuthenticatorSettings } from './settings.ts';
import { type TrustStore, createTrustStore } from './trust-store.ts';

export class TrustAnchorsError extends Error {
  override readonly name = 'TrustAnchorsError';
}

/** The configured anchors, or null when neither key is set (tls_client_auth then always fails). */
export function loadTrustAnchors(settings: Pick<AuthenticatorSettings, 'trustAnchorsFile' | 'trustAnchorsKey'>): TrustStore | null {
  const file = settings.trustAnchorsFile;
  if (file === null) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TrustAnchorsError(`${settings.trustAnchorsKey} = "${file}": cannot read the file (${(e as Error).message})`);
  }
  try {
    return createTrustStore(text);
  } catch (e) {
    throw new TrustAnchorsError(`${settings.trustAnchorsKey} = "${file}": ${(e as Error).message}`);
  }
}
