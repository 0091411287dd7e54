/**
 * What the binding handlers read from deployment.toml. The core validated the file already; this only
 * picks the keys out of the read-only configuration handed to `activate(ctx)`, defensively, so a
 * core that lacks a key (older API) reads as the documented default.
 */
export interface BindingSettings {
  /** `[oauth.mutualtls] bind_all_access_tokens`: bind for every client that presents a certificate. */
  readonly bindAllAccessTokens: boolean;
}

export function readBindingSettings(config: Readonly<Record<string, unknown>>): BindingSettings {
  const mutualtls = section(section(config, 'oauth'), 'mutualtls');
  return { bindAllAccessTokens: mutualtls.bind_all_access_tokens === true };
}

function section(parent: Readonly<Record<string, unknown>>, key: string): Readonly<Record<string, unknown>> {
  const value = parent[key];
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
