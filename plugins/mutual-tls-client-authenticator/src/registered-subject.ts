/**
 * RFC 8705 §2.1.2: a `tls_client_auth` client registers exactly one of `tls_client_auth_subject_dn`,
 * `_san_dns`, `_san_uri`, `_san_ip`, `_san_email`, and the certificate (already chained to a trust
 * anchor) must carry that value. None or several registered is refused: which one would decide is
 * then a guess, and a guess here decides who gets in.
 */
import { x509 } from './x509.ts';
import type { Client } from '../../../core/api/index.ts';
import { Reason } from './failure.ts';
import { sanDnsMatches, sanEmailMatches, sanIpMatches, sanUriMatches } from './subject-alternative-names.ts';

export type SubjectKind = 'dn' | 'dns' | 'uri' | 'email' | 'ip';

export interface RegisteredSubject {
  readonly kind: SubjectKind;
  readonly value: string;
}

/** The one registered subject value, or the reason there is not exactly one. */
export function registeredSubject(client: Client): RegisteredSubject | { readonly problem: string } {
  const candidates: [SubjectKind, string | null][] = [
    ['dn', client.tlsClientAuthSubjectDn],
    ['dns', client.tlsClientAuthSanDns],
    ['uri', client.tlsClientAuthSanUri],
    ['ip', client.tlsClientAuthSanIp],
    ['email', client.tlsClientAuthSanEmail],
  ];
  const set = candidates.filter((c): c is [SubjectKind, string] => typeof c[1] === 'string' && c[1] !== '');
  if (set.length === 0) return { problem: Reason.noSubjectRegistered };
  if (set.length > 1) return { problem: `${Reason.severalSubjectsRegistered} (${set.map(([k]) => k).join(', ')})` };
  const [kind, value] = set[0];
  return { kind, value };
}

/** Null when `der` carries the registered value; otherwise the failure reason. */
export function subjectMismatch(subject: RegisteredSubject, der: Uint8Array): string | null {
  switch (subject.kind) {
    case 'dn':
      if (!isValidDn(subject.value)) return Reason.invalidRegisteredDn;
      return x509().dnMatchesCertificate(subject.value, der) ? null : Reason.subjectDnMismatch;
    case 'dns':
      return sanDnsMatches(subject.value, der) ? null : Reason.sanMismatch('dns');
    case 'uri':
      return sanUriMatches(subject.value, der) ? null : Reason.sanMismatch('uri');
    case 'email':
      return sanEmailMatches(subject.value, der) ? null : Reason.sanMismatch('email');
    case 'ip':
      return sanIpMatches(subject.value, der) ? null : Reason.sanMismatch('ip');
  }
}

function isValidDn(value: string): boolean {
  try {
    return x509().parseDn(value).length > 0;
  } catch (e) {
    if (e instanceof x509().DnSyntaxError) return false;
    throw e;
  }
}
