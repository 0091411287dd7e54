/** Configuration: `deployment.toml` loading, its schema, and the generated reference. */
export { loadConfig, parseConfig, DEFAULT_CONFIG_FILE, ConfigError, formatIssue } from './load-config.ts';
export type { LoadedConfig, ConfigIssue } from './load-config.ts';
export { configSchema, BUILT_IN_GRANTS } from './schema.ts';
export type { TesseraConfig, GrantTypeConfig, EventListenerConfig } from './schema.ts';
export { renderConfigReference } from './config-reference.ts';
