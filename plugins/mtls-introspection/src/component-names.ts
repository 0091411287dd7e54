/** The qualified names plugin.json declares; `activate` provides a factory for each. */
export const COMPONENTS = {
  dataProvider: 'tessera.mtls.introspection.CertificateBindingDataProvider',
  interceptor: 'tessera.mtls.introspection.IntrospectionResponseInterceptor',
} as const;

/** RFC 8705 §3.1 confirmation member. */
export const X5T_S256 = 'x5t#S256';
/** The name WSO2's connector emits for the same value (non-standard; kept only on request). */
export const WSO2_X5T_SHA256 = 'x5t#SHA256';
