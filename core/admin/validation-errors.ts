/**
 * Turns a failed zod validation into the RFC error the admin API answers with: the first problem
 * decides the error code, and every problem is listed in `error_description` as `field: message`,
 * so the caller learns which field to fix. An unknown field is an error too (never silently dropped).
 */
import type { ZodError } from 'zod';
import { InvalidClientMetadata, InvalidRedirectUri, InvalidRequest, NotFound, type OAuthError } from '../errors/oauth-errors.ts';

type Issue = ZodError['issues'][number];

/** How a body's errors are reported: RFC 7591 codes for client metadata, invalid_request elsewhere. */
export type BodyKind = 'client_metadata' | 'request';

const MAX_LISTED = 5;

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

export function describeIssue(issue: Issue): string {
  if (issue.code === 'unrecognized_keys') {
    const where = fieldPath(issue.path);
    const keys = issue.keys.join(', ');
    return `unknown field${issue.keys.length > 1 ? 's' : ''}${where ? ` in ${where}` : ''}: ${keys}`;
  }
  const where = fieldPath(issue.path);
  const message = issue.message.replace(/^Invalid input: /, '');
  return where ? `${where}: ${message}` : message;
}

export function describeIssues(error: ZodError): string {
  // One problem per field: zod may report a failed type and then a check that made no sense for it.
  const seen = new Set<string>();
  const issues = error.issues.filter((issue) => {
    const key = issue.code === 'unrecognized_keys' ? `?${fieldPath(issue.path)}` : fieldPath(issue.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const listed = issues.slice(0, MAX_LISTED).map(describeIssue);
  const more = issues.length - listed.length;
  return listed.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

export function bodyError(error: ZodError, kind: BodyKind): OAuthError {
  const description = describeIssues(error);
  if (kind === 'request') return new InvalidRequest(description);
  const first = error.issues[0];
  return first?.path[0] === 'redirect_uris' ? new InvalidRedirectUri(description) : new InvalidClientMetadata(description);
}

/**
 * The hook every admin route validates with. A malformed path segment can never name an existing
 * tenant, server or client, so it is a 404; a bad query is `invalid_request`.
 */
export function validationHook(kind: BodyKind) {
  return (result: { success: boolean; error?: ZodError; target: string }): undefined => {
    if (result.success || !result.error) return undefined;
    if (result.target === 'param') throw new NotFound(`not found: ${describeIssues(result.error)}`);
    if (result.target === 'json' || result.target === 'form') throw bodyError(result.error, kind);
    throw new InvalidRequest(describeIssues(result.error));
  };
}
