import { defineConfig } from 'vitest/config';

// Runs the harness's own smoke suite on its own:
//   npx vitest run --config test/infra/vitest.config.ts
// The root config's e2e project uses the same globalSetup for all end-to-end suites.
export default defineConfig({
  test: {
    name: 'infra',
    root: import.meta.dirname,
    include: ['*.test.ts'],
    globalSetup: ['./vitest-global-setup.ts'],
    // Components are shared by the whole run; files that mutate the cluster must not race.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
