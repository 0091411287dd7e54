/**
 * Coded start-up errors of the plugin system, so an operator can search the code.
 */
export type PluginErrorCode =
  | 'TESSERA_ERR_PLUGIN_MANIFEST'
  | 'TESSERA_ERR_PLUGIN_API_VERSION'
  | 'TESSERA_ERR_PLUGIN_IMPORT'
  | 'TESSERA_ERR_PLUGIN_ACTIVATE'
  | 'TESSERA_ERR_PLUGIN_MISSING_COMPONENT'
  | 'TESSERA_ERR_PLUGIN_DUPLICATE_NAME'
  | 'TESSERA_ERR_PLUGIN_UNKNOWN_COMPONENT'
  | 'TESSERA_ERR_PLUGIN_WRONG_KIND';

export class PluginError extends Error {
  constructor(
    readonly code: PluginErrorCode,
    message: string,
    readonly bundle?: string,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
    this.name = 'PluginError';
  }
}
