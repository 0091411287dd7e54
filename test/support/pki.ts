/** The tests' PKI is the one `tessera certs` uses. */
export * from '../../core/certs/pki.ts';
