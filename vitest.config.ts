import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Test files that drive a system package (scripts/install-system-packages.sh installs them). With
 * TESSERA_SKIP_SYSTEM_PACKAGES=1 they are left out and every other suite runs. A test file that
 * starts nginx (test/support/cluster.ts) or Chromium (test/e2e/support/browser.ts) belongs here:
 * test/operator/system-packages.test.ts checks that none is missing.
 */
export const SYSTEM_PACKAGE_TESTS: Readonly<Record<'nginx' | 'chromium', readonly string[]>> = {
  nginx: ['test/cluster/load-balancer.test.ts', 'test/cluster/rolling-restart.test.ts'],
  chromium: ['test/e2e/pki-guide.test.ts', 'test/e2e/playground.test.ts', 'test/e2e/wso2-guide.test.ts', 'test/e2e/landing-page.test.ts', 'test/console/console-browser.test.ts'],
};

const skipSystemPackages = process.env.TESSERA_SKIP_SYSTEM_PACKAGES === '1';

/**
 * `npm run test:unit`: test files that start no server and no child process and need no database
 * server (an in-process SQLite file at most). Every other file is `npm run test:integration`, so a
 * new test file is an integration test until it is listed here; `npm test` runs both.
 */
export const UNIT_TESTS: readonly string[] = [
  'plugins/mtls-token-binding/test/certificate-binding.test.ts',
  'plugins/mutual-tls-client-authenticator/test/certificate-validators.test.ts',
  'plugins/mutual-tls-client-authenticator/test/chain-validation.test.ts',
  'plugins/mutual-tls-client-authenticator/test/settings.test.ts',
  'plugins/mutual-tls-client-authenticator/test/subject-alternative-names.test.ts',
  'plugins/private-key-jwt-client-authenticator/test/settings.test.ts',
  'test/cluster/deploy-examples.test.ts',
  'test/config/config-reference.test.ts',
  'test/config/load-config.test.ts',
  'test/config/toml-locations.test.ts',
  'test/config/wso2-guide.test.ts',
  'test/crypto/base64.test.ts',
  'test/crypto/jws-sign.test.ts',
  'test/crypto/pem.test.ts',
  'test/crypto/thumbprint.test.ts',
  'test/e2e/playground-config.test.ts',
  'test/hardening/constant-time.test.ts',
  'test/kernel/folder-dependencies.test.ts',
  'test/kernel/logger-redaction.test.ts',
  'test/kernel/one-door.test.ts',
  'test/kernel/plugin-api-reference.test.ts',
  'test/oauth/jwks-uri-cache.test.ts',
  'test/runtime/clock-and-event-bus.test.ts',
  'test/oauth/token-ids.test.ts',
  'test/store/query-executor.test.ts',
  'test/store/replay-guard.test.ts',
  'test/store/sqlite-group-commit.test.ts',
  'test/store/unavailable.test.ts',
  'test/transport/certificate-header-cache.test.ts',
  'test/transport/certificate-header.test.ts',
  'test/transport/forwarded-for.test.ts',
  'test/x509/der.test.ts',
  'test/x509/distinguished-name.test.ts',
];

const ALL_TESTS = ['test/**/*.test.ts', 'plugins/*/test/**/*.test.ts'];

const excluded = [...configDefaults.exclude, ...(skipSystemPackages ? Object.values(SYSTEM_PACKAGE_TESTS).flat() : [])];

export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: [...UNIT_TESTS], exclude: excluded } },
      { extends: true, test: { name: 'integration', include: ALL_TESTS, exclude: [...excluded, ...UNIT_TESTS] } },
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: server-starting test files contend for CPU, so keep the parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
