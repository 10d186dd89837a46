import { defineConfig } from 'vitest/config';

// Two projects: `unit` needs nothing but Node; `e2e` runs against real components
// (kube-apiserver + etcd, Vault) that test/infra starts once per run.
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
    ],
  },
});
