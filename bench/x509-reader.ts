/**
 * The hand-written DER reader (core/x509) next to @peculiar/asn1-x509, on what the server reads from a
 * client certificate for RFC 8705 `tls_client_auth`: subject RDNs (type, text, encoding), the SANs,
 * validity and extendedKeyUsage. Both sides parse the certificate once per read and yield the same
 * values (checked before timing). Then the per-request cost as the server sees it: the PKI method's
 * verify with its caches warm (prepared certificates by SHA-256, verdicts), which does not parse.
 *
 *   node bin/run-ts.mjs bench/x509-reader.ts [--ms 1500] [--rounds 5]
 *
 * Figures are ratios of medians over rounds, both sides in the same run.
 */
import { parseArgs } from 'node:util';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, ExtendedKeyUsage, GeneralName, SubjectAlternativeName, id_ce_extKeyUsage, id_ce_subjectAltName } from '@peculiar/asn1-x509';
import { createCa, createLeaf } from '../core/certs/pki.ts';
import { readCertificateFields } from '../core/x509/certificate-fields.ts';
import { Tag, childrenOf, decodeOid, readSingle } from '../core/x509/der.ts';
import { rdnsFromName, type Rdn } from '../core/x509/distinguished-name.ts';
import { x509Service } from '../core/plugins/x509-service.ts';
import { installX509 } from '../plugins/mutual-tls-client-authenticator/src/x509.ts';
import { PkiMethod } from '../plugins/mutual-tls-client-authenticator/src/pki-method.ts';
import { createTrustStore } from '../plugins/mutual-tls-client-authenticator/src/trust-store.ts';
import { aClient } from '../test/support/client-builder.ts';
import { certificateThumbprint } from '../core/crypto/thumbprint.ts';

const { values } = parseArgs({ options: { ms: { type: 'string', default: '1500' }, rounds: { type: 'string', default: '5' } } });
const windowMs = Number(values.ms);
const rounds = Number(values.rounds);

interface Reading {
  subject: Rdn[];
  dns: string[];
  ip: Uint8Array[];
  notBefore: number;
  notAfter: number;
  eku: string[];
}

const EKU = '2.5.29.37';

/** The hand-written reader: one pass over the DER, then the extensions the server looks at. */
function handWritten(der: Uint8Array): Reading {
  const fields = readCertificateFields(der);
  const reading: Reading = { subject: rdnsFromName(fields.subject), dns: [], ip: [], notBefore: fields.notBefore.getTime(), notAfter: fields.notAfter.getTime(), eku: [] };
  const san = fields.extensions.get('2.5.29.17');
  if (san) {
    for (const name of childrenOf(readSingle(san.value, Tag.SEQUENCE))) {
      if (name.tag === 0x82) reading.dns.push(Buffer.from(name.content).toString('latin1'));
      else if (name.tag === 0x87) reading.ip.push(Uint8Array.from(name.content));
    }
  }
  const eku = fields.extensions.get(EKU);
  if (eku) reading.eku = childrenOf(readSingle(eku.value, Tag.SEQUENCE)).map((p) => decodeOid(p.content));
  return reading;
}

/** @peculiar/asn1-x509: the schema parse, then the same values (the encoding of each RDN value re-serialised). */
function peculiar(der: Uint8Array): Reading {
  const cert = AsnConvert.parse(der, Certificate);
  const tbs = cert.tbsCertificate;
  const subject: Rdn[] = tbs.subject
    .map((rdn) => rdn.map((atv) => ({ type: atv.type, text: atv.value.toString(), ber: new Uint8Array(AsnConvert.serialize(atv.value)) })))
    .reverse();
  const reading: Reading = { subject, dns: [], ip: [], notBefore: tbs.validity.notBefore.getTime().getTime(), notAfter: tbs.validity.notAfter.getTime().getTime(), eku: [] };
  for (const ext of tbs.extensions ?? []) {
    if (ext.extnID === id_ce_subjectAltName) {
      for (const name of AsnConvert.parse(ext.extnValue, SubjectAlternativeName) as GeneralName[]) {
        if (name.dNSName !== undefined) reading.dns.push(name.dNSName);
        else if (name.iPAddress !== undefined) reading.ip.push(Uint8Array.from(ipv4Octets(name.iPAddress)));
      }
    } else if (ext.extnID === id_ce_extKeyUsage) {
      reading.eku = [...AsnConvert.parse(ext.extnValue, ExtendedKeyUsage)];
    }
  }
  return reading;
}

// asn1-x509 hands iPAddress back as text ("192.0.2.7"); back to octets for a like-for-like result.
function ipv4Octets(text: string): number[] {
  return text.split('.').map(Number);
}

/** Calls per second of `fn`, over `ms` after a warm-up of a tenth of that. */
function rate(fn: () => unknown, ms: number): number {
  const warm = performance.now() + ms / 10;
  while (performance.now() < warm) fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    for (let i = 0; i < 50; i++) fn();
    n += 50;
  }
  return n / ((performance.now() - start) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const root = await createCa({ subject: 'CN=Bench Root,O=Tessera Bench' });
const issuing = await createCa({ subject: 'CN=Bench Issuing,O=Tessera Bench', issuer: root });
const leaf = await createLeaf({ issuer: issuing, subject: 'CN=bench-client,OU=Payments,O=Tessera Bench,C=DE', san: { dns: ['client.example.com'], ip: ['192.0.2.7'] } });

// Same answers first: a comparison of readers that disagree would mean nothing.
const a = handWritten(leaf.der);
const b = peculiar(leaf.der);
const same = (x: Reading) => JSON.stringify({ ...x, subject: x.subject.map((r) => r.map((t) => ({ ...t, ber: Buffer.from(t.ber!).toString('hex') }))), ip: x.ip.map((o) => [...o]) });
if (same(a) !== same(b)) throw new Error(`readers disagree:\n${same(a)}\n${same(b)}`);

installX509(x509Service);
const pki = new PkiMethod({ anchors: createTrustStore([root.der]), maxChainDepth: 5, checkExtendedKeyUsage: true });
const client = aClient({ clientId: 'bench', tokenEndpointAuthMethod: 'tls_client_auth', tlsClientAuthSubjectDn: 'CN=bench-client,OU=Payments,O=Tessera Bench,C=DE' });
// As the core hands it: the same DER array for every request of a connection.
const presented = { der: leaf.der, chain: [issuing.der], source: 'tls' as const, thumbprint: certificateThumbprint(leaf.der) };
await pki.verify(client, presented, 'tls_client_auth');
// A new connection: a new array with the same bytes (found by SHA-256, not by the array).
const freshArray = () => ({ ...presented, der: new Uint8Array(leaf.der) });

const results = { hand: [] as number[], peculiar: [] as number[], verifySame: [] as number[], verifyNewConnection: [] as number[] };
for (let r = 0; r < rounds; r++) {
  results.hand.push(rate(() => handWritten(leaf.der), windowMs));
  results.peculiar.push(rate(() => peculiar(leaf.der), windowMs));
  // verify is async only for validators; without them it resolves at once, so await per call.
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < windowMs) {
    for (let i = 0; i < 50; i++) await pki.verify(client, presented, 'tls_client_auth');
    n += 50;
  }
  results.verifySame.push(n / ((performance.now() - t0) / 1000));
  const t1 = performance.now();
  n = 0;
  while (performance.now() - t1 < windowMs) {
    for (let i = 0; i < 50; i++) await pki.verify(client, freshArray(), 'tls_client_auth');
    n += 50;
  }
  results.verifyNewConnection.push(n / ((performance.now() - t1) / 1000));
}

const us = (perSecond: number) => (1e6 / perSecond).toFixed(1);
const hand = median(results.hand);
const pec = median(results.peculiar);
const same1 = median(results.verifySame);
const fresh = median(results.verifyNewConnection);
console.log(`x509 reader, ${rounds} rounds x ${windowMs} ms, medians (node ${process.version})`);
console.log(`  cold read, hand-written DER reader : ${us(hand)} us per certificate`);
console.log(`  cold read, @peculiar/asn1-x509     : ${us(pec)} us per certificate`);
console.log(`  ratio peculiar / hand-written      : ${(hand / pec).toFixed(2)}x the time`);
console.log(`  per request, PKI verify (warm, same connection) : ${us(same1)} us (no DER parse: prepared certificate and verdicts cached)`);
console.log(`  per request, PKI verify (warm, new connection)  : ${us(fresh)} us (SHA-256 lookup, no DER parse)`);
console.log(`  a cold read, in warm new-connection requests: hand-written ${(fresh / hand).toFixed(1)}, peculiar ${(fresh / pec).toFixed(1)}`);
console.log('  (a cold read happens for a certificate seen for the first time, or again once the 512-entry prepared-certificate LRU dropped it)');
