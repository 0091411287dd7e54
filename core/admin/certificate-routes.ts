/**
 * `POST /api/admin/certificate-info`: reads a PEM certificate and answers what registering it takes —
 * subject DN (RFC 4514, as `tls_client_auth_subject_dn` is compared), SANs (as `tls_client_auth_san_*`
 * are written), validity and `x5t#S256`. Stores nothing; the console proposes these values when a
 * `tls_client_auth` client is registered, with the server's own X.509 reading rather than a second one.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { decodePem } from '../crypto/pem.ts';
import { InvalidRequest } from '../errors/oauth-errors.ts';
import { summarizeCertificate, type CertificateSummary } from '../x509/certificate-summary.ts';
import type { AdminEnv } from './admin-env.ts';
import { badRequest, commonErrors, json, jsonBody } from './route-parts.ts';

/** Bound on the PEM text: a chain of a few certificates fits many times over. */
const MAX_PEM_CHARS = 64 * 1024;
/** Bound on the blocks read from it. */
const MAX_BLOCKS = 10;

const infoRequestSchema = z
  .strictObject({
    certificate: z.string().min(1).max(MAX_PEM_CHARS).openapi({ description: 'PEM text with one or more CERTIFICATE blocks (leaf first).' }),
  })
  .openapi('CertificateInfoRequest');

const certificateInfoSchema = z
  .object({
    subject_dn: z.string().openapi({ example: 'CN=client-mtls,O=Example' }),
    issuer_dn: z.string(),
    serial_number: z.string().openapi({ description: 'Hex.' }),
    not_before: z.string().openapi({ description: 'ISO 8601.' }),
    not_after: z.string().openapi({ description: 'ISO 8601.' }),
    self_issued: z.boolean().openapi({ description: 'Subject equals issuer: a self-signed certificate (self_signed_tls_client_auth).' }),
    san_dns: z.array(z.string()),
    san_uri: z.array(z.string()),
    san_ip: z.array(z.string()),
    san_email: z.array(z.string()),
    'x5t#S256': z.string().openapi({ description: 'RFC 8705 §3.1: base64url SHA-256 of the DER; the `cnf` of tokens bound to it.' }),
  })
  .openapi('CertificateInfo');

const certificateInfo = createRoute({
  method: 'post',
  path: '/api/admin/certificate-info',
  tags: ['Clients'],
  summary: 'Read a PEM certificate: subject DN, SANs, validity, x5t#S256',
  description: 'Nothing is stored. Use the values for `tls_client_auth_subject_dn` / `tls_client_auth_san_*` or to check a registered `certificate`.',
  request: { body: jsonBody(infoRequestSchema) },
  responses: {
    200: json(z.object({ certificates: z.array(certificateInfoSchema) }).openapi('CertificateInfoList'), 'One entry per certificate, in PEM order.'),
    ...badRequest('The text is not PEM, or a block is not an X.509 certificate.'),
    401: commonErrors[401],
    403: commonErrors[403],
  },
});

function representation(s: CertificateSummary): z.infer<typeof certificateInfoSchema> {
  return {
    subject_dn: s.subjectDn,
    issuer_dn: s.issuerDn,
    serial_number: s.serialNumber,
    not_before: s.notBefore.toISOString(),
    not_after: s.notAfter.toISOString(),
    self_issued: s.selfIssued,
    san_dns: s.sans.dns,
    san_uri: s.sans.uri,
    san_ip: s.sans.ip,
    san_email: s.sans.email,
    'x5t#S256': s.thumbprint,
  };
}

export function certificateRoutes(api: OpenAPIHono<AdminEnv>): void {
  api.openapi(certificateInfo, (c) => {
    const decoded = decodePem(c.req.valid('json').certificate);
    if ('problem' in decoded) throw new InvalidRequest(`certificate: is not PEM certificate text (${decoded.problem})`);
    if (decoded.ders.length > MAX_BLOCKS) throw new InvalidRequest(`certificate: at most ${MAX_BLOCKS} PEM blocks`);
    const certificates = decoded.ders.map((der, i) => {
      try {
        return representation(summarizeCertificate(der));
      } catch {
        throw new InvalidRequest(`certificate: PEM block ${i + 1} does not parse as an X.509 certificate`);
      }
    });
    return c.json({ certificates }, 200);
  });
}
