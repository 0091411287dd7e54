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

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'plugins/*/test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(skipSystemPackages ? Object.values(SYSTEM_PACKAGE_TESTS).flat() : [])],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: server-starting test files contend for CPU, so keep the parallelism modest.
    maxWorkers: 2,
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
