import { defineConfig } from 'vitest/config';

// Runs the controller end-to-end suites on their own (the root e2e project does the same):
//   SEALKIT_INFRA=apiserver,gc npx vitest run --config test/e2e/lib/vitest.config.ts
export default defineConfig({
  test: {
    name: 'e2e-controller',
    root: new URL('..', import.meta.url).pathname,
    include: ['controller*.test.ts'],
    globalSetup: ['../infra/vitest-global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
