import { Option, type Command } from 'commander';

/**
 * The flags of every command that talks to a cluster, spelled as kubectl and kubeseal spell
 * them. This module is loaded by every command registration, so it imports nothing heavy: the
 * cluster code itself (./session.js) is imported only when a command actually needs it.
 */
export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  controllerNamespace?: string;
  controllerName?: string;
}

export function addClusterOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else in-cluster)'))
    .addOption(new Option('--context <name>', 'kubeconfig context (default: the current context)'))
    .addOption(
      new Option('--controller-namespace <namespace>', 'namespace of the sealkit controller')
        .env('SEALKIT_CONTROLLER_NAMESPACE')
        .default('sealkit'),
    )
    .addOption(
      new Option('--controller-name <name>', 'name of the sealkit controller Service')
        .env('SEALKIT_CONTROLLER_NAME')
        .default('sealkit-controller'),
    );
}
