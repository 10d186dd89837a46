import { Option, type Command } from 'commander';

/**
 * The flags of every command that talks to a cluster, spelled as kubectl and kubeseal spell
 * them, with kubectl's meaning (@sealkit/kube applies them). This module is loaded by every
 * command registration, so it imports nothing heavy (types only from @sealkit/kube): the cluster
 * code itself (./session.js) is imported only when a command actually needs it.
 */
export interface ClusterFlags {
  kubeconfig?: string;
  context?: string;
  server?: string;
  token?: string;
  as?: string;
  asGroup?: string[];
  /** kubectl's syntax ("30", "5s", "1m"; "0": no deadline); checked when the cluster is opened. */
  requestTimeout?: string;
  insecureSkipTlsVerify?: boolean;
  certificateAuthority?: string;
  controllerNamespace?: string;
  controllerName?: string;
}

const repeat = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function addClusterOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--kubeconfig <file>', 'kubeconfig file, read alone (default: the $KUBECONFIG list merged, else ~/.kube/config, else in-cluster)'))
    .addOption(new Option('--context <name>', 'kubeconfig context (default: the current context)'))
    .addOption(new Option('--server <url>', "the API server's address, replacing the context's"))
    .addOption(new Option('--token <token>', "bearer token, replacing the context user's credentials"))
    .addOption(new Option('--as <user>', 'user to impersonate (a user or system:serviceaccount:NS:NAME)'))
    .addOption(new Option('--as-group <group>', 'group to impersonate, repeatable').argParser(repeat))
    .addOption(new Option('--request-timeout <duration>', 'deadline of each request to the cluster: seconds, or 5s, 1m...; 0 for none (default: 30s)'))
    .addOption(new Option('--insecure-skip-tls-verify', "do not check the API server's certificate (insecure)"))
    .addOption(new Option('--certificate-authority <file>', "CA certificate file for the API server, replacing the context's"))
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
