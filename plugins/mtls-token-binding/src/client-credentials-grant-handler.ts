/**
 * client_credentials with certificate binding — the counterpart of WSO2's
 * MTLSTokenBindingClientCredentialsGrantHandler, minus its hidden `x5t#SHA256:<thumbprint>` scope:
 * the binding travels as `cnf` (stored, in JWTs, in introspection), never as a scope.
 */
import { CertificateBindingGrantHandler } from './certificate-binding.ts';

export class ClientCredentialsBindingHandler extends CertificateBindingGrantHandler {}
