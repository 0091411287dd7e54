/**
 * The CertificateValidator the mTLS authenticator runs on each validated tls_client_auth path.
 * revoked → refused (invalid_client, the serial and reason in the audit event and the log);
 * unknown → refused under hard_fail, accepted and logged under soft_fail; good → accepted.
 * A warm answer is returned synchronously.
 */
import type { CertificatePath, CertificateRefusal, CertificateValidator, Logger } from '../../../core/api/index.ts';
import type { PathStatus, RevocationChecker } from './revocation-checker.ts';
import type { RevocationMode } from './settings.ts';

export class RevocationValidator implements CertificateValidator {
  constructor(
    private readonly checker: RevocationChecker,
    private readonly mode: Exclude<RevocationMode, 'off'>,
    private readonly logger: Logger,
  ) {}

  validate(path: CertificatePath): CertificateRefusal | null | Promise<CertificateRefusal | null> {
    const known = this.checker.remembered(path.thumbprint, path.certificates);
    if (known) return this.decide(known, path, false);
    return this.checker.check(path.thumbprint, path.certificates).then((status) => this.decide(status, path, true));
  }

  private decide(status: PathStatus, path: CertificatePath, fresh: boolean): CertificateRefusal | null {
    if (status.status === 'good') return null;
    const which = status.depth === 0 ? 'client certificate' : `CA certificate ${status.depth} above the client certificate`;
    const context = { clientId: path.clientId, tenantId: path.tenantId, serverId: path.serverId, thumbprint: path.thumbprint, serial: status.serial, depth: status.depth };
    if (status.status === 'revoked') {
      const reason = `certificate revoked: ${which}, serial ${status.serial}${status.reason ? `, reason ${status.reason}` : ''} (${status.source})`;
      if (fresh) this.logger.warn({ ...context, revocationReason: status.reason, source: status.source }, reason);
      return { reason };
    }
    const reason = `certificate revocation status unknown: ${which}, serial ${status.serial}: ${status.why}`;
    if (this.mode === 'hard_fail') {
      if (fresh) this.logger.warn({ ...context, mode: this.mode }, `${reason}; refused (hard_fail)`);
      return { reason };
    }
    if (fresh) this.logger.warn({ ...context, mode: this.mode }, `${reason}; accepted (soft_fail)`);
    return null;
  }
}
