/**
 * The interceptor's switch: `[oauth.mutualtls] introspection_legacy_member` (server-wide) or the
 * component property `legacy_member` of its `[[event_listener]]` entry. WSO2 writes properties as
 * strings, so "true" counts as true.
 */
export function legacyMemberEnabled(config: Readonly<Record<string, unknown>>, properties: Readonly<Record<string, unknown>>): boolean {
  const property = properties.legacy_member;
  if (property !== undefined) return property === true || property === 'true';
  const oauth = config.oauth as Record<string, unknown> | undefined;
  const mutualtls = oauth?.mutualtls as Record<string, unknown> | undefined;
  return mutualtls?.introspection_legacy_member === true;
}
