import { defineConfig } from 'vitest/config';

// Runs the CLI's cluster end-to-end suite on its own (real apiserver + real controller):
//   SEALKIT_INFRA=apiserver,gc npx vitest run --config test/e2e/lib/cli-vitest.config.ts
// Reuse a running harness while iterating:
//   eval "$(test/infra/up --with apiserver,gc)"; SEALKIT_INFRA_REUSE="$SEALKIT_TEST_STATE" npx vitest run --config test/e2e/lib/cli-vitest.config.ts
export default defineConfig({
  test: {
    name: 'e2e-cli-cluster',
    root: new URL('..', import.meta.url).pathname,
    include: ['cli-cluster.test.ts'],
    globalSetup: ['../infra/vitest-global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
