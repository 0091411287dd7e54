/**
 * password with certificate binding. WSO2 ships no binding handler for this grant although its guide
 * starts with a password request over mutual TLS; Tessera binds it like the others (alias
 * `...handlers.MTLSTokenBindingPasswordGrantHandler`, following WSO2's naming).
 */
import { CertificateBindingGrantHandler } from './certificate-binding.ts';

export class PasswordBindingHandler extends CertificateBindingGrantHandler {}
