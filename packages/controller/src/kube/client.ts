// The transport lives in @sealkit/kube, shared with the CLI; these names stay importable from here
// until the controller imports @sealkit/kube directly.
export {
  HttpKubeClient,
  apiErrorFromBody,
  type HttpKubeClientOptions,
  type KubeClient,
  type KubeRequest,
  type Query,
  type Verb,
  type WatchEvent,
} from '@sealkit/kube';
