import type { Command } from 'commander';
import {
  BITNAMI_ANNOTATIONS,
  BITNAMI_API_VERSION,
  bitnamiScope,
  sealBitnamiSecret,
  sealBitnamiValue,
  sealBitnamiValues,
  secretValues,
  validateBitnamiSealedSecret,
  validateSecret,
  type BitnamiCertificate,
  type BitnamiSealedSecretManifest,
  type Scope,
} from '@sealkit/core';
import { ExitError, UsageError } from '../errors.js';
import { withContext } from '../to-exit-error.js';
import { writeOutput } from '../files/user-files.js';
import type { ClusterFlags } from '../cluster/options.js';
import type { Io } from '../io.js';
import { describeObject, type InputObject } from '../input/manifests.js';
import { adoptLocation, findCandidates, matchingCandidates, readMergeFile, sealedLabel, writeMerged } from '../files/merge-into-file.js';
import { boundLocation, checkRawFlags, checkSecretFlags, contextNamespace, readRawValue, readSecretInputs, requireNamespace, requireRawLocation, type SealCommandFlags } from '../input/seal-flags.js';
import { readBitnamiCert } from './keys.js';
import { formatBitnamiManifests } from './output.js';
import { withGitOpsAnnotations } from '../output/gitops-annotations.js';

/**
 * `sealkit seal --format bitnami`: what kubeseal writes, for repositories and pipelines built
 * around the Bitnami controller. Differences from kubeseal, all on the side of refusing a mistake:
 * a --scope that contradicts the Secret's scope annotations is a usage error (kubeseal lets the
 * annotation win silently), a namespace comes from -n, the manifest or the kubeconfig context (as kubeseal), else it is an error, and
 * --merge-into keeps the scope of the file it merges into and edits only the changed values.
 */


function hasScopeAnnotation(annotations: Record<string, string> | undefined): boolean {
  return annotations?.[BITNAMI_ANNOTATIONS.clusterWide] === 'true' || annotations?.[BITNAMI_ANNOTATIONS.namespaceWide] === 'true';
}

const scopeName = (scope: Scope) => (scope === 'strict' ? 'strict' : `${scope}-wide`);

/** `--raw`: one value, printed bare and without a newline, exactly as `kubeseal --raw` prints it. */
export async function sealBitnamiRaw(io: Io, flags: SealCommandFlags & ClusterFlags): Promise<void> {
  const scope = flags.scope ?? 'strict';
  if (flags.namespace === undefined && scope !== 'cluster') flags.namespace = await contextNamespace(flags);
  requireRawLocation(flags, scope, scopeName);
  const cert = await readBitnamiCert(flags.cert ?? []);
  const value = await readRawValue(io, flags);
  const sealed = withContext('--raw', () => sealBitnamiValue(value, { publicKey: cert.publicKey, scope, ...boundLocation(scope, flags) }));
  value.fill(0);
  await writeOutput(io, sealed, flags.write);
}

/** Seals Secret manifests (or the Secret built from --from-*) into Bitnami SealedSecrets. */
export async function sealBitnamiManifests(io: Io, inputs: readonly InputObject[], flags: SealCommandFlags): Promise<void> {
  const cert = await readBitnamiCert(flags.cert ?? []);
  const sealed: BitnamiSealedSecretManifest[] = [];
  for (const input of inputs) {
    const what = describeObject(input);
    const secret = withContext(what, () => validateSecret(input.value));
    const annotated = bitnamiScope(secret.metadata);
    if (flags.scope !== undefined && hasScopeAnnotation(secret.metadata.annotations) && flags.scope !== annotated) {
      throw new UsageError(`${what}: --scope ${scopeName(flags.scope)} conflicts with its annotation, which makes it ${scopeName(annotated)}`, {
        hint: `drop --scope, or remove the ${BITNAMI_ANNOTATIONS.clusterWide}/${BITNAMI_ANNOTATIONS.namespaceWide} annotation`,
      });
    }
    const scope = flags.scope ?? annotated;
    requireNamespace(secret.metadata.namespace, scope, what, scopeName);
    sealed.push(withGitOpsAnnotations(withContext(what, () => sealBitnamiSecret(secret, { publicKey: cert.publicKey, ...(flags.scope ? { scope: flags.scope } : {}) })), secret.metadata.annotations));
  }
  await writeOutput(io, formatBitnamiManifests(sealed, flags.output ?? 'json'), flags.write);
}

/**
 * `--merge-into FILE` for a Bitnami SealedSecret: the Secret's keys are sealed for the file's
 * own location and scope (its top-level annotations) and spliced into the file; every other byte
 * stays as it was.
 */
export async function mergeIntoBitnami(io: Io, path: string, inputs: readonly InputObject[], flags: SealCommandFlags): Promise<void> {
  if (inputs.length !== 1) throw new ExitError(`--merge-into takes one Secret; the input has ${inputs.length} objects`);
  const input = inputs[0] as InputObject;
  const cert: BitnamiCertificate = await readBitnamiCert(flags.cert ?? []);
  const merge = await readMergeFile(path);
  const candidates = findCandidates(merge.file, (value) => value.kind === 'SealedSecret' && value.apiVersion === BITNAMI_API_VERSION);
  const matching = matchingCandidates(candidates, input);
  const target = matching[0];
  if (target === undefined || matching.length > 1) {
    throw new ExitError(
      candidates.length === 0
        ? `--merge-into ${path}: the file holds no ${BITNAMI_API_VERSION} SealedSecret`
        : `--merge-into ${path}: the file holds ${candidates.length} Bitnami SealedSecrets; cannot tell which one to update`,
      { hint: candidates.length === 0 ? 'create it first: sealkit seal --format bitnami ... -w FILE' : 'name the Secret with --name and -n to pick one' },
    );
  }
  const existing = withContext(`--merge-into ${path}`, () => validateBitnamiSealedSecret(target.value));
  const label = sealedLabel(existing.metadata);
  const located = adoptLocation(input, existing.metadata, label, path);
  const secret = withContext(describeObject(located), () => validateSecret(located.value));
  const scope = bitnamiScope(existing.metadata);
  if (flags.scope !== undefined && flags.scope !== scope) {
    throw new UsageError(`--scope ${scopeName(flags.scope)} conflicts with the scope ${scopeName(scope)} of ${label} in ${path}`, {
      hint: 'drop --scope to use the scope of the file',
    });
  }
  if (scope !== 'cluster' && existing.metadata.namespace === undefined) {
    throw new ExitError(`--merge-into ${path}: ${label} has no namespace but is ${scopeName(scope)}`);
  }
  const added = withContext(label, () =>
    sealBitnamiValues(secretValues(secret), { publicKey: cert.publicKey, scope, ...boundLocation(scope, existing.metadata) }),
  );
  await writeMerged(io, path, merge, target.index, Object.entries(added), existing.spec.encryptedData);
}

// ---------------------------------------------------------------------------------------------
// the command (seal.ts hands `--format bitnami` over to this, with its parsed flags)

/** `sealkit seal --format bitnami ...`: the same inputs and flags as the sealkit format. */
export async function sealBitnamiCommand(io: Io, nameArg: string | undefined, flags: SealCommandFlags & ClusterFlags, cmd: Command): Promise<void> {
  if (flags.raw === true) {
    checkRawFlags(nameArg, flags, cmd, [[(flags.fromFile ?? []).length > 1, '--from-file given more than once']]);
    return sealBitnamiRaw(io, flags);
  }
  const building = checkSecretFlags(nameArg, flags, cmd, {
    noData: 'add --from-literal KEY=VALUE, --from-file [KEY=]PATH or --from-env-file PATH',
    noName: 'sealkit seal NAME -n NAMESPACE --format bitnami --from-literal KEY=VALUE',
  });
  // The certificate first: a missing or expired --cert is reported before we wait for stdin.
  await readBitnamiCert(flags.cert ?? []);
  const inputs = await readSecretInputs(io, nameArg, flags, building);
  if (flags.mergeInto !== undefined) return mergeIntoBitnami(io, flags.mergeInto, inputs, flags);
  return sealBitnamiManifests(io, inputs, flags);
}
