import { writeOutput } from '../files/user-files.js';
import { addClusterOptions, type ClusterFlags } from '../cluster/options.js';
import type { RegisterCommand } from '../types.js';
import { writeFileOption } from './options.js';

interface CertFlags extends ClusterFlags {
  write?: string;
}

export const registerCert: RegisterCommand = (program, { io }) => {
  const cmd = program
    .command('cert')
    .description("print the cluster's public key (PEM), to seal offline with --cert")
    .addOption(writeFileOption());
  addClusterOptions(cmd)
    .addHelpText(
      'after',
      `
Reads ConfigMap sealkit-cert in the controller's namespace (every authenticated user may), else
asks the controller itself through the API server's service proxy (GET .../proxy/v1/cert.pem).
No port-forward needed. The key is public: commit it next to your sealed files.

Examples:
  sealkit cert > cluster.pem
  sealkit cert --context prod -w keys/prod.pem
  sealkit cert --controller-namespace kube-system --controller-name sealkit`,
    )
    .action(async (flags: CertFlags) => {
      // Loaded here, not at startup: offline commands never pay for the cluster code.
      const { clusterCert } = await import('../cluster/session.js');
      const cert = await clusterCert(flags);
      await writeOutput(io, cert.pem, flags.write);
    });
};
