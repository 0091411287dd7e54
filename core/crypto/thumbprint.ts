// The definition lives in the plugin API, where bundles get the same function.
export { certificateThumbprint } from '../api/certificate-thumbprint.ts';
