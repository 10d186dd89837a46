import { defineConfig } from 'vitest/config';

// Two projects, run one after the other:
// - `unit` needs nothing but Node (tests next to the code in packages/*);
// - `e2e` runs against real components (kube-apiserver + etcd + kube-controller-manager, Vault,
//   Bitnami's tools) that test/infra builds on first use and starts once per run.
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts'],
          testTimeout: 30_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/infra/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['./test/infra/vitest-global-setup.ts'],
          // The components are shared by the whole run; suites that change the cluster must not race.
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 300_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
