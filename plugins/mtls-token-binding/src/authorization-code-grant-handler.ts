/**
 * authorization_code with certificate binding — the counterpart of WSO2's
 * MTLSTokenBindingAuthorizationCodeGrantHandler. The core handler still redeems the code (once,
 * atomically, only by the client it was issued to, PKCE checked); this wrapper only decides the
 * binding first. A public client's refresh token is bound with the access token (the core does that
 * from the same confirmation, RFC 8705 §4).
 */
import { CertificateBindingGrantHandler } from './certificate-binding.ts';

export class AuthorizationCodeBindingHandler extends CertificateBindingGrantHandler {}
