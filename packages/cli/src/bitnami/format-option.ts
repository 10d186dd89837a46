import { Option } from 'commander';

/** `--format sealkit|bitnami` of `sealkit seal`: its own module, so registering seal loads no Bitnami code. */
export const FORMATS = ['sealkit', 'bitnami'] as const;
export type SealFormat = (typeof FORMATS)[number];

export function formatOption(): Option {
  return new Option(
    '--format <format>',
    'sealed format: sealkit, or bitnami (bitnami.com/v1alpha1, what kubeseal writes; one --cert certificate; JSON unless -o yaml)',
  ).choices([...FORMATS]);
}
