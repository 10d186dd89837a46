// ApiError and its predicates are defined once, in @sealkit/kube; these names stay importable from
// here until the controller imports @sealkit/kube directly.
export {
  ApiError,
  errorFields,
  isAlreadyExists,
  isConflict,
  isForbidden,
  isGone,
  isNotFound,
  isTimeout,
  isTooManyRequests,
} from '@sealkit/kube';
