/**
 * Annotations that tell a GitOps tool how to apply an object: Argo CD (sync waves, hooks, sync
 * options), Flux's kustomize-controller, Helm hooks. On a Secret they only reach the template of
 * the sealed object, so the tool would apply the SealedSecret in wave 0 whatever the user wrote;
 * they are copied to the sealed object's own metadata too (the template keeps them for the Secret).
 */
const GITOPS_ANNOTATION = /^(?:argocd\.argoproj\.io\/|kustomize\.toolkit\.fluxcd\.io\/|helm\.sh\/hook)/;

/** The GitOps annotations among `annotations`, in key order. */
export function gitOpsAnnotations(annotations: Readonly<Record<string, string>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(annotations ?? {}).sort()) {
    if (GITOPS_ANNOTATION.test(key)) out[key] = (annotations as Record<string, string>)[key] as string;
  }
  return out;
}

/** `sealed` with the Secret's GitOps annotations added to its own metadata (the sealed object's own annotations win). */
export function withGitOpsAnnotations<T extends { metadata: { annotations?: Record<string, string> | undefined } }>(
  sealed: T,
  secretAnnotations: Readonly<Record<string, string>> | undefined,
): T {
  const copied = gitOpsAnnotations(secretAnnotations);
  if (Object.keys(copied).length === 0) return sealed;
  const annotations = { ...sealed.metadata.annotations };
  for (const [key, value] of Object.entries(copied)) if (!(key in annotations)) annotations[key] = value;
  return { ...sealed, metadata: { ...sealed.metadata, annotations } };
}
