// Kubeconfig and in-cluster config live in @sealkit/kube (kubectl's rules, shared with the CLI);
// these names stay importable from here until the controller imports @sealkit/kube directly.
export { connect, inClusterConnection, KubeconfigError, loadKubeconfigFile, type Connection } from '@sealkit/kube';
