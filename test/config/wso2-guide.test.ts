/**
 * Every TOML block of the WSO2 Identity Server mutual-TLS guide (shared/seeds/000_*.txt), pasted
 * verbatim: each loads, what Tessera honours is in the config, the rest is warned about key by key.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, type LoadedConfig } from '../../core/config/load-config.ts';

const DISABLE_MUTUAL_SSL = `[admin_console.authenticator.mutual_ssl_authenticator]
enable = false
`;

const TRUST_MANAGER = `[transport.https]
trustManagerClassName="org.wso2.carbon.identity.core.util.ClientAuthX509TrustManager"
`;

const TRUST_MANAGER_CLIENT_AUTH = `[transport.https]
trustManagerClassName="org.wso2.carbon.identity.core.util.ClientAuthX509TrustManager"
clientAuth="want"
`;

const AUTHENTICATOR_LISTENER = `[[event_listener]]
id = "custom_event_listener"
type = "org.wso2.carbon.identity.core.handler.AbstractIdentityMessageHandler"
name= "org.wso2.carbon.identity.oauth2.token.handler.clientauth.mutualtls.MutualTLSClientAuthenticator"
order = 158
enable = true
`;

const ARTIFACTS = `[[event_listener]]
id = "introspection_response_interceptor"
type = "org.wso2.carbon.identity.core.handler.AbstractIdentityHandler"
name="org.wso2.carbon.identity.oauth2.token.handler.clientauth.mutualtls.introspection.IntrospectionResponseInterceptor"
order=27
enable=true

[[event_listener]]
id = "is_introspection_data_provider"
type = "org.wso2.carbon.identity.core.handler.AbstractIdentityHandler"
name= "org.wso2.carbon.identity.oauth2.token.handler.clientauth.mutualtls.introspection.ISIntrospectionDataProvider"
order=28
enable=true

[oauth.grant_type.authorization_code]
grant_handler = "org.wso2.carbon.identity.oauth2.token.handler.clientauth.mutualtls.handlers.MTLSTokenBindingAuthorizationCodeGrantHandler"

[oauth.grant_type.client_credentials]
grant_handler = "org.wso2.carbon.identity.oauth2.token.handler.clientauth.mutualtls.handlers.MTLSTokenBindingClientCredentialsGrantHandler"

[oauth.grant_type.refresh_token]
grant_handler = "org.wso2.carbon.identity.oauth2.token.handler.clientauth.mutualtls.handlers.MTLSTokenBindingRefreshGrantHandler"

[oauth.grant_type.uma_ticket]
retrieve_uma_permission_info_through_introspection = true

[oauth.mutualtls]
client_certificate_header = "x-wso2-mtls-cert"
`;

/** The guide fences the Tomcat web.xml snippet as `toml` too; it is XML, not TOML. */
const WEB_XML_FENCED_AS_TOML = `<init-param>
    <description>serverUrl</description>
    <param-name>serverUrl</param-name>
    <param-value>https://localhost:9443/services/</param-value>
</init-param>
`;

const TOML_BLOCKS = { DISABLE_MUTUAL_SSL, TRUST_MANAGER, TRUST_MANAGER_CLIENT_AUTH, AUTHENTICATOR_LISTENER, ARTIFACTS };

/** The guide's final deployment.toml: every step applied (step 2 extends the block of step 1). */
const WHOLE_GUIDE = [DISABLE_MUTUAL_SSL, TRUST_MANAGER_CLIENT_AUTH, AUTHENTICATOR_LISTENER, ARTIFACTS].join('\n');

const load = (text: string): LoadedConfig => parseConfig(text, '/srv/tessera/deployment.toml');
const warningFor = (loaded: LoadedConfig, key: string) => loaded.warnings.find((w) => w.key === key);

describe('the WSO2 mutual-TLS guide, pasted verbatim', () => {
  it.each(Object.entries(TOML_BLOCKS))('block %s loads', (_name, block) => {
    expect(() => load(block)).not.toThrow();
  });

  it.each(Object.entries(TOML_BLOCKS))('block %s loads as indented in the guide (4 spaces)', (_name, block) => {
    const indented = block.replace(/^(?=.)/gm, '    ');
    expect(load(indented).config).toEqual(load(block).config);
  });

  it('honours every key it has a meaning for', () => {
    const { config } = load(WHOLE_GUIDE);
    expect(config.transport.https.clientAuth).toBe('want');
    expect(config.admin_console.authenticator.mutual_ssl_authenticator.enable).toBe(false);
    expect(config.oauth.mutualtls.client_certificate_header).toBe('x-wso2-mtls-cert');
    expect(config.event_listener.map(({ id, order, enable }) => ({ id, order, enable }))).toEqual([
      { id: 'custom_event_listener', order: 158, enable: true },
      { id: 'introspection_response_interceptor', order: 27, enable: true },
      { id: 'is_introspection_data_provider', order: 28, enable: true },
    ]);
    expect(config.event_listener[0]).toMatchObject({
      type: 'org.wso2.carbon.identity.core.handler.AbstractIdentityMessageHandler',
      name: 'org.wso2.carbon.identity.oauth2.token.handler.clientauth.mutualtls.MutualTLSClientAuthenticator',
      properties: {},
    });
    const handler = (grant: string) => config.oauth.grant_type[grant].grant_handler;
    expect(handler('authorization_code')).toMatch(/MTLSTokenBindingAuthorizationCodeGrantHandler$/);
    expect(handler('client_credentials')).toMatch(/MTLSTokenBindingClientCredentialsGrantHandler$/);
    expect(handler('refresh_token')).toMatch(/MTLSTokenBindingRefreshGrantHandler$/);
    expect(config.oauth.grant_type.password).toEqual({ grant_handler: '', enable: true });
  });

  it('warns, key by key with file and line, about what has no meaning here', () => {
    const loaded = load(WHOLE_GUIDE);
    const lineOf = (needle: string) => WHOLE_GUIDE.split('\n').findIndex((l) => l.includes(needle)) + 1;

    expect(warningFor(loaded, 'transport.https.trustManagerClassName')).toEqual({
      key: 'transport.https.trustManagerClassName',
      file: '/srv/tessera/deployment.toml',
      line: lineOf('trustManagerClassName='),
      message: expect.stringContaining('accepted for WSO2 compatibility; no effect in Tessera'),
    });
    expect(warningFor(loaded, 'oauth.grant_type.uma_ticket.retrieve_uma_permission_info_through_introspection')).toMatchObject({
      line: lineOf('retrieve_uma_permission_info_through_introspection'),
      message: 'accepted for WSO2 compatibility; no effect in Tessera',
    });
    expect(warningFor(loaded, 'oauth.grant_type.uma_ticket')).toMatchObject({
      line: lineOf('[oauth.grant_type.uma_ticket]'),
      message: expect.stringContaining('no meaning in Tessera, ignored'),
    });
    // enable = false is what Tessera does anyway: nothing to warn about.
    expect(warningFor(loaded, 'admin_console.authenticator.mutual_ssl_authenticator.enable')).toBeUndefined();
    expect(loaded.warnings).toHaveLength(3);
  });

  it('drops the uma_ticket grant it cannot serve', () => {
    expect(Object.keys(load(ARTIFACTS).config.oauth.grant_type)).not.toContain('uma_ticket');
  });

  it('warns that a client certificate never grants admin rights when mutual_ssl_authenticator is enabled', () => {
    const loaded = load(DISABLE_MUTUAL_SSL.replace('enable = false', 'enable = true'));
    expect(warningFor(loaded, 'admin_console.authenticator.mutual_ssl_authenticator.enable')).toMatchObject({
      line: 2,
      message: expect.stringContaining('never grants admin rights to a client certificate'),
    });
  });

  it('reports the web.xml snippet the guide fences as toml as a TOML syntax error, without crashing', () => {
    let error: unknown;
    try {
      load(WEB_XML_FENCED_AS_TOML);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      { key: '', file: '/srv/tessera/deployment.toml', line: 1, message: expect.stringMatching(/^TOML syntax error at line 1, column \d+: /) },
    ]);
  });
});
